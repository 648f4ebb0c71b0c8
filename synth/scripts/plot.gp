# logmac compare plot (the flow substitutes {{...}}): energy per MAC and area against accuracy, one point
# per design. Data columns: nrmse energy_pj area_um2 "label" variant_index. The x axis is logarithmic: a design
# with nrmse 0 is drawn at 1e-12 and its label says "nrmse 0".
set terminal pngcairo size 1400,620 font "sans,10"
set output "{{PNG}}"
set datafile separator "\t"
set multiplot layout 1,2 title "{{TITLE}}" noenhanced
set logscale x
set format x "%.0e"
set grid
set xlabel "dot-product NRMSE (lower is better)"
set key off
set ylabel "energy per MAC [pJ]"
plot "{{DAT}}" using 1:2:5 with points pt 7 ps 1.4 lc variable, \
     "" using 1:2:4 with labels offset char 0.6,0.6 left font ",8"
set ylabel "area [um^2]"
plot "{{DAT}}" using 1:3:5 with points pt 7 ps 1.4 lc variable, \
     "" using 1:3:4 with labels offset char 0.6,0.6 left font ",8"
unset multiplot
