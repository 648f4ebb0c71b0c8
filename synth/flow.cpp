#include "synth/flow.hpp"

#include <fmt/format.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>

#include "gen/rtl.hpp"
#include "sim/workload.hpp"
#include "synth/cache.hpp"
#include "synth/step_energy.hpp"
#include "synth/step_simulate_gates.hpp"
#include "synth/step_sta.hpp"
#include "synth/step_synthesize.hpp"
#include "util/file.hpp"

namespace logmac::synth {

namespace fs = std::filesystem;
using Note = std::function<void(const std::string&)>;

namespace {

// Parsed libraries, shared by the designs of one run (the flow runs designs in parallel).
std::shared_ptr<const Library> library_for(const std::string& path) {
  static std::mutex m;
  static std::map<std::string, std::shared_ptr<const Library>> cache;
  std::lock_guard lock(m);
  auto& slot = cache[path];
  if (!slot) slot = std::make_shared<const Library>(read_liberty(path));
  return slot;
}

// The RTL under test: the user's file, or the generator's output for the spec.
std::string design_rtl(const MacConfig& cfg, const FlowOptions& opt) {
  if (opt.rtl_file.empty()) return gen::generate_rtl(cfg, "logmac rtl --mac " + cfg.canonical()).verilog;
  const auto text = util::read_file(opt.rtl_file);
  if (!text || text->empty()) throw FlowError(fmt::format("cannot read RTL file {}", opt.rtl_file));
  return *text;
}

// The record of one run, from the steps' results.
DesignResult assemble(const MacConfig& cfg, const FlowOptions& opt, const Synthesis& syn, const GateActivity& act,
                      const DesignEnergy& en, const Timing& tim, const Accuracy& acc) {
  DesignResult r;
  r.spec = cfg.canonical();
  r.module = cfg.module_name();
  r.liberty = fs::absolute(opt.liberty).string();
  r.w = cfg.w, r.wa = cfg.wa, r.wb = cfg.wb, r.wacc = cfg.wacc, r.latency = cfg.latency;
  r.clock_ns = opt.clock_ns;
  r.area = syn.stat.area, r.cells = syn.stat.cells, r.cell_types = syn.stat.cell_types;
  r.seq_area = syn.seq_area, r.block_area = syn.block_area;
  r.slack_ns = tim.slack_ns, r.critical_ns = tim.critical_ns, r.fmax_mhz = tim.fmax_mhz;
  r.critical_from = tim.critical_from, r.critical_to = tim.critical_to;
  r.sta_leakage_nw = tim.sta_leakage_nw, r.sta_power_uw = tim.sta_power_uw;
  r.workload = opt.workload;
  r.macs = act.macs_checked, r.cycles = act.cycles;
  r.activity = en.activity, r.seq_cells = en.seq_cells;
  r.energy_pj = en.energy_pj, r.switching_pj = en.switching_pj, r.internal_pj = en.internal_pj;
  r.leakage_pj = en.leakage_pj, r.clock_pj = en.clock_pj, r.registers_pj = en.registers_pj;
  r.logic_pj = en.logic_pj, r.inputs_pj = en.inputs_pj, r.leakage_nw = en.leakage_nw, r.power_uw = en.power_uw;
  r.wire_cap_ff = en.wire_cap_ff, r.mean_net_cap_ff = en.mean_net_cap_ff;
  r.nrmse = acc.nrmse, r.worst = acc.worst;
  r.accuracy_workload = fmt::format("nn {}x{} seed {}", opt.accuracy_dots, opt.terms, opt.seed);
  return r;
}

// The orchestrator: each step is one call; a gate-level simulator of another kind returns the same GateActivity.
DesignResult run_steps(const MacConfig& cfg, const FlowOptions& opt, const Library& lib, const CheckedStimulus& stim,
                       const Note& note) {
  const auto t0 = std::chrono::steady_clock::now();
  auto seconds = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); };
  const std::string top = cfg.module_name(), rtl = design_rtl(cfg, opt);
  ResultCache cache(opt.cache_dir, opt.work_dir);
  if (auto hit = cache.open(top, cache_key_text(cfg, opt, rtl, stim.file_text()), note)) {
    hit->spec = cfg.canonical();  // same key, possibly another spelling (a pwl table at another path)
    hit->elapsed_s = seconds();
    return *hit;
  }
  const std::string dir = cache.work_dir(), rtl_file = dir + "/rtl/" + top + ".v";
  fs::create_directories(dir + "/rtl");  // apart from the flow's own files (netlist.v, cells.v)
  const std::string liberty = fs::absolute(opt.liberty).string();
  write_output(rtl_file, rtl);
  note("yosys");
  const Synthesis syn = synthesize({top, rtl_file, liberty, opt.clock_ns, opt.breakdown}, lib, dir);
  note("gate-level simulation (verilator)");
  const GateActivity act = simulate_gates_verilator({top, syn.netlist, syn.cell_models, opt.keep}, stim, dir);
  const DesignEnergy energy = estimate_design_energy(lib, syn.mapped, act, opt.clock_ns, opt.slew_ns);
  note("sta");
  const Timing timing = run_sta({top, syn.netlist, liberty, opt.clock_ns, energy.activity}, dir);
  // Accuracy: always on the nn workload (real-valued operands, exact reference), whatever drove the energy.
  const Accuracy acc = measure_accuracy(cfg, make_nn_workload(opt.accuracy_dots, opt.terms, opt.seed));
  DesignResult r = assemble(cfg, opt, syn, act, energy, timing, acc);
  r.elapsed_s = seconds();
  r.dir = cache.store(r);
  return r;
}

}  // namespace

DesignResult run_design(const MacConfig& cfg, const FlowOptions& opt, const Note& log) {
  const Note note = log ? log : [](const std::string&) {};
  auto lib = library_for(opt.liberty);  // throws LibertyError first: bad input before any tool runs
  // Throws std::invalid_argument for a bad workload FILE (bad input); everything after is the flow's failure.
  const CheckedStimulus stim = check_against_model(cfg, make_stimulus(cfg, opt));
  auto failure = [&](const std::string& what) { return FlowError(fmt::format("{}: {}", cfg.canonical(), what)); };
  try {
    return run_steps(cfg, opt, *lib, stim, note);
  } catch (const FlowError& e) {
    throw failure(e.what());
  } catch (const fs::filesystem_error& e) {
    throw failure(e.what());
  } catch (const NetlistError& e) {
    throw failure(fmt::format("reading the mapped netlist: {}", e.what()));
  } catch (const std::logic_error& e) {  // std::stod etc. on tool output
    throw failure(fmt::format("unexpected tool output: {}", e.what()));
  }
}

}  // namespace logmac::synth
