// The comparison report: Markdown table, CSV, JSON and a gnuplot PNG of the designs' costs against their
// accuracy, each log-domain design set against the linear fixed-point MAC of the same operand width.
#pragma once
#include <string>
#include <vector>

#include "synth/result.hpp"

namespace logmac::synth {

// The canonical spec of the linear baseline of a design: fxp with the same operand width w.
std::string baseline_spec(const DesignResult& r);

// One Markdown table (the columns of the README's comparison): spec, area and ratio, cells, fmax, energy per MAC
// zero-delay and timed with their ratios, the glitch share, leakage, accuracy. Designs without a baseline in
// `all` show "-" as ratio, designs without a timed run "-" in its columns.
std::string markdown_table(const std::vector<DesignResult>& all);
// Where the energy and area go, per design (clock / registers / logic / inputs, the glitch share of each;
// flip-flop vs logic area).
std::string breakdown_table(const std::vector<DesignResult>& all);
// Per block: area, energy per MAC zero-delay and timed, glitch share.
std::string block_table(const std::vector<DesignResult>& all);
// The critical path of each design, block by block.
std::string critical_path_table(const std::vector<DesignResult>& all);
// compare.md: all of the above with headings and what the columns mean.
std::string report_markdown(const std::vector<DesignResult>& all);
std::string csv_table(const std::vector<DesignResult>& all);
std::string blocks_csv(const std::vector<DesignResult>& all);  // compare_blocks.csv
std::string json_report(const std::vector<DesignResult>& all, const std::string& versions);

// Plot labels, one per design, unique: variant, w, and the spec keys that differ between designs of the variant.
std::vector<std::string> plot_labels(const std::vector<DesignResult>& all);

// Writes DIR/compare.{md,csv,json,dat,png} and compare_blocks.csv; returns a note if the plot could not be made (else "").
std::string write_reports(const std::string& dir, const std::vector<DesignResult>& all, const std::string& versions,
                          const std::string& title);

}  // namespace logmac::synth
