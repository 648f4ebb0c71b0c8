#include "synth/report.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>

#include "sim/config.hpp"
#include "synth/tools.hpp"
#include "util/text_io.hpp"

namespace logmac::synth {

namespace fs = std::filesystem;

namespace {

const DesignResult* find_baseline(const DesignResult& r, const std::vector<DesignResult>& all) {
  const std::string b = baseline_spec(r);
  for (const auto& x : all)
    if (x.spec == b) return &x;
  return nullptr;
}

std::string ratio(double v, const DesignResult* base, double DesignResult::*field) {
  if (!base || base->*field <= 0) return "-";
  return fmt::format("{:.3f}", v / (base->*field));
}

}  // namespace

namespace {

constexpr double kZeroNrmse = 1e-12;

// "variant:k=v,k=v" -> key -> value.
std::map<std::string, std::string> spec_keys(const std::string& spec) {
  std::map<std::string, std::string> kv;
  const auto colon = spec.find(':');
  if (colon == std::string::npos) return kv;
  std::string rest = spec.substr(colon + 1);
  for (size_t p = 0; p <= rest.size();) {
    size_t q = rest.find(',', p);
    if (q == std::string::npos) q = rest.size();
    const std::string item = rest.substr(p, q - p);
    const auto eq = item.find('=');
    if (eq != std::string::npos) kv[item.substr(0, eq)] = item.substr(eq + 1);
    p = q + 1;
  }
  return kv;
}

}  // namespace

std::vector<std::string> plot_labels(const std::vector<DesignResult>& all) {
  // Per variant, the keys whose values differ between its designs (and w, always): distinct canonical specs of
  // one variant differ in at least one such key, so the labels are unique.
  std::vector<std::string> variant(all.size());
  std::vector<std::map<std::string, std::string>> keys(all.size());
  std::map<std::string, std::map<std::string, std::string>> first_value;
  std::map<std::string, std::map<std::string, bool>> differs;
  for (size_t i = 0; i < all.size(); ++i) {
    variant[i] = all[i].spec.substr(0, all[i].spec.find(':'));
    keys[i] = spec_keys(all[i].spec);
  }
  for (size_t i = 0; i < all.size(); ++i)
    for (size_t j = 0; j < all.size(); ++j) {
      if (variant[i] != variant[j]) continue;
      for (const auto& [k, v] : keys[i]) {
        const auto it = keys[j].find(k);
        if (it == keys[j].end() || it->second != v) differs[variant[i]][k] = true;
      }
    }
  std::vector<std::string> out(all.size());
  for (size_t i = 0; i < all.size(); ++i) {
    std::string label = variant[i];
    if (auto w = keys[i].find("w"); w != keys[i].end()) label += " w=" + w->second;
    for (const auto& [k, v] : keys[i])
      if (k != "w" && differs[variant[i]].count(k)) label += fmt::format(" {}={}", k, v);
    out[i] = label;
  }
  // Identical specs (compare removes duplicates; a caller might not): number them.
  std::map<std::string, int> seen;
  for (auto& l : out)
    if (int n = seen[l]++; n > 0) l += fmt::format(" #{}", n + 1);
  return out;
}

std::string baseline_spec(const DesignResult& r) { return parse_spec(fmt::format("fxp:w={}", r.w)).canonical(); }

size_t spec_width(const std::vector<DesignResult>& all) {
  size_t w = 4;
  for (const auto& r : all) w = std::max(w, r.spec.size());
  return w;
}

namespace {

// "12.3%" of the glitch share, "-" without a timed run.
std::string glitch(const DesignResult& r, double zero, double timed) {
  if (!r.timed() || timed <= 0) return "-";
  return fmt::format("{:.1f}%", 100 * DesignResult::glitch_share(zero, timed));
}
std::string timed_value(const DesignResult& r, double v, const char* f = "{:.3f}") {
  return r.timed() ? fmt::format(fmt::runtime(f), v) : "-";
}
std::string json_number(const DesignResult& r, double v, int digits = 6) {
  return r.timed() ? fmt::format("{:.{}f}", v, digits) : "null";
}

}  // namespace

std::string markdown_table(const std::vector<DesignResult>& all) {
  const size_t sw = spec_width(all);
  std::string s = fmt::format(
      "| {:<{}} | {:>9} | {:>6} | {:>6} | {:>6} | {:>8} | {:>9} | {:>6} | {:>9} | {:>6} | {:>6} | {:>8} | {:>9} | "
      "{:>8} |\n",
      "spec", sw, "area um2", "ratio", "cells", "fmax", "slack ns", "pJ/MAC 0", "ratio", "pJ/MAC t", "ratio", "glitch",
      "leak nW", "nrmse", "worst");
  s += fmt::format("|{:-<{}}|{:->11}|{:->8}|{:->8}|{:->8}|{:->10}|{:->11}|{:->8}|{:->11}|{:->8}|{:->8}|{:->10}|{:->11}|{:->10}|\n",
                   "", sw + 2, ":", ":", ":", ":", ":", ":", ":", ":", ":", ":", ":", ":", ":");
  for (const auto& r : all) {
    const DesignResult* b = find_baseline(r, all);
    const bool bt = b && b->timed() && r.timed();
    s += fmt::format(
        "| {:<{}} | {:>9.0f} | {:>6} | {:>6} | {:>6.0f} | {:>8.3f} | {:>9.3f} | {:>6} | {:>9} | {:>6} | {:>6} | {:>8.1f} | "
        "{:>9.3e} | {:>8.3e} |\n",
        r.spec, sw, r.area, ratio(r.area, b, &DesignResult::area), r.cells, r.fmax_mhz, r.slack_ns, r.energy_pj,
        ratio(r.energy_pj, b, &DesignResult::energy_pj), timed_value(r, r.timed_energy_pj),
        bt ? ratio(r.timed_energy_pj, b, &DesignResult::timed_energy_pj) : "-", glitch(r, r.energy_pj, r.timed_energy_pj),
        r.leakage_nw, r.nrmse, r.worst);
  }
  return s;
}

std::string breakdown_table(const std::vector<DesignResult>& all) {
  const size_t sw = spec_width(all);
  std::string s = fmt::format(
      "| {:<{}} | {:>7} | {:>7} | {:>7} | {:>7} | {:>8} | {:>8} | {:>6} | {:>6} | {:>8} | {:>8} | {:>8} | {:>8} |\n", "spec",
      sw, "clock", "regs", "logic", "inputs", "FF area", "FF cells", "act 0", "act t", "glitch c", "glitch r", "glitch l",
      "glitch i");
  s += fmt::format("|{:-<{}}|{:->9}|{:->9}|{:->9}|{:->9}|{:->10}|{:->10}|{:->8}|{:->8}|{:->10}|{:->10}|{:->10}|{:->10}|\n", "",
                   sw + 2, ":", ":", ":", ":", ":", ":", ":", ":", ":", ":", ":", ":");
  for (const auto& r : all) {
    // Shares of the glitch-aware energy when there is one.
    const bool t = r.timed();
    const double e = (t ? r.timed_energy_pj : r.energy_pj) > 0 ? (t ? r.timed_energy_pj : r.energy_pj) : 1;
    s += fmt::format(
        "| {:<{}} | {:>6.1f}% | {:>6.1f}% | {:>6.1f}% | {:>6.1f}% | {:>7.1f}% | {:>8} | {:>6.3f} | {:>6} | {:>8} | {:>8} | "
        "{:>8} | {:>8} |\n",
        r.spec, sw, 100 * (t ? r.timed_clock_pj : r.clock_pj) / e, 100 * (t ? r.timed_registers_pj : r.registers_pj) / e,
        100 * (t ? r.timed_logic_pj : r.logic_pj) / e, 100 * (t ? r.timed_inputs_pj : r.inputs_pj) / e,
        r.area > 0 ? 100 * r.seq_area / r.area : 0, r.seq_cells, r.activity, timed_value(r, r.timed_activity),
        glitch(r, r.clock_pj, r.timed_clock_pj), glitch(r, r.registers_pj, r.timed_registers_pj),
        glitch(r, r.logic_pj, r.timed_logic_pj), glitch(r, r.inputs_pj, r.timed_inputs_pj));
  }
  return s;
}

std::string block_table(const std::vector<DesignResult>& all) {
  const size_t sw = spec_width(all);
  std::string s = fmt::format("| {:<{}} | {:<14} | {:>9} | {:>6} | {:>9} | {:>9} | {:>7} |\n", "spec", sw, "block",
                              "area um2", "area", "pJ/MAC 0", "pJ/MAC t", "glitch");
  s += fmt::format("|{:-<{}}|{:-<16}|{:->11}|{:->8}|{:->11}|{:->11}|{:->9}|\n", "", sw + 2, "", ":", ":", ":", ":", ":");
  for (const auto& r : all)
    for (const auto& b : r.block_energy) {
      double area = 0;
      for (const auto& [n, a] : r.block_area)
        if (n == b.name) area = a;
      s += fmt::format("| {:<{}} | {:<14} | {:>9.0f} | {:>5.1f}% | {:>9.3f} | {:>9} | {:>7} |\n", r.spec, sw, b.name,
                       area, r.area > 0 ? 100 * area / r.area : 0, b.zero_pj, timed_value(r, b.timed_pj),
                       glitch(r, b.zero_pj, b.timed_pj));
    }
  return s;
}

std::string critical_path_table(const std::vector<DesignResult>& all) {
  const size_t sw = spec_width(all);
  std::string s = fmt::format(
      "| {:<{}} | {:>7} | critical path: start, then block by block (delay in the block -> the signal it leaves by) |\n",
      "spec", sw, "ns");
  s += fmt::format("|{:-<{}}|{:->9}|{:-<80}|\n", "", sw + 2, ":", "");
  for (const auto& r : all)
    s += fmt::format("| {:<{}} | {:>7.3f} | from {}: {} |\n", r.spec, sw, r.critical_ns, r.critical_from,
                     r.critical_path.empty() ? "-> " + r.critical_to : r.critical_path);
  return s;
}

std::string csv_table(const std::vector<DesignResult>& all) {
  std::string s =
      "spec,module,w,area_um2,area_ratio,cells,seq_cells,seq_area_um2,clock_ns,critical_ns,slack_ns,fmax_mhz,"
      "energy_pj_per_mac,energy_ratio,switching_pj,internal_pj,leakage_pj,clock_pj,registers_pj,logic_pj,inputs_pj,"
      "leakage_nw,sta_leakage_nw,power_uw,sta_power_uw,activity,macs,nrmse,worst,workload,sim,"
      "timed_energy_pj_per_mac,timed_energy_ratio,glitch_share,timed_switching_pj,timed_internal_pj,timed_clock_pj,"
      "timed_registers_pj,timed_logic_pj,timed_inputs_pj,timed_activity,glitch_clock,glitch_registers,glitch_logic,"
      "glitch_inputs,critical_path\n";
  for (const auto& r : all) {
    const DesignResult* b = find_baseline(r, all);
    const bool bt = b && b->timed() && r.timed();
    auto share = [&](double z, double t) { return r.timed() ? fmt::format("{:.5f}", DesignResult::glitch_share(z, t)) : ""; };
    auto tv = [&](double v) { return r.timed() ? fmt::format("{:.5f}", v) : ""; };
    s += fmt::format(
        "\"{}\",{},{},{:.1f},{},{},{},{:.1f},{},{:.4f},{:.4f},{:.2f},{:.5f},{},{:.5f},{:.5f},{:.7f},{:.5f},{:.5f},{:.5f},"
        "{:.5f},{:.3f},{:.3f},{:.3f},{:.3f},{:.5f},{},{:.6e},{:.6e},{},{},",
        r.spec, r.module, r.w, r.area, ratio(r.area, b, &DesignResult::area), r.cells, r.seq_cells, r.seq_area,
        r.clock_ns, r.critical_ns, r.slack_ns, r.fmax_mhz, r.energy_pj, ratio(r.energy_pj, b, &DesignResult::energy_pj),
        r.switching_pj, r.internal_pj, r.leakage_pj, r.clock_pj, r.registers_pj, r.logic_pj, r.inputs_pj, r.leakage_nw,
        r.sta_leakage_nw, r.power_uw, r.sta_power_uw, r.activity, r.macs, r.nrmse, r.worst, r.workload, r.sim);
    s += fmt::format("{},{},{},{},{},{},{},{},{},{},{},{},{},{},\"{}\"\n", tv(r.timed_energy_pj),
                     bt ? ratio(r.timed_energy_pj, b, &DesignResult::timed_energy_pj) : "",
                     share(r.energy_pj, r.timed_energy_pj), tv(r.timed_switching_pj), tv(r.timed_internal_pj),
                     tv(r.timed_clock_pj), tv(r.timed_registers_pj), tv(r.timed_logic_pj), tv(r.timed_inputs_pj),
                     tv(r.timed_activity), share(r.clock_pj, r.timed_clock_pj),
                     share(r.registers_pj, r.timed_registers_pj), share(r.logic_pj, r.timed_logic_pj),
                     share(r.inputs_pj, r.timed_inputs_pj), r.critical_path);
  }
  return s;
}

std::string blocks_csv(const std::vector<DesignResult>& all) {
  std::string s = "spec,block,area_um2,zero_pj_per_mac,timed_pj_per_mac,glitch_share\n";
  for (const auto& r : all)
    for (const auto& b : r.block_energy) {
      double area = 0;
      for (const auto& [n, a] : r.block_area)
        if (n == b.name) area = a;
      s += fmt::format("\"{}\",{},{:.1f},{:.6f},{},{}\n", r.spec, b.name, area, b.zero_pj,
                       r.timed() ? fmt::format("{:.6f}", b.timed_pj) : "",
                       r.timed() ? fmt::format("{:.5f}", DesignResult::glitch_share(b.zero_pj, b.timed_pj)) : "");
    }
  return s;
}

std::string json_report(const std::vector<DesignResult>& all, const std::string& versions) {
  std::string s = fmt::format("{{\n  \"tools\": \"{}\",\n  \"designs\": [\n", json_escape(versions));
  for (size_t i = 0; i < all.size(); ++i) {
    const auto& r = all[i];
    const DesignResult* b = find_baseline(r, all);
    const bool bt = b && b->timed() && r.timed();
    std::string cells, blocks, benergy;
    for (const auto& [k, v] : r.cell_types) cells += fmt::format("{}\"{}\": {}", cells.empty() ? "" : ", ", k, v);
    for (const auto& [k, v] : r.block_area)
      blocks += fmt::format("{}\"{}\": {:.1f}", blocks.empty() ? "" : ", ", json_escape(k), v);
    for (const auto& x : r.block_energy)
      benergy += fmt::format("{}\n       {{\"block\": \"{}\", \"zero_pj_per_mac\": {:.6f}, \"timed_pj_per_mac\": {}, "
                             "\"glitch_share\": {}}}",
                             benergy.empty() ? "" : ",", json_escape(x.name), x.zero_pj, json_number(r, x.timed_pj),
                             json_number(r, DesignResult::glitch_share(x.zero_pj, x.timed_pj), 5));
    s += fmt::format(
        "    {{\"spec\": \"{}\", \"module\": \"{}\", \"baseline\": \"{}\", \"w\": {}, \"latency\": {},\n"
        "     \"area_um2\": {:.1f}, \"area_ratio\": {}, \"cells\": {}, \"seq_cells\": {}, \"seq_area_um2\": {:.1f},\n"
        "     \"clock_ns\": {}, \"critical_ns\": {:.4f}, \"slack_ns\": {:.4f}, \"fmax_mhz\": {:.2f},\n"
        "     \"critical_from\": \"{}\", \"critical_to\": \"{}\", \"critical_path\": \"{}\",\n"
        "     \"energy_pj_per_mac\": {:.6f}, \"energy_ratio\": {}, \"switching_pj\": {:.6f}, \"internal_pj\": {:.6f},\n"
        "     \"leakage_pj\": {:.8f}, \"by_driver_pj\": {{\"clock\": {:.6f}, \"registers\": {:.6f}, \"logic\": {:.6f},"
        " \"inputs\": {:.6f}}},\n",
        json_escape(r.spec), r.module, b ? b->spec : "", r.w, r.latency, r.area,
        b ? ratio(r.area, b, &DesignResult::area) : "null", r.cells, r.seq_cells, r.seq_area, r.clock_ns,
        r.critical_ns, r.slack_ns, r.fmax_mhz, json_escape(r.critical_from), json_escape(r.critical_to),
        json_escape(r.critical_path), r.energy_pj, b ? ratio(r.energy_pj, b, &DesignResult::energy_pj) : "null",
        r.switching_pj, r.internal_pj, r.leakage_pj, r.clock_pj, r.registers_pj, r.logic_pj, r.inputs_pj);
    s += fmt::format(
        "     \"sim\": \"{}\", \"timed_energy_pj_per_mac\": {}, \"timed_energy_ratio\": {}, \"glitch_share\": {},\n"
        "     \"timed_by_driver_pj\": {{\"clock\": {}, \"registers\": {}, \"logic\": {}, \"inputs\": {}}},\n"
        "     \"glitch_share_by_driver\": {{\"clock\": {}, \"registers\": {}, \"logic\": {}, \"inputs\": {}}},\n"
        "     \"timed_activity\": {},\n",
        r.sim, json_number(r, r.timed_energy_pj), bt ? ratio(r.timed_energy_pj, b, &DesignResult::timed_energy_pj) : "null",
        json_number(r, DesignResult::glitch_share(r.energy_pj, r.timed_energy_pj), 5), json_number(r, r.timed_clock_pj),
        json_number(r, r.timed_registers_pj), json_number(r, r.timed_logic_pj), json_number(r, r.timed_inputs_pj),
        json_number(r, DesignResult::glitch_share(r.clock_pj, r.timed_clock_pj), 5),
        json_number(r, DesignResult::glitch_share(r.registers_pj, r.timed_registers_pj), 5),
        json_number(r, DesignResult::glitch_share(r.logic_pj, r.timed_logic_pj), 5),
        json_number(r, DesignResult::glitch_share(r.inputs_pj, r.timed_inputs_pj), 5), json_number(r, r.timed_activity, 5));
    s += fmt::format(
        "     \"leakage_nw\": {:.3f}, \"sta_leakage_nw\": {:.3f}, \"power_uw\": {:.3f}, \"sta_power_uw_cross_check\": "
        "{:.3f},\n"
        "     \"activity\": {:.5f}, \"wire_cap_ff_per_fanout\": {:.4f}, \"mean_net_cap_ff\": {:.4f},\n"
        "     \"workload\": \"{}\", \"macs\": {}, \"cycles\": {}, \"gate_level_macs_checked\": {},"
        " \"gate_level_equals_model\": {},\n"
        "     \"nrmse\": {:.6e}, \"worst\": {:.6e}, \"accuracy_workload\": \"{}\",\n"
        "     \"cell_types\": {{{}}}, \"block_area_um2\": {{{}}},\n"
        "     \"block_energy\": [{}]}}{}\n",
        r.leakage_nw, r.sta_leakage_nw, r.power_uw, r.sta_power_uw, r.activity, r.wire_cap_ff, r.mean_net_cap_ff,
        json_escape(r.workload), r.macs, r.cycles,
        // The bench checks acc_o against the model after each of r.macs MACs (in every simulation that ran) and
        // the flow fails on the first difference, so a reported design matched on all of them.
        r.macs, r.macs > 0 ? "true" : "false", r.nrmse, r.worst, json_escape(r.accuracy_workload), cells, blocks,
        benergy, i + 1 < all.size() ? "," : "");
  }
  s += "  ]\n}\n";
  return s;
}

std::string report_markdown(const std::vector<DesignResult>& all) {
  const bool any_timed = std::any_of(all.begin(), all.end(), [](const DesignResult& r) { return r.timed(); });
  std::string s = "# logmac compare\n\n";
  s += any_timed ? "Energy per MAC from the zero-delay simulation (pJ/MAC 0: every net switches at most once per clock\n"
                   "edge) and from the timed simulation (pJ/MAC t: the netlist with OpenSTA's SDF delays in Icarus, every\n"
                   "transition counted, glitches included); glitch = (t - 0) / t. Ratios against fxp of the same width.\n\n"
                 : "Energy per MAC from the zero-delay simulation (every net switches at most once per clock edge: glitches\n"
                   "are not counted; `--sim timed` adds the timed simulation). Ratios against fxp of the same width.\n\n";
  s += markdown_table(all);
  s += "\n## Where the energy goes\n\nShare of pJ/MAC by driver (of the timed figure where there is one), the "
       "flip-flops' share of the area,\nactivity (transitions per net per cycle, zero-delay and timed), and the "
       "glitch share of each class\n(clock net + clock pins, registers, logic, input ports).\n\n";
  s += breakdown_table(all);
  s += "\n## Per block\n\nArea and energy per MAC of each block (instance of the design's hierarchy; \"clock net\" "
       "and \"inputs\" are the\nswitching of the nets the ports drive). A block's energy: its cells' internal "
       "energy and leakage and the\nswitching of the nets they drive.\n\n";
  s += block_table(all);
  s += "\n## Critical paths\n\n";
  s += critical_path_table(all);
  return s;
}

std::string write_reports(const std::string& dir, const std::vector<DesignResult>& all, const std::string& versions,
                          const std::string& title) {
  fs::create_directories(dir);
  const std::string d = fs::absolute(dir).string();
  write_output(d + "/compare.md", report_markdown(all));
  write_output(d + "/compare.csv", csv_table(all));
  write_output(d + "/compare_blocks.csv", blocks_csv(all));
  write_output(d + "/compare.json", json_report(all, versions));
  std::map<std::string, int> variant_color;
  const std::vector<std::string> labels = plot_labels(all);
  std::string dat;
  for (size_t i = 0; i < all.size(); ++i) {
    const auto& r = all[i];
    const std::string variant = r.spec.substr(0, r.spec.find(':'));
    const int color = variant_color.emplace(variant, static_cast<int>(variant_color.size()) + 1).first->second;
    // A log axis has no 0: an exact design is drawn at kZeroNrmse and its label says so.
    const bool exact = !(r.nrmse > 0);
    dat += fmt::format("{:.6e}\t{:.6f}\t{:.1f}\t{}\t{}\n", exact ? kZeroNrmse : r.nrmse, r.energy_pj, r.area,
                       exact ? labels[i] + fmt::format(" (nrmse 0, drawn at {:.0e})", kZeroNrmse) : labels[i], color);
  }
  write_output(d + "/compare.dat", dat);
  // gnuplot draws into a temporary next to the PNG (named for the stale-temporary cleanup), renamed when whole.
  const std::string png_tmp = fmt::format("{}/compare.png.tmp-{}-0", d, getpid());
  write_output(d + "/compare.gp",
               substitute(kPlotGp, {{"PNG", png_tmp}, {"DAT", d + "/compare.dat"}, {"TITLE", title}}));
  std::string outcome;
  try {
    const util::ProcessResult r = run_tool({"gnuplot", d + "/compare.gp"}, d, "gnuplot.log");
    outcome = r.ok() ? "" : r.describe();
  } catch (const FlowError& e) {  // gnuplot missing: the tables are written, the plot is not
    outcome = e.what();
  } catch (const util::Interrupted&) {
    std::error_code ec;
    fs::remove(png_tmp, ec);
    throw;
  }
  std::error_code ec;
  if (!outcome.empty() || !fs::exists(png_tmp)) {
    fs::remove(png_tmp, ec);
    return fmt::format("the plot was not made (gnuplot: {}, log {}/gnuplot.log)", outcome.empty() ? "no output" : outcome,
                       d);
  }
  fs::rename(png_tmp, d + "/compare.png", ec);
  if (ec) {
    fs::remove(png_tmp, ec);
    throw FlowError(fmt::format("cannot rename the plot to {}/compare.png: {}", d, ec.message()));
  }
  return "";
}

}  // namespace logmac::synth
