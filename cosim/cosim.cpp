#include "cosim/cosim.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <utility>
#include <sstream>
#include <vector>

#include "cosim/build_info.hpp"
#include "toolchain/verilator.hpp"
#include "cosim/harness/protocol.hpp"
#include "gen/rtl.hpp"
#include "sim/vectors.hpp"
#include "util/file.hpp"
#include "util/file_lock.hpp"
#include "util/hash.hpp"
#include "util/paths.hpp"
#include "util/process.hpp"
#include "util/text_io.hpp"

namespace logmac {
// The harness sources compiled with each design (cosim/harness/), embedded at build time.
extern const char* const kCosimGlueCc;
extern const char* const kCosimGlueSc;
extern const char* const kCosimDutApi;
extern const char* const kCosimProtocol;
}  // namespace logmac

namespace logmac::cosim {

namespace fs = std::filesystem;
namespace bi = build_info;
namespace tc = toolchain;

namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

std::string read_file(const fs::path& p, const char* what) {
  auto text = util::read_file(p);
  if (!text) throw CosimError(fmt::format("cannot read {} '{}'", what, p.string()));
  return *text;
}

// Writes p via p.tmp and a rename, so that no reader (or a later cache lookup) sees half a file.
void write_file(const fs::path& p, const std::string& text) {
  std::string why;
  if (!write_file_atomic(p, text, why)) throw CosimError(why);
}

// A build step (verilator, the compiler): output appended to `log`. False if it failed with an exit status (the
// log says why); a time limit or a signal is an error of its own.
constexpr double kBuildStepLimitS = 1800;  // a hung tool is an error, not a hung test
bool build_step(const std::vector<std::string>& args, const fs::path& log) {
  util::ProcessResult r;
  try {
    r = util::run_process(util::logged(args, "", log.string(), kBuildStepLimitS));
  } catch (const util::ProcessError& e) {
    throw CosimError(e.what());
  }
  if (r.timed_out || r.signal)
    throw CosimError(fmt::format("{} {} (log: {})", args[0], r.describe(), log.string()));
  return r.ok();
}

// The built simulator, output on our terminal (stderr captured instead when `quiet`), under a time limit.
util::ProcessResult run_simulator(const std::vector<std::string>& args, double time_limit_s, bool quiet = false) {
  util::ProcessOptions o;
  o.argv = args;
  o.env = {{"SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1"}};
  o.time_limit_s = time_limit_s;
  if (quiet) o.err = util::Sink::Capture;
  try {
    return util::run_process(o);
  } catch (const util::ProcessError& e) {
    throw CosimFailure(e.what());
  }
}

// The first error line of a tool log (verilator "%Error", compiler "error:"), for a one-line message.
std::string first_error(const fs::path& log) {
  std::ifstream in(log);
  std::string line, last;
  while (std::getline(in, line)) {
    if (line.find("%Error") != std::string::npos || line.find("error:") != std::string::npos) return line;
    if (!line.empty()) last = line;
  }
  return last.empty() ? "(no output)" : last;
}

const char* engine_name(Engine e) { return e == Engine::Lean ? "lean" : "systemc"; }

// Fixed 64-bit ports for the harness; the design's own widths must match exactly (WIDTH is an error here,
// warnings inside the design are not the co-simulation's business).
std::string wrapper_verilog(const MacConfig& c) {
  return fmt::format(
      "// logmac co-simulation wrapper for {spec}\n"
      "module logmac_cosim_top (\n"
      "  input clk_i, input rst_ni, input en_i, input clr_i,\n"
      "  input [63:0] a_i, input [63:0] b_i, output [63:0] acc_o\n"
      ");\n"
      "  wire [{wacc_msb}:0] acc;\n"
      "  {module} u_dut (.clk_i(clk_i), .rst_ni(rst_ni), .en_i(en_i), .clr_i(clr_i),\n"
      "    .a_i(a_i[{wa_msb}:0]), .b_i(b_i[{wb_msb}:0]), .acc_o(acc));\n"
      "  assign acc_o = {{{{{pad}{{1'b0}}}}, acc}};\n"
      "endmodule\n",
      fmt::arg("spec", c.canonical()), fmt::arg("module", c.module_name()), fmt::arg("wa_msb", c.wa - 1),
      fmt::arg("wb_msb", c.wb - 1), fmt::arg("wacc_msb", c.wacc - 1), fmt::arg("pad", 64 - c.wacc));
}

const char* kLintConfig =
    "`verilator_config\n"
    "lint_off -file \"*/dut.v\"\n";

// The prebuilt parts a design's simulator is linked with: the harness of its engine (linked whole: it holds
// main / sc_main) and the project's libraries. From this build tree, or installed next to the executable.
struct Prebuilt {
  std::string harness;
  std::vector<std::string> libs;
};

Prebuilt prebuilt(Engine e) {
  try {
    Prebuilt p;
    p.harness = util::runtime_library(e == Engine::Lean ? bi::kCcHarness : bi::kScHarness).string();
    for (const char* l : bi::kLibs) p.libs.push_back(util::runtime_library(l).string());
    return p;
  } catch (const std::runtime_error& missing) {
    throw CosimError(missing.what());
  }
}

// The harness sources a design is compiled with, as (path below the build directory, text).
std::vector<std::pair<std::string, const char*>> harness_sources(Engine e) {
  return {{"cosim/harness/dut_api.hpp", kCosimDutApi},
          {"cosim/harness/protocol.hpp", kCosimProtocol},
          {"cosim/harness/glue.cpp", e == Engine::Lean ? kCosimGlueCc : kCosimGlueSc}};
}

// The RTL under test: the user's file, or the generator's output for the spec. The generator runs in-process
// on the already parsed config, so table paths relative to the caller's directory work as in `logmac spec`.
// The command recorded in the file is fixed (the one that regenerates it into the current directory), so
// the RTL text, and with it the cache key, only changes when the generator's output does.
std::string obtain_rtl(const MacConfig& c, const CosimOptions& o) {
  if (!o.rtl.empty()) {
    if (!fs::is_regular_file(o.rtl)) throw CosimError(fmt::format("--rtl file '{}' does not exist", o.rtl));
    return read_file(o.rtl, "--rtl file");
  }
  return gen::generate_rtl(c, fmt::format("logmac rtl --mac {} -o .", util::shell_word(c.canonical()))).verilog;
}

void build_design(const MacConfig& c, Engine e, const Prebuilt& pre, const std::string& rtl,
                  const std::string& rtl_name, const fs::path& dir) {
  const auto t0 = Clock::now();
  const fs::path obj = dir / "obj", log = dir / "build.log";
  fs::create_directories(obj);
  write_file(dir / "dut.v", rtl);
  write_file(dir / "top.v", wrapper_verilog(c));
  write_file(dir / "lint.vlt", kLintConfig);
  fmt::print(stderr, "cosim: verilating {} ({}, harness {})\n", c.module_name(), engine_name(e),
             fs::path(pre.harness).parent_path().string());
  const std::vector<std::string> vl = {tc::kVerilator, e == Engine::Lean ? "--cc" : "--sc", "--trace", "--prefix",
                                       "Vdut", "--top-module", "logmac_cosim_top", "-Mdir", obj.string(),
                                       "-Wno-fatal", "-Werror-WIDTH", "-Werror-PINMISSING",
                                       (dir / "lint.vlt").string(), (dir / "top.v").string(),
                                       (dir / "dut.v").string()};
  if (!build_step(vl, log)) {
    // Name the files as the user knows them, not by their copies in the cache.
    std::string err = first_error(log);
    for (const auto& [copy, shown] : {std::pair{dir / "top.v", std::string("cosim wrapper")},
                                      std::pair{dir / "dut.v", rtl_name}})
      for (size_t at; (at = err.find(copy.string())) != std::string::npos;)
        err.replace(at, copy.string().size(), shown);
    throw CosimError(fmt::format("verilator rejected the RTL of {} (module {}, ports clk_i rst_ni en_i clr_i "
                                 "a_i[{}:0] b_i[{}:0] acc_o[{}:0] expected): {}",
                                 c.canonical(), c.module_name(), c.wa - 1, c.wb - 1, c.wacc - 1, err));
  }

  // One unity file (as Verilator's own __ALL build) for the generated model and the glue: the SystemC headers,
  // the bulk of the compile time, are parsed once per design.
  for (const auto& [name, text] : harness_sources(e)) {
    fs::create_directories((obj / name).parent_path());
    write_file(obj / name, text);
  }
  std::vector<std::string> parts;
  for (const auto& ent : fs::directory_iterator(obj)) {
    const std::string name = ent.path().filename().string();
    if (name.starts_with("Vdut") && ent.path().extension() == ".cpp") parts.push_back(name);
  }
  std::sort(parts.begin(), parts.end());
  std::string unity;
  for (const auto& p : parts) unity += fmt::format("#include \"{}\"\n", p);
  unity += "#include \"cosim/harness/glue.cpp\"\n";
  write_file(obj / "model_all.cpp", unity);

  std::vector<std::string> cc = {tc::kCxx, "-std=c++20", tc::kOpt, "-w", "-isystem", tc::kVerilatorInclude,
                                 "-isystem", std::string(tc::kVerilatorInclude) + "/vltstd", "-I", obj.string()};
  if (e == Engine::Lean)
    for (const char* d : tc::kCcDefs) cc.push_back(std::string("-D") + d);
  else
    for (const char* d : tc::kScDefs) cc.push_back(std::string("-D") + d);
  cc.insert(cc.end(), {"-c", (obj / "model_all.cpp").string(), "-o", (obj / "model_all.o").string()});
  fmt::print(stderr, "cosim: compiling the Verilated model ({:.1f} s so far)\n", seconds_since(t0));
  if (!build_step(cc, log))
    throw CosimError(fmt::format("compiling the Verilated model of {} failed: {} (log: {})", c.module_name(),
                                 first_error(log), log.string()));
  std::vector<std::string> ld = {tc::kCxx, "-o", (dir / "sim").string(), (obj / "model_all.o").string(),
                                 "-Wl,--whole-archive", pre.harness, "-Wl,--no-whole-archive"};
  ld.insert(ld.end(), pre.libs.begin(), pre.libs.end());
  if (e == Engine::Lean) ld.insert(ld.end(), std::begin(bi::kCcSysLibs), std::end(bi::kCcSysLibs));
  else ld.insert(ld.end(), std::begin(bi::kScSysLibs), std::end(bi::kScSysLibs));
  if (!build_step(ld, log))
    throw CosimError(fmt::format("linking the co-simulation of {} failed: {} (log: {})", c.module_name(),
                                 first_error(log), log.string()));
  fs::remove_all(obj);  // the simulator is self-contained; the cache keeps it, the RTL and the build log
  fmt::print(stderr, "cosim: built {} in {:.1f} s\n", c.module_name(), seconds_since(t0));
}

// The entry record (entry.txt), written last into a finished build: the simulator's size and content hash. An
// entry whose `sim` does not match it (emptied, cut short, replaced, deleted) is broken and built again.
constexpr const char* kEntryFormat = "logmac-cosim-entry 1";

std::string entry_record(const fs::path& sim) {
  std::error_code ec;
  const auto size = fs::file_size(sim, ec);
  const auto hash = util::fnv1a_file(sim);
  if (ec || !hash) throw CosimError(fmt::format("cannot read the built simulator {}", sim.string()));
  return fmt::format("{}\nsim {} {}\n", kEntryFormat, size, util::hex64(*hash));
}

// "" if the entry in `dir` is complete and its simulator is the one built, else why not.
std::string entry_problem(const fs::path& dir) {
  const auto recorded = util::read_file(dir / "entry.txt");
  if (!recorded) return "no entry record (entry.txt)";
  std::error_code ec;
  if (!fs::is_regular_file(dir / "sim", ec)) return "the simulator is missing";
  try {
    if (*recorded != entry_record(dir / "sim")) return "the simulator does not match its size and checksum";
  } catch (const CosimError&) {
    return "the simulator cannot be read";
  }
  return "";
}

struct Entry {
  fs::path dir;
  bool built = false;  // by this run (else found in the cache)
};

// The directory holding `sim` for this spec, RTL and harness, building it once. A broken entry is removed and
// built again; `rebuild` discards the entry even if it looks whole (its simulator gave no evidence).
Entry cached_build(const MacConfig& c, Engine e, const std::string& rtl, const std::string& rtl_name,
                   const fs::path& root, bool rebuild = false) {
  const Prebuilt pre = prebuilt(e);
  util::Hasher h;
  h.add("logmac-cosim-v3");
  h.add(engine_name(e));
  h.add(c.canonical());
  h.add(c.module_name());
  h.add(rtl);
  h.add(wrapper_verilog(c));
  h.add(kLintConfig);
  h.add(tc::kCxx);
  h.add(tc::kOpt);
  h.add(read_file(fs::path(tc::kVerilatorInclude) / "verilated_config.h", "verilator header"));
  for (const auto& [name, text] : harness_sources(e)) h.add(name).add(text);
  h.add(read_file(pre.harness, "harness library"));
  for (const auto& l : pre.libs) h.add(read_file(l, "library"));

  fs::create_directories(root);
  const std::string name = fmt::format("{}-{}-{}", c.module_name(), engine_name(e), h.hex());
  const fs::path final_dir = root / name;
  if (!rebuild && entry_problem(final_dir).empty()) {
    fmt::print(stderr, "cosim: cached build {}\n", final_dir.string());
    return {final_dir, false};
  }
  // Same spec built concurrently: the second waits for the first and then reuses its build.
  std::optional<util::FileLock> lock;
  try {
    lock.emplace(root / (name + ".lock"),
                 [&] { fmt::print(stderr, "cosim: waiting for a concurrent build of {}\n", name); });
  } catch (const util::FileLockError& lock_error) {
    throw CosimError(lock_error.what());
  }
  const std::string problem = rebuild ? "its simulator gave no evidence" : entry_problem(final_dir);
  if (problem.empty()) return {final_dir, false};
  if (fs::exists(final_dir)) {
    fmt::print(stderr, "cosim: cached build {} is broken ({}): building it again\n", final_dir.string(), problem);
    fs::remove_all(final_dir);
  }
  const fs::path tmp = root / fmt::format("{}.tmp-{}", name, getpid());
  fs::remove_all(tmp);
  try {
    build_design(c, e, pre, rtl, rtl_name, tmp);
    write_file(tmp / "entry.txt", entry_record(tmp / "sim"));
    fs::rename(tmp, final_dir);  // atomic: the cache never holds a half-built design
  } catch (const util::Interrupted&) {  // a failed build keeps its log (named in the message) until the next run
    std::error_code ec;
    fs::remove_all(tmp, ec);
    throw;
  }
  return {final_dir, true};
}

struct ScratchDir {
  fs::path path;
  explicit ScratchDir(const fs::path& root) {
    path = root / fmt::format("run-{}-{}", getpid(), Clock::now().time_since_epoch().count());
    fs::create_directories(path);
  }
  ~ScratchDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

}  // namespace

std::string cache_dir(const CosimOptions& o) {
  if (!o.cache_dir.empty()) return o.cache_dir;
  if (const char* env = std::getenv("LOGMAC_COSIM_CACHE"); env && *env) return env;
  return util::default_cache_dir("cosim-cache").string();
}

Engine resolve_engine(const MacConfig& c, const CosimOptions& o) {
  if (o.engine != Engine::Auto) return o.engine;
  return o.exhaustive && exhaustive_count(c) > kLeanThreshold ? Engine::Lean : Engine::SystemC;
}

namespace {
int run_cosim_impl(const MacConfig& c, const CosimOptions& o);
}  // namespace

std::string parse_run_record(const std::string& text, RunRecord& rec) {
  std::istringstream in(text);
  std::string line;
  if (!std::getline(in, line) || line != protocol::kRecordFormat) return "the result record has no format line";
  const std::pair<const char*, long long*> numbers[] = {{"vectors", &rec.vectors},
                                                        {"cycles", &rec.cycles},
                                                        {"mismatches", &rec.mismatches},
                                                        {"first_mismatch", &rec.first_mismatch}};
  if (!std::getline(in, line) || !line.starts_with("spec ")) return "the result record has no spec line";
  rec.spec = line.substr(5);
  for (const auto& [key, value] : numbers) {
    if (!std::getline(in, line) || !line.starts_with(std::string(key) + " ") ||
        !parse_int_strict(std::string_view(line).substr(std::strlen(key) + 1), *value))
      return fmt::format("the result record has no valid '{}' line", key);
  }
  if (!std::getline(in, line) || line != protocol::kRecordEnd || in.eof() || in.peek() != EOF)
    return "the result record is incomplete (no end line) or has extra lines";
  if (rec.vectors < 0 || rec.cycles < 0 || rec.mismatches < 0 || rec.first_mismatch < -1)
    return "the result record holds negative counts";
  return "";
}

std::string run_evidence_problem(const std::string& record_text, int status, const std::string& spec,
                                 long long vectors) {
  RunRecord rec;
  if (std::string why = parse_run_record(record_text, rec); !why.empty()) return why;
  if (rec.spec != spec) return fmt::format("the result record is for '{}'", printable(rec.spec));
  if (status == protocol::kMismatchStatus)
    return rec.mismatches > 0 && rec.first_mismatch >= 0 ? "" : "a mismatch status without mismatches in the record";
  if (status != 0) return fmt::format("exit status {}", status);
  if (rec.mismatches != 0) return fmt::format("status 0 with {} mismatches in the record", rec.mismatches);
  if (rec.vectors != vectors)
    return fmt::format("the harness checked {} vectors of the {} sent", rec.vectors, vectors);
  return "";
}

double simulator_time_limit(long long vectors) { return 300.0 + 1e-3 * static_cast<double>(vectors); }

int run_cosim(const MacConfig& c, const CosimOptions& o) {
  try {
    return run_cosim_impl(c, o);
  } catch (const fs::filesystem_error& e) {  // e.g. an unwritable cache directory
    throw CosimError(e.what());
  }
}

namespace {

// Reads the record of a finished run; "" if it shows the outcome, else why not.
std::string evidence_of(const fs::path& record, int status, const MacConfig& c, long long vectors) {
  const auto text = util::read_file(record);
  if (!text) return "it wrote no result record";
  return run_evidence_problem(*text, status, c.canonical(), vectors);
}

// A VCD written by the simulator into the scratch directory, copied to the user's path with a checked write.
void deliver_trace(const fs::path& vcd, const std::string& path) {
  std::error_code ec;
  if (!fs::is_regular_file(vcd, ec) || fs::file_size(vcd, ec) == 0 || ec)
    throw CosimError(fmt::format("the trace could not be written: the simulator wrote no VCD ({})", vcd.string()));
  std::ifstream in(vcd, std::ios::binary);
  if (!in) throw CosimError(fmt::format("the trace could not be written: cannot read {}", vcd.string()));
  try {  // streamed: a trace can be far larger than memory should hold
    AtomicFile out(path);
    std::string chunk(1 << 20, '\0');
    while (in.read(chunk.data(), static_cast<std::streamsize>(chunk.size())) || in.gcount() > 0)
      out.write(std::string_view(chunk.data(), static_cast<size_t>(in.gcount())));
    if (in.bad()) throw CosimError(fmt::format("the trace could not be written: cannot read {}", vcd.string()));
    out.commit();
  } catch (const WriteError& e) {
    throw CosimError(fmt::format("the trace could not be written: {}", e.what()));
  }
}

int run_cosim_impl(const MacConfig& c, const CosimOptions& o) {
  if (o.exhaustive && c.input_bits() > kMaxExhaustiveBits)
    throw CosimError(fmt::format("--exhaustive needs at most {} input bits, {} has {}; use --random N",
                                 kMaxExhaustiveBits, c.canonical(), c.input_bits()));
  const Engine e = resolve_engine(c, o);
  const fs::path root = cache_dir(o);
  fs::create_directories(root);
  util::remove_stale_temporaries(root);  // what killed runs left behind
  ScratchDir scratch(root);
  const std::string rtl = obtain_rtl(c, o);
  const std::string rtl_name = o.rtl.empty() ? "generated RTL" : o.rtl;
  Entry entry = cached_build(c, e, rtl, rtl_name, root);

  const long long vectors = o.exhaustive ? exhaustive_count(c) : o.random;
  const double limit = simulator_time_limit(vectors);
  const fs::path result = scratch.path / "result";
  auto args_for = [&](const fs::path& dir) {
    std::vector<std::string> a = {(dir / "sim").string(), "--spec", c.canonical(), "--seed", std::to_string(o.seed),
                                  "--max-report", std::to_string(o.max_report)};
    if (o.exhaustive) a.push_back("--exhaustive");
    else a.insert(a.end(), {"--random", std::to_string(o.random)});
    return a;
  };
  int st = 0;
  double first_run_s = 0;
  for (;;) {
    fmt::print(stderr, "cosim: running {} {} vectors ({})\n", c.canonical(), vectors, engine_name(e));
    std::fflush(stdout);
    std::error_code ec;
    fs::remove(result, ec);
    auto with_result = args_for(entry.dir);
    with_result.insert(with_result.end(), {"--result", result.string()});
    util::ProcessResult r;
    std::string problem;
    try {
      r = run_simulator(with_result, limit);
    } catch (const CosimFailure& cannot_start) {  // e.g. a cached simulator that is no longer executable
      r.exit_status = 127;
      problem = cannot_start.what();
    }
    st = r.status();
    if (problem.empty()) {
      if (r.timed_out || r.signal) problem = "the simulator " + r.describe();
      else if (st != 0 && st != protocol::kMismatchStatus) problem = fmt::format("the simulator failed ({})", r.describe());
      else problem = evidence_of(result, st, c, vectors);
    }
    first_run_s = r.seconds;
    if (problem.empty()) break;
    // A simulator from the cache that gives no evidence is not trusted again: built anew and run once more.
    if (!entry.built && !r.timed_out) {
      fmt::print(stderr, "cosim: the cached simulator of {} gave no evidence ({}): building it again\n",
                 c.canonical(), problem);
      entry = cached_build(c, e, rtl, rtl_name, root, true);
      continue;
    }
    throw CosimFailure(fmt::format("the co-simulation of {} gave no result: {} (not a pass)", c.canonical(), problem));
  }
  if (st == 0) return 0;
  if (!o.trace.empty()) {
    // Rerun (the stimulus is deterministic) dumping only a window around the first mismatch, into the scratch
    // directory: the user's path is written afterwards with a checked write (a full disk is an error, not a hang).
    RunRecord rec;
    parse_run_record(read_file(result, "co-simulation result"), rec);
    const long long first = rec.first_mismatch;
    const long long from = std::max(0LL, first - 64), to = first + c.latency + 8;
    const fs::path vcd = scratch.path / "trace.vcd", traced_result = scratch.path / "traced-result";
    auto traced = args_for(entry.dir);
    traced.insert(traced.end(), {"--quiet", "--max-report", "1000000000", "--trace", vcd.string(), "--trace-from",
                                 std::to_string(from), "--trace-to", std::to_string(to), "--result",
                                 traced_result.string()});
    // It simulates no more than the first run did: its limit follows that run's time (a hung VCD writer, as
    // Verilator's on a full disk, is stopped within a minute or so, not after the whole run's limit).
    const util::ProcessResult r = run_simulator(traced, std::min(limit, 60 + 20 * first_run_s), true);
    if (r.timed_out || r.signal || (r.status() != 0 && r.status() != protocol::kMismatchStatus)) {
      const std::string said = r.err.substr(0, r.err.find('\n'));
      throw CosimError(fmt::format("the trace could not be written: the traced rerun of {} {}{}", c.canonical(),
                                   r.describe(), said.empty() ? "" : ": " + said));
    }
    RunRecord again;
    const auto again_text = util::read_file(traced_result);
    if (r.status() != protocol::kMismatchStatus || !again_text || !parse_run_record(*again_text, again).empty() ||
        again.first_mismatch != first)
      throw CosimFailure(fmt::format("the traced rerun of {} did not reproduce the mismatch at cycle {}",
                                     c.canonical(), first));
    deliver_trace(vcd, o.trace);
    // Cycle k is sampled by rising edge k + 1 (edge 0 samples the initial reset).
    fmt::print("trace: {} (cycles {}..{}; first mismatch at cycle {}, rising edge at {} ns)\n", o.trace, from, to,
               first, protocol::kFirstRisingEdgeNs + protocol::kClockPeriodNs * (first + 1));
  }
  return 1;
}

}  // namespace

}  // namespace logmac::cosim
