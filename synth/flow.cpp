#include "synth/flow.hpp"

#include <fmt/format.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>

#include "gen/rtl.hpp"
#include "sim/workload.hpp"
#include "synth/cache.hpp"
#include "synth/saif.hpp"
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

// The record of one run, from the steps' results (timed: the timed simulation's energy, or nothing).
DesignResult assemble(const MacConfig& cfg, const FlowOptions& opt, const Synthesis& syn, const GateActivity& act,
                      const DesignEnergy& en, const DesignEnergy* timed, const Timing& tim, const Accuracy& acc) {
  DesignResult r;
  r.spec = cfg.canonical();
  r.module = cfg.module_name();
  r.liberty = fs::absolute(opt.liberty).string();
  r.w = cfg.w, r.wa = cfg.wa, r.wb = cfg.wb, r.wacc = cfg.wacc, r.latency = cfg.latency;
  r.clock_ns = opt.clock_ns;
  r.area = syn.stat.area, r.cells = syn.stat.cells, r.cell_types = syn.stat.cell_types;
  r.seq_area = syn.seq_area, r.block_area = syn.block_area;
  r.slack_ns = tim.slack_ns, r.critical_ns = tim.critical_ns, r.fmax_mhz = tim.fmax_mhz;
  r.critical_from = tim.critical_from, r.critical_to = tim.critical_to, r.critical_path = tim.critical_path;
  r.sta_leakage_nw = tim.sta_leakage_nw, r.sta_power_uw = tim.sta_power_uw;
  r.workload = opt.workload;
  r.sim = timed ? "timed" : "zero";
  r.macs = act.macs_checked, r.cycles = act.cycles;
  r.activity = en.activity, r.seq_cells = en.seq_cells;
  r.energy_pj = en.energy_pj, r.switching_pj = en.switching_pj, r.internal_pj = en.internal_pj;
  r.leakage_pj = en.leakage_pj, r.clock_pj = en.clock_pj, r.registers_pj = en.registers_pj;
  r.logic_pj = en.logic_pj, r.inputs_pj = en.inputs_pj, r.leakage_nw = en.leakage_nw, r.power_uw = en.power_uw;
  r.wire_cap_ff = en.wire_cap_ff, r.mean_net_cap_ff = en.mean_net_cap_ff;
  for (const auto& b : en.blocks) r.block_energy.push_back({b.name, b.energy, 0});
  if (timed) {
    r.timed_activity = timed->activity;
    r.timed_energy_pj = timed->energy_pj, r.timed_switching_pj = timed->switching_pj;
    r.timed_internal_pj = timed->internal_pj, r.timed_clock_pj = timed->clock_pj;
    r.timed_registers_pj = timed->registers_pj, r.timed_logic_pj = timed->logic_pj;
    r.timed_inputs_pj = timed->inputs_pj;
    for (size_t k = 0; k < timed->blocks.size() && k < r.block_energy.size(); ++k)
      r.block_energy[k].timed_pj = timed->blocks[k].energy;  // same netlist: the same blocks in the same order
  }
  r.nrmse = acc.nrmse, r.worst = acc.worst;
  r.accuracy_workload = fmt::format("nn {}x{} seed {}", opt.accuracy_dots, opt.terms, opt.seed);
  return r;
}

// The endpoint of a critical path, "u_acc/_498_/D", named by the register it loads: the first name of the net
// on the flip-flop's output ("acc_o[25] (u_acc/_498_/D)"); unchanged if it is not a flip-flop's input.
std::string name_endpoint(const std::string& pin, const Netlist& nl, const Library& lib) {
  const auto slash = pin.rfind('/');
  if (slash == std::string::npos) return pin;
  std::string cell = pin.substr(0, slash);
  for (auto& ch : cell)
    if (ch == '/') ch = '.';
  for (const auto& c : nl.cells) {
    if (c.name != cell) continue;
    const LibCell* lc = lib.cell(c.type);
    if (!lc || !lc->sequential()) return pin;
    for (const auto& [p, net] : c.pins)
      if (const LibPin* lp = lc->pin(p); lp && lp->dir == PinDir::Output && net >= 0)
        return fmt::format("{} ({})", nl.net_bits[static_cast<size_t>(net)][0], pin);
  }
  return pin;
}

// The activity of one simulation as files next to the result: the estimator's per-net counts and SAIF.
void write_activity(const std::string& dir, const std::string& mode, const Netlist& nl, const Activity& a) {
  write_output(fmt::format("{}/activity_{}.txt", dir, mode), format_activity(nl, a));
  SaifHeader h;
  h.program = fmt::format("logmac synth ({} simulation)", mode);
  h.version = "logmac 0.1 flow logmac-synth-3";
  write_output(fmt::format("{}/activity_{}.saif", dir, mode), write_saif(nl, a, h));
}

// The orchestrator: each step is one call. The zero-delay simulation always runs (it is fast); with sim=timed
// OpenSTA also writes the SDF and the timed simulation runs on the same stimulus.
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
  const bool timed = opt.sim == "timed";
  if (!timed && opt.sim != "zero") throw FlowError(fmt::format("unknown simulation mode '{}'", opt.sim));
  const std::string dir = cache.work_dir(), rtl_file = dir + "/rtl/" + top + ".v";
  fs::create_directories(dir + "/rtl");  // apart from the flow's own files (netlist.v, cells.v)
  const std::string liberty = fs::absolute(opt.liberty).string();
  write_output(rtl_file, rtl);
  note("yosys");
  const Synthesis syn = synthesize({top, rtl_file, liberty, opt.clock_ns}, lib, dir);
  note("gate-level simulation (zero delay)");
  const GateActivity act = simulate_gates_zero_delay(lib, syn.mapped, stim, opt.clock_ns);
  const DesignEnergy energy = estimate_design_energy(lib, syn.mapped, act, opt.clock_ns, opt.slew_ns);
  write_activity(dir, "zero", syn.mapped, act.nets);
  note("sta");
  const std::string sdf = timed ? dir + "/design.sdf" : "";
  Timing timing = run_sta({top, syn.netlist, liberty, opt.clock_ns, energy.activity, sdf}, dir);
  timing.critical_to = name_endpoint(timing.critical_to, syn.mapped, lib);
  std::optional<DesignEnergy> timed_energy;
  if (timed) {
    note("gate-level simulation (timed, Icarus)");
    const std::string tdir = dir + "/timed";
    fs::create_directories(tdir);
    const GateActivity tact = simulate_gates_timed(
        syn.mapped, {syn.netlist, syn.cell_models, sdf, opt.clock_ns, timing.critical_ns}, stim, tdir);
    timed_energy = estimate_design_energy(lib, syn.mapped, tact, opt.clock_ns, opt.slew_ns);
    write_activity(dir, "timed", syn.mapped, tact.nets);
    if (!opt.keep)
      for (const char* f : {"bench.vvp", "stim_a.hex", "stim_b.hex", "stim_clr.hex", "stim_acc.hex"})
        fs::remove(tdir + "/" + f);
  }
  // Accuracy: always on the nn workload (real-valued operands, exact reference), whatever drove the energy.
  const Accuracy acc = measure_accuracy(cfg, make_nn_workload(opt.accuracy_dots, opt.terms, opt.seed));
  DesignResult r = assemble(cfg, opt, syn, act, energy, timed_energy ? &*timed_energy : nullptr, timing, acc);
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
