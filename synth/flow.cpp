#include "sim/text_io.hpp"
#include "synth/flow.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>

#include "synth/energy.hpp"
#include "synth/liberty.hpp"
#include "synth/netlist.hpp"
#include "synth/process.hpp"
#include "sim/vectors.hpp"
#include "sim/workload.hpp"
#ifdef LOGMAC_HAVE_GEN
#include "gen/rtl.hpp"
#endif

namespace logmac {
extern const char* const kSynthYs;
extern const char* const kBreakdownYs;
extern const char* const kStaTcl;
extern const char* const kHarnessCpp;
extern const char* const kVcdTogglesHpp;
extern const char* const kSynthSourceHash;  // hash of the estimator sources (synth/source_hash.cmake)
}  // namespace logmac

namespace logmac::synth {

namespace fs = std::filesystem;

namespace {

// Bump when the flow's meaning changes (invalidates every cached result).
constexpr const char* kFlowVersion = "logmac-synth-1";

std::string substitute(std::string text, const std::map<std::string, std::string>& vars) {
  for (const auto& [k, v] : vars) {
    const std::string key = "{{" + k + "}}";
    for (size_t p; (p = text.find(key)) != std::string::npos;) text.replace(p, key.size(), v);
  }
  return text;
}

std::uint64_t fnv1a(std::string_view s, std::uint64_t h = 1469598103934665603ull) {
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_file(const std::string& path, const std::string& text) {
  std::string why;
  if (!write_file_atomic(path, text, why)) throw FlowError(why);
}

// Parsed libraries, shared by the designs of one run (the flow runs designs in parallel).
std::shared_ptr<const Library> library_for(const std::string& path) {
  static std::mutex m;
  static std::map<std::string, std::shared_ptr<const Library>> cache;
  std::lock_guard lock(m);
  auto& slot = cache[path];
  if (!slot) slot = std::make_shared<const Library>(read_liberty(path));
  return slot;
}

std::string fmt_double(double v) { return fmt::format("{:.9g}", v); }

// `stat -liberty` output: area, cell count, cells by type (of the one module of a flat netlist).
void parse_stat(const std::string& text, DesignResult& r) {
  std::istringstream in(text);
  bool in_cells = false;
  for (std::string line; std::getline(in, line);) {
    std::istringstream ls(line);
    std::string a, b, c;
    ls >> a >> b >> c;
    if (a == "Number" && b == "of" && c == "cells:") {
      ls >> r.cells;
      in_cells = true;
      continue;
    }
    if (a == "Chip" && b == "area") {
      const auto colon = line.rfind(':');
      r.area = std::stod(line.substr(colon + 1));
      in_cells = false;
      continue;
    }
    if (in_cells && !a.empty() && !b.empty() && c.empty()) {
      try {
        r.cell_types.emplace_back(a, std::stod(b));
      } catch (...) {
        in_cells = false;
      }
    } else if (a.empty()) {
      in_cells = false;
    }
  }
}

// Hierarchical `stat`: each module's own area times its instance count (from the hierarchy section).
std::vector<std::pair<std::string, double>> parse_breakdown(const std::string& text, const std::string& top) {
  std::map<std::string, double> own;
  std::map<std::string, double> count;
  std::istringstream in(text);
  std::string module;
  bool hier = false;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("=== design hierarchy ===", 0) == 0) {
      hier = true;
      continue;
    }
    if (line.rfind("=== ", 0) == 0) {
      module = line.substr(4, line.size() - 8);
      hier = false;
      continue;
    }
    if (line.find("Chip area for module") != std::string::npos) {
      const auto q1 = line.find('\'');
      const auto q2 = line.find('\'', q1 + 1);
      std::string name = line.substr(q1 + 1, q2 - q1 - 1);
      if (!name.empty() && name[0] == '\\') name = name.substr(1);
      const double a = std::stod(line.substr(line.rfind(':') + 1));
      if (!hier) own[name] = a;
      continue;
    }
    if (hier) {
      std::istringstream ls(line);
      std::string n;
      double k = 0;
      if ((ls >> n >> k) && own.count(n)) count[n] = k;
    }
  }
  std::vector<std::pair<std::string, double>> out;
  for (const auto& [m, a] : own) {
    const double k = m == top ? 1 : (count.count(m) ? count[m] : 1);
    out.emplace_back(m == top ? m + " (top-level logic)" : m, a * k);
  }
  return out;
}

}  // namespace

// ---- stimulus ----
std::vector<StimLine> make_stimulus(const MacConfig& cfg, const FlowOptions& opt) {
  std::vector<StimLine> out;
  const auto& w = opt.workload;
  if (w == "nn" || w == "zeros") {
    const DotWorkload wl = make_nn_workload(opt.dots, opt.terms, opt.seed);
    with_model(cfg, [&](const auto& m) {
      const u64 za = m.encode_a(0.0), zb = m.encode_b(0.0);
      for (size_t j = 0; j < wl.a.size(); ++j) {
        const bool clr = j % static_cast<size_t>(opt.terms) == 0;
        if (w == "zeros") out.push_back({clr, za, zb});
        else out.push_back({clr, m.encode_a(wl.a[j]), m.encode_b(wl.b[j])});
      }
    });
  } else if (w == "uniform") {
    Rng rng(opt.seed);
    const long long n = static_cast<long long>(opt.dots) * opt.terms;
    for (long long j = 0; j < n; ++j)
      out.push_back({j % opt.terms == 0, rng.next() & mask(cfg.wa), rng.next() & mask(cfg.wb)});
  } else {
    std::ifstream in(w);
    if (!in)
      throw std::invalid_argument(fmt::format("workload '{}' is neither nn, uniform, zeros nor a readable file", w));
    int lineno = 0;
    for (std::string line; std::getline(in, line);) {
      ++lineno;
      VectorLine vl;
      try {
        if (!parse_vector_line(line, cfg, vl)) continue;
      } catch (const VectorError& e) {
        throw std::invalid_argument(fmt::format("workload {}:{}: {}", w, lineno, e.what()));
      }
      out.push_back({vl.stim.clr, vl.stim.a, vl.stim.b});
    }
    if (out.empty()) throw std::invalid_argument(fmt::format("workload {}: no stimulus lines", w));
  }
  return out;
}

// ---- results as text ----
namespace {
struct Field {
  const char* key;
  double DesignResult::*d = nullptr;
  int DesignResult::*i = nullptr;
  long long DesignResult::*ll = nullptr;
  std::string DesignResult::*s = nullptr;
};
const std::vector<Field>& fields() {
  static const std::vector<Field> f = {
      {"spec", nullptr, nullptr, nullptr, &DesignResult::spec},
      {"module", nullptr, nullptr, nullptr, &DesignResult::module},
      {"liberty", nullptr, nullptr, nullptr, &DesignResult::liberty},
      {"workload", nullptr, nullptr, nullptr, &DesignResult::workload},
      {"critical_from", nullptr, nullptr, nullptr, &DesignResult::critical_from},
      {"critical_to", nullptr, nullptr, nullptr, &DesignResult::critical_to},
      {"w", nullptr, &DesignResult::w},
      {"wa", nullptr, &DesignResult::wa},
      {"wb", nullptr, &DesignResult::wb},
      {"wacc", nullptr, &DesignResult::wacc},
      {"latency", nullptr, &DesignResult::latency},
      {"cells", nullptr, &DesignResult::cells},
      {"seq_cells", nullptr, &DesignResult::seq_cells},
      {"macs", nullptr, nullptr, &DesignResult::macs},
      {"cycles", nullptr, nullptr, &DesignResult::cycles},
      {"clock_ns", &DesignResult::clock_ns},
      {"area_um2", &DesignResult::area},
      {"seq_area_um2", &DesignResult::seq_area},
      {"slack_ns", &DesignResult::slack_ns},
      {"critical_ns", &DesignResult::critical_ns},
      {"fmax_mhz", &DesignResult::fmax_mhz},
      {"sta_leakage_nw", &DesignResult::sta_leakage_nw},
      {"sta_power_uw", &DesignResult::sta_power_uw},
      {"activity", &DesignResult::activity},
      {"energy_pj_per_mac", &DesignResult::energy_pj},
      {"switching_pj_per_mac", &DesignResult::switching_pj},
      {"internal_pj_per_mac", &DesignResult::internal_pj},
      {"leakage_pj_per_mac", &DesignResult::leakage_pj},
      {"clock_pj_per_mac", &DesignResult::clock_pj},
      {"registers_pj_per_mac", &DesignResult::registers_pj},
      {"logic_pj_per_mac", &DesignResult::logic_pj},
      {"inputs_pj_per_mac", &DesignResult::inputs_pj},
      {"leakage_nw", &DesignResult::leakage_nw},
      {"power_uw", &DesignResult::power_uw},
      {"wire_cap_ff_per_fanout", &DesignResult::wire_cap_ff},
      {"mean_net_cap_ff", &DesignResult::mean_net_cap_ff},
      {"nrmse", &DesignResult::nrmse},
      {"worst", &DesignResult::worst},
      {"accuracy_workload", nullptr, nullptr, nullptr, &DesignResult::accuracy_workload},
      {"elapsed_s", &DesignResult::elapsed_s},
  };
  return f;
}
}  // namespace

std::string DesignResult::to_text() const {
  std::string s;
  for (const auto& f : fields()) {
    if (f.s) s += fmt::format("{} {}\n", f.key, this->*f.s);
    else if (f.i) s += fmt::format("{} {}\n", f.key, this->*f.i);
    else if (f.ll) s += fmt::format("{} {}\n", f.key, this->*f.ll);
    else s += fmt::format("{} {}\n", f.key, fmt_double(this->*f.d));
  }
  for (const auto& [k, v] : cell_types) s += fmt::format("cell {} {}\n", k, fmt_double(v));
  for (const auto& [k, v] : block_area) s += fmt::format("block {}\t{}\n", fmt_double(v), k);
  return s;
}

namespace {
// Whole-string numbers: "12x" or "" is an error, not 12 or 0.
template <class T, class F>
T parse_whole(const std::string& key, const std::string& val, F conv) {
  size_t used = 0;
  T v{};
  try {
    v = conv(val, &used);
  } catch (const std::exception&) {
    used = std::string::npos;
  }
  if (used != val.size()) throw FlowError(fmt::format("result record: bad number '{}' for '{}'", val, key));
  return v;
}
double parse_d(const std::string& k, const std::string& v) {
  return parse_whole<double>(k, v, [](const std::string& s, size_t* n) { return std::stod(s, n); });
}
}  // namespace

DesignResult DesignResult::from_text(const std::string& text) {
  DesignResult r;
  std::vector<bool> have(fields().size(), false);
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    const auto sp = line.find(' ');
    if (sp == std::string::npos)
      throw FlowError(fmt::format("result record: malformed line '{}'", line));
    const std::string key = line.substr(0, sp), val = line.substr(sp + 1);
    if (key == "cell") {
      const auto sp2 = val.find(' ');
      if (sp2 == std::string::npos) throw FlowError(fmt::format("result record: malformed line '{}'", line));
      r.cell_types.emplace_back(val.substr(0, sp2), parse_d(key, val.substr(sp2 + 1)));
      continue;
    }
    if (key == "block") {
      const auto tab = val.find('\t');
      if (tab == std::string::npos) throw FlowError(fmt::format("result record: malformed line '{}'", line));
      r.block_area.emplace_back(val.substr(tab + 1), parse_d(key, val.substr(0, tab)));
      continue;
    }
    bool known = false;
    for (size_t k = 0; k < fields().size(); ++k) {
      const auto& f = fields()[k];
      if (key != f.key) continue;
      known = true;
      have[k] = true;
      if (f.s) r.*f.s = val;
      else if (f.i) r.*f.i = parse_whole<int>(key, val, [](const std::string& s, size_t* n) { return std::stoi(s, n); });
      else if (f.ll)
        r.*f.ll = parse_whole<long long>(key, val, [](const std::string& s, size_t* n) { return std::stoll(s, n); });
      else r.*f.d = parse_d(key, val);
    }
    if (!known) throw FlowError(fmt::format("result record: unknown field '{}'", key));
  }
  // An incomplete record (truncated file, older format) is rejected rather than read as zeros.
  for (size_t k = 0; k < fields().size(); ++k)
    if (!have[k]) throw FlowError(fmt::format("result record: missing field '{}'", fields()[k].key));
  return r;
}

std::string tool_versions() {
  static std::mutex m;
  static std::string cached;
  std::lock_guard lock(m);
  if (!cached.empty()) return cached;
  const std::string y = command_first_line({"yosys", "-V"});
  const std::string s = command_first_line({"sta", "-version"});
  const std::string v = command_first_line({"verilator", "--version"});
  if (y.empty()) throw FlowError("yosys is not installed or does not run (Debian package yosys)");
  if (s.empty()) throw FlowError("OpenSTA (sta) is not installed or does not run (Debian package opensta)");
  if (v.empty()) throw FlowError("verilator is not installed or does not run (Debian package verilator)");
  cached = fmt::format("{}\nopensta {}\n{}\n", y, s, v);
  return cached;
}

namespace {

// For the cache key: `text` (the spec, the RTL, whose comments name the spec) with a pwl:FILE table named by
// its content, not its path: the same table anywhere hits the cache, an edited table at the same path misses.
std::string table_by_content(std::string text, const MacConfig& cfg) {
  if (cfg.delta.rfind("pwl:", 0) != 0 || cfg.delta == "pwl:qaa") return text;
  const std::string table = read_file(cfg.delta.substr(4));
  if (table.empty()) throw FlowError(fmt::format("{}: cannot read the table {}", cfg.canonical(), cfg.delta.substr(4)));
  const std::string token = fmt::format("pwl:content-{:016x}", fnv1a(table));
  for (size_t p = 0; (p = text.find(cfg.delta, p)) != std::string::npos; p += token.size())
    text.replace(p, cfg.delta.size(), token);
  return text;
}

DesignResult run_design_impl(const MacConfig& cfg, const FlowOptions& opt, const Library& lib_ref,
                             const std::vector<StimLine>& stim, const std::function<void(const std::string&)>& note);

}  // namespace

DesignResult run_design(const MacConfig& cfg, const FlowOptions& opt,
                        const std::function<void(const std::string&)>& log) {
  auto note = [&](const std::string& s) {
    if (log) log(s);
  };
  auto lib = library_for(opt.liberty);  // throws LibertyError first: bad input before any tool runs
  // Throws std::invalid_argument for a bad workload FILE (bad input); everything after is the flow's failure.
  const std::vector<StimLine> stim = make_stimulus(cfg, opt);
  try {
    return run_design_impl(cfg, opt, *lib, stim, note);
  } catch (const FlowError&) {
    throw;
  } catch (const fs::filesystem_error& e) {
    throw FlowError(fmt::format("{}: {}", cfg.canonical(), e.what()));
  } catch (const NetlistError& e) {
    throw FlowError(fmt::format("{}: reading the mapped netlist: {}", cfg.canonical(), e.what()));
  } catch (const std::logic_error& e) {  // std::stod etc. on tool output
    throw FlowError(fmt::format("{}: unexpected tool output: {}", cfg.canonical(), e.what()));
  }
}

namespace {

DesignResult run_design_impl(const MacConfig& cfg, const FlowOptions& opt, const Library& lib_ref,
                             const std::vector<StimLine>& stim, const std::function<void(const std::string&)>& note) {
  const auto t_start = std::chrono::steady_clock::now();
  const Library* lib = &lib_ref;
  const std::string lib_abs = fs::absolute(opt.liberty).string();
  const std::string top = cfg.module_name();
  const std::string versions = tool_versions();
  static std::atomic<int> counter{0};

  // Work and cache locations.
  const std::string root = !opt.work_dir.empty() ? opt.work_dir
                           : !opt.cache_dir.empty() ? opt.cache_dir
                                                    : (fs::temp_directory_path() / "logmac-synth").string();
  if (std::error_code ec; !fs::create_directories(root, ec) && ec)
    throw FlowError(fmt::format("{}: cannot create the work directory {}: {}", cfg.canonical(), root, ec.message()));
  const std::string tmp = fs::absolute(fs::path(root) / fmt::format("{}.tmp-{}-{}", top, getpid(), counter++)).string();
  fs::remove_all(tmp);
  fs::create_directories(tmp + "/rtl");

  // 1. RTL.
  const std::string rtl = tmp + "/rtl/" + top + ".v";
  if (!opt.rtl_file.empty()) {
    const std::string text = read_file(opt.rtl_file);
    if (text.empty()) throw FlowError(fmt::format("cannot read RTL file {}", opt.rtl_file));
    write_file(rtl, text);
  } else {
#ifdef LOGMAC_HAVE_GEN
    write_file(rtl, gen::generate_rtl(cfg, "logmac rtl --mac " + cfg.canonical()).verilog);
#else
    throw FlowError(fmt::format("{}: this logmac was built without the RTL generator (gen/): give --rtl FILE",
                                cfg.canonical()));
#endif
  }
  const std::string rtl_text = read_file(rtl);

  // Stimulus and the model's accumulator after every MAC (part of the key: a model change invalidates).
  std::string stim_text = fmt::format("{} {}\n", stim.size(), cfg.latency);
  {
    GoldenRunner gold(cfg);
    for (const auto& l : stim)
      stim_text += fmt::format("{} {:x} {:x} {:x}\n", l.clr ? 1 : 0, l.a, l.b, gold.step(Stim{l.clr, l.a, l.b}));
  }

  // 2. Cache key: everything the result depends on, including the code that turns tool outputs into numbers
  // (kSynthSourceHash: synth/ and sim/ sources) and a pwl table's content (not its path).
  std::string key_text = fmt::format(
      "{}\nsources {}\n{}\n{}\n{}\n{}\nclock {}\nworkload {} {} {} {} {}\nslew {}\nbreakdown {}\n", kFlowVersion,
      kSynthSourceHash, table_by_content(cfg.canonical(), cfg), lib_abs, fnv1a(read_file(opt.liberty)), versions, fmt_double(opt.clock_ns), opt.workload,
      opt.dots, opt.terms, opt.seed, opt.accuracy_dots, fmt_double(opt.slew_ns), opt.breakdown);
  if (opt.workload != "nn" && opt.workload != "uniform" && opt.workload != "zeros")
    key_text += fmt::format("workload file {}\n", fnv1a(read_file(opt.workload)));
  for (const char* s : {kSynthYs, kBreakdownYs, kStaTcl, kHarnessCpp, kVcdTogglesHpp}) key_text += fmt::format("{}\n", fnv1a(s));
  key_text += fmt::format("rtl {}\n", fnv1a(table_by_content(rtl_text, cfg)));
  key_text += fmt::format("stimulus {}\n", fnv1a(stim_text));
  const std::string key = fmt::format("{:016x}", fnv1a(key_text));
  const std::string final_dir =
      opt.cache_dir.empty() ? "" : fs::absolute(fs::path(opt.cache_dir) / (top + "-" + key)).string();
  if (!final_dir.empty() && fs::exists(final_dir + "/result.txt")) {
    try {
      DesignResult r = DesignResult::from_text(read_file(final_dir + "/result.txt"));
      fs::remove_all(tmp);
      // Same key, possibly another spelling (a pwl table at another path): report the spec as asked.
      r.spec = cfg.canonical();
      r.cached = true;
      r.dir = final_dir;
      r.elapsed_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_start).count();
      return r;
    } catch (const FlowError& e) {  // unreadable or incomplete record: a cache miss, not the user's error
      note(fmt::format("cached result {}/result.txt unusable ({}), running again", final_dir, e.what()));
    }
  }
  write_file(tmp + "/key.txt", key_text);

  DesignResult r;
  r.spec = cfg.canonical();
  r.module = top;
  r.liberty = lib_abs;
  r.w = cfg.w;
  r.wa = cfg.wa;
  r.wb = cfg.wb;
  r.wacc = cfg.wacc;
  r.latency = cfg.latency;
  r.clock_ns = opt.clock_ns;
  r.workload = opt.workload;

  auto tool = [&](const std::vector<std::string>& argv, const std::string& logname, const char* what) {
    const int rc = run_process(argv, tmp, tmp + "/" + logname);
    if (rc != 0)
      throw FlowError(fmt::format("{}: {} failed (exit {}), log {}/{}:\n{}", cfg.canonical(), what, rc, tmp, logname,
                                  tail_of(tmp + "/" + logname, 12)));
  };

  // 3. Synthesis.
  note("yosys");
  const std::map<std::string, std::string> vars = {
      {"TOP", top}, {"LIB", lib_abs}, {"RTL", rtl}, {"DELAY_PS", fmt::format("{:.0f}", opt.clock_ns * 1000)}};
  write_file(tmp + "/synth.ys", substitute(kSynthYs, vars));
  tool({"yosys", "-q", "-s", "synth.ys"}, "yosys.log", "yosys synthesis");
  parse_stat(read_file(tmp + "/stat.txt"), r);
  if (r.cells <= 0 || r.area <= 0)
    throw FlowError(fmt::format("{}: yosys produced an empty netlist (stat in {}/stat.txt)", cfg.canonical(), tmp));
  // The per-block pass only means something if the RTL has submodules: generated RTL is one flat module, so
  // it runs only for --rtl files with a hierarchy.
  size_t modules = 0;
  for (size_t p = 0; (p = rtl_text.find("module ", p)) != std::string::npos; p += 7)
    modules += p == 0 || rtl_text[p - 1] == '\n';
  if (opt.breakdown && modules > 1) {
    write_file(tmp + "/breakdown.ys", substitute(kBreakdownYs, vars));
    tool({"yosys", "-q", "-s", "breakdown.ys"}, "breakdown.log", "yosys hierarchical mapping");
    r.block_area = parse_breakdown(read_file(tmp + "/breakdown.txt"), top);
  }
  const Netlist nl = read_netlist(tmp + "/netlist.v", top);
  for (const auto& c : nl.cells)
    if (const LibCell* lc = lib->cell(c.type); lc && lc->sequential()) r.seq_area += lc->area;


  write_file(tmp + "/stim.txt", stim_text);

  // 5. Gate-level simulation with transition counting.
  note("verilator");
  write_file(tmp + "/harness.cpp", substitute(kHarnessCpp, vars));
  write_file(tmp + "/vcd_toggles.hpp", kVcdTogglesHpp);
  // -fno-gate: Verilator 5.006's gate-level optimization miscompiles some yosys netlists (fxp:w=6: acc_o wrong
  // from the first MAC, while iverilog on the same netlist and cells agrees with the model).
  tool({"verilator", "--cc", "--exe", "--build", "-j", "1", "-fno-gate", "--x-assign", "fast", "--x-initial", "fast",
        "--trace", "--trace-underscore", "--top-module", top, "-Wno-fatal", "-Wno-lint", "-Wno-style",
        "-Wno-MULTIDRIVEN", "-CFLAGS", "-O1 -I" + tmp, "--Mdir", "obj", "-o", "harness", "netlist.v", "cells.v",
        "harness.cpp"},
       "verilator.log", "verilator build of the gate-level netlist");
  note("gate-level simulation");
  {
    const int rc = run_process({tmp + "/obj/harness", "stim.txt", "toggles.txt", "sim.txt"}, tmp, tmp + "/sim.log");
    if (rc == 1)
      throw FlowError(fmt::format("{}: GATE-LEVEL OUTPUT DIFFERS FROM THE MODEL ({}/sim.log):\n{}", cfg.canonical(),
                                  tmp, tail_of(tmp + "/sim.log", 8)));
    if (rc != 0)
      throw FlowError(fmt::format("{}: gate-level simulation failed (exit {}), log {}/sim.log:\n{}", cfg.canonical(), rc,
                                  tmp, tail_of(tmp + "/sim.log", 8)));
  }
  {
    std::istringstream in(read_file(tmp + "/sim.txt"));
    for (std::string k; in >> k;) {
      long long v = 0;
      in >> v;
      if (k == "macs") r.macs = v;
      if (k == "cycles") r.cycles = v;
    }
    // The harness compared acc_o with the model after every one of these MACs (rc 1 above otherwise).
    if (r.macs != static_cast<long long>(stim.size()) || r.cycles <= 0)
      throw FlowError(fmt::format("{}: gate-level simulation result {}/sim.txt is incomplete", cfg.canonical(), tmp));
  }

  // 6. Energy.
  std::vector<Toggles> tog(static_cast<size_t>(nl.num_nets()));
  std::vector<bool> seen(tog.size(), false);
  {
    std::istringstream in(read_file(tmp + "/toggles.txt"));
    std::string name;
    std::uint64_t ri, fa;
    while (in >> name >> ri >> fa) {
      const int net = nl.net_of(name);
      if (net < 0 || seen[net]) continue;  // constants; aliases of a net already counted
      tog[net] = {ri, fa};
      seen[net] = true;
    }
  }
  const std::vector<double> caps = net_capacitances(*lib, nl, 0);
  int missing = 0;
  std::string missing_names;
  for (int n = 0; n < nl.num_nets(); ++n)
    if (!seen[n] && caps[n] > 0) {
      if (++missing <= 3) missing_names += " " + nl.net_bits[n][0];
    }
  if (missing)
    throw FlowError(fmt::format("{}: {} loaded nets have no transition count from the simulation (e.g.{})",
                                cfg.canonical(), missing, missing_names));
  EnergyOptions eo;
  eo.slew_ns = opt.slew_ns;
  eo.wire_cap_per_fanout = default_wire_cap_per_fanout(*lib, nl);
  eo.time_ns = static_cast<double>(r.cycles) * opt.clock_ns;
  const EnergyResult e = estimate_energy(*lib, nl, tog, eo);
  const double per = 1.0 / static_cast<double>(r.macs);
  r.energy_pj = e.total() * per;
  r.switching_pj = e.switching * per;
  r.internal_pj = e.internal * per;
  r.leakage_pj = e.leakage * per;
  r.clock_pj = e.by_kind.clock * per;
  r.registers_pj = e.by_kind.registers * per;
  r.logic_pj = e.by_kind.logic * per;
  r.inputs_pj = e.by_kind.inputs * per;
  r.leakage_nw = e.leakage_nw;
  r.seq_cells = e.seq_cells;
  r.power_uw = e.total() / eo.time_ns * 1e3;  // pJ/ns = mW
  r.wire_cap_ff = eo.wire_cap_per_fanout * 1e3;
  r.mean_net_cap_ff = e.mean_net_cap * 1e3;
  {
    std::uint64_t t = 0;
    int n = 0;
    const int clk = nl.net_of("clk_i");
    for (int k = 0; k < nl.num_nets(); ++k)
      if (k != clk) {
        t += tog[k].rises + tog[k].falls;
        ++n;
      }
    r.activity = n ? static_cast<double>(t) / n / static_cast<double>(r.cycles) : 0;
  }

  // 7. Timing and leakage (OpenSTA), with a power cross-check at the mean measured activity.
  note("sta");
  auto sta_vars = vars;
  sta_vars["NETLIST"] = tmp + "/netlist.v";
  sta_vars["PERIOD"] = fmt_double(opt.clock_ns);
  sta_vars["ACTIVITY"] = fmt::format("{:.6f}", r.activity);
  write_file(tmp + "/sta.tcl", substitute(kStaTcl, sta_vars));
  tool({"sta", "-no_splash", "-exit", "sta.tcl"}, "sta.log", "OpenSTA");
  {
    std::istringstream in(read_file(tmp + "/sta.log"));
    bool have_slack = false;
    for (std::string line; std::getline(in, line);) {
      std::istringstream ls(line);
      std::string a, b;
      ls >> a >> b;
      if (a == "worst" && b == "slack") {
        ls >> r.slack_ns;
        have_slack = !ls.fail();
      } else if (a == "Startpoint:" && r.critical_from.empty()) {
        r.critical_from = line.substr(line.find(':') + 2);
      } else if (a == "Endpoint:" && r.critical_to.empty()) {
        r.critical_to = line.substr(line.find(':') + 2);
      } else if (a == "Total" && !b.empty()) {
        double internal = 0, switching = 0, leak = 0, total = 0;
        std::istringstream ts(line.substr(5));
        if (ts >> internal >> switching >> leak >> total) {
          r.sta_leakage_nw = leak * 1e9;
          r.sta_power_uw = total * 1e6;
        }
      }
    }
    if (const std::string log_text = read_file(tmp + "/sta.log"); log_text.find("Error:") != std::string::npos)
      throw FlowError(fmt::format("{}: OpenSTA reported an error, log {}/sta.log:\n{}", cfg.canonical(), tmp,
                                  tail_of(tmp + "/sta.log", 12)));
    if (!have_slack)
      throw FlowError(fmt::format("{}: no 'worst slack' in the OpenSTA log {}/sta.log", cfg.canonical(), tmp));
    r.critical_ns = opt.clock_ns - r.slack_ns;
    r.fmax_mhz = r.critical_ns > 0 ? 1000.0 / r.critical_ns : 0;
  }

  // 8. Accuracy of the datapath: always on the nn workload (real-valued operands, the reference is exact
  // arithmetic), whatever --workload drove the energy; the record says so.
  {
    const Accuracy a = measure_accuracy(cfg, make_nn_workload(opt.accuracy_dots, opt.terms, opt.seed));
    r.nrmse = a.nrmse;
    r.worst = a.worst;
    r.accuracy_workload = fmt::format("nn {}x{} seed {}", opt.accuracy_dots, opt.terms, opt.seed);
  }

  if (!opt.keep) fs::remove_all(tmp + "/obj");
  r.elapsed_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_start).count();
  write_file(tmp + "/result.txt", r.to_text());
  if (final_dir.empty()) {
    r.dir = tmp;
  } else {
    std::error_code ec;
    fs::remove_all(final_dir, ec);
    fs::rename(tmp, final_dir, ec);
    r.dir = ec ? tmp : final_dir;
  }
  return r;
}

}  // namespace

}  // namespace logmac::synth
