# logmac timing and leakage of {{TOP}} (OpenSTA). Inputs arrive and outputs are taken at the clock edge.
read_liberty {{LIB}}
read_verilog {{NETLIST}}
link_design {{TOP}}
create_clock -name clk -period {{PERIOD}} [get_ports clk_i]
set_input_delay 0 -clock clk [delete_from_list [all_inputs] [get_ports clk_i]]
set_output_delay 0 -clock clk [all_outputs]
# The asynchronous reset is distributed by a reset tree at layout; its recovery check is not the datapath.
set_false_path -from [get_ports rst_ni]
# The critical path pin by pin, with the nets between (hierarchical names: block/cell/pin, block/net).
report_checks -path_delay max -digits 4 -fields {net}
report_worst_slack -digits 4
# Cross-check only: OpenSTA cannot take per-net activity, so it gets the measured mean toggle rate.
set_power_activity -global -activity {{ACTIVITY}} -duty 0.5
report_power -digits 6
# The cell delays at this clock for the timed gate-level simulation (empty when not asked for).
{{WRITE_SDF}}
