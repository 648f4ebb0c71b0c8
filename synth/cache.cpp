#include "synth/cache.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <atomic>
#include <cmath>
#include <filesystem>

#include "synth/tools.hpp"
#include "util/file.hpp"
#include "util/file_lock.hpp"
#include "util/hash.hpp"
#include "util/process.hpp"

namespace logmac::synth {

namespace fs = std::filesystem;

namespace {

// Bump when the flow's meaning changes (invalidates every cached result).
constexpr const char* kFlowVersion = "logmac-synth-3";

std::string fmt_double(double v) { return fmt::format("{:.9g}", v); }

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
      {"critical_path", nullptr, nullptr, nullptr, &DesignResult::critical_path},
      {"sim", nullptr, nullptr, nullptr, &DesignResult::sim},
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
      {"timed_activity", &DesignResult::timed_activity},
      {"timed_energy_pj_per_mac", &DesignResult::timed_energy_pj},
      {"timed_switching_pj_per_mac", &DesignResult::timed_switching_pj},
      {"timed_internal_pj_per_mac", &DesignResult::timed_internal_pj},
      {"timed_clock_pj_per_mac", &DesignResult::timed_clock_pj},
      {"timed_registers_pj_per_mac", &DesignResult::timed_registers_pj},
      {"timed_logic_pj_per_mac", &DesignResult::timed_logic_pj},
      {"timed_inputs_pj_per_mac", &DesignResult::timed_inputs_pj},
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
  for (const auto& b : block_energy)
    s += fmt::format("blockenergy {} {}\t{}\n", fmt_double(b.zero_pj), fmt_double(b.timed_pj), b.name);
  return s + fmt::format("checksum {}\n", util::Hasher().add(s).hex());
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
// Every number of a record is finite: a nan or inf is an edited or broken record, never a measurement.
double parse_d(const std::string& k, const std::string& v) {
  const double d = parse_whole<double>(k, v, [](const std::string& s, size_t* n) { return std::stod(s, n); });
  if (!std::isfinite(d)) throw FlowError(fmt::format("result record: '{}' is not a finite number ({})", k, v));
  return d;
}
}  // namespace

DesignResult DesignResult::from_text(const std::string& text) {
  DesignResult r;
  std::vector<bool> have(fields().size(), false);
  bool checksum_ok = false;
  for (size_t start = 0, end; start < text.size(); start = end + 1) {
    end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();  // a last line without newline: a truncated record
    const std::string line = text.substr(start, end - start);
    if (checksum_ok) throw FlowError("result record: lines after the checksum");
    const auto sp = line.find(' ');
    if (sp == std::string::npos)
      throw FlowError(fmt::format("result record: malformed line '{}'", line));
    const std::string key = line.substr(0, sp), val = line.substr(sp + 1);
    if (key == "checksum") {
      if (end == text.size() || val != util::Hasher().add(std::string_view(text).substr(0, start)).hex())
        throw FlowError("result record: checksum does not match its contents");
      checksum_ok = true;
      continue;
    }
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
    if (key == "blockenergy") {
      const auto tab = val.find('\t'), sp2 = val.find(' ');
      if (tab == std::string::npos || sp2 == std::string::npos || sp2 > tab)
        throw FlowError(fmt::format("result record: malformed line '{}'", line));
      r.block_energy.push_back(
          {val.substr(tab + 1), parse_d(key, val.substr(0, sp2)), parse_d(key, val.substr(sp2 + 1, tab - sp2 - 1))});
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
  if (!checksum_ok) throw FlowError("result record: no checksum line (incomplete record)");
  // What the flow always writes, checked beyond the checksum (which an edit can recompute): a record whose lists
  // lost lines or whose counts disagree is not a measurement.
  double listed = 0;
  for (const auto& [type, count] : r.cell_types) listed += count;
  if (r.cells <= 0 || r.area <= 0 || r.macs <= 0)
    throw FlowError("result record: no cells, area or MACs");
  if (listed != r.cells)
    throw FlowError(fmt::format("result record: the cell types add up to {} cells, not {}", listed, r.cells));
  if (r.block_area.empty() || r.block_energy.empty()) throw FlowError("result record: no per-block lines");
  return r;
}

namespace {

// `text` (the spec, the RTL, whose comments name the spec) with a pwl:FILE table named by its content, not its
// path: the same table anywhere hits the cache, an edited table at the same path misses.
std::string table_by_content(std::string text, const MacConfig& cfg) {
  if (cfg.delta.rfind("pwl:", 0) != 0 || cfg.delta == "pwl:qaa") return text;
  const auto table = util::fnv1a_file(cfg.delta.substr(4));
  if (!table) throw FlowError(fmt::format("cannot read the table {}", cfg.delta.substr(4)));
  const std::string token = "pwl:content-" + util::hex64(*table);
  for (size_t p = 0; (p = text.find(cfg.delta, p)) != std::string::npos; p += token.size())
    text.replace(p, cfg.delta.size(), token);
  return text;
}

std::string file_digest(const std::string& path) {
  const auto h = util::fnv1a_file(path);
  return h ? util::hex64(*h) : "unreadable";
}

}  // namespace

std::string cache_key_text(const MacConfig& cfg, const FlowOptions& opt, const std::string& rtl,
                           const std::string& stimulus_text) {
  std::string k = fmt::format("{}\nsources {}\nspec {}\nliberty {} {}\n{}clock {}\nworkload {} {} {} {} {}\n",
                              kFlowVersion, kSynthSourceHash, table_by_content(cfg.canonical(), cfg),
                              fs::absolute(opt.liberty).string(), file_digest(opt.liberty), tool_versions(),
                              fmt_double(opt.clock_ns), opt.workload, opt.dots, opt.terms, opt.seed, opt.accuracy_dots);
  k += fmt::format("slew {}\nsim {}\n", fmt_double(opt.slew_ns), opt.sim);
  if (workload_is_file(opt.workload)) k += fmt::format("workload file {}\n", file_digest(opt.workload));
  for (const char* s : flow_scripts()) k += fmt::format("script {}\n", util::hex64(util::fnv1a(s)));
  k += fmt::format("rtl {}\n", util::hex64(util::fnv1a(table_by_content(rtl, cfg))));
  k += fmt::format("stimulus {}\n", util::hex64(util::fnv1a(stimulus_text)));
  return k;
}

ResultCache::ResultCache(std::string cache_dir, std::string work_root)
    : cache_dir_(std::move(cache_dir)), work_root_(std::move(work_root)) {}

ResultCache::~ResultCache() {
  // An interrupted run leaves nothing behind; a failed one keeps its work directory (the error names its logs)
  // until the next run on this cache removes it as stale.
  if (!work_.empty() && util::interrupted()) {
    std::error_code ec;
    fs::remove_all(work_, ec);
  }
}

std::optional<DesignResult> ResultCache::open(const std::string& module, const std::string& key_text,
                                              const std::function<void(const std::string&)>& note) {
  key_text_ = key_text;
  const std::string root = !work_root_.empty() ? work_root_
                           : !cache_dir_.empty() ? cache_dir_
                                                 : (fs::temp_directory_path() / "logmac-synth").string();
  for (const std::string& d : {root, cache_dir_}) {
    if (std::error_code ec; !d.empty() && !fs::create_directories(d, ec) && ec)
      throw FlowError(fmt::format("cannot create the directory {}: {}", d, ec.message()));
    // Work directories of killed or failed runs (not in a work root the caller chose: its files are the caller's).
    if (!d.empty() && (work_root_.empty() || d != root)) util::remove_stale_temporaries(d);
  }
  if (!cache_dir_.empty()) {
    const std::string name = module + "-" + util::Hasher().add(key_text).hex();
    final_ = fs::absolute(fs::path(cache_dir_) / name).string();
    try {
      lock_ = std::make_unique<util::FileLock>(final_ + ".lock", [&] { note("waiting for a concurrent run of " + name); });
    } catch (const util::FileLockError& e) {
      throw FlowError(e.what());
    }
    if (fs::exists(final_ + "/result.txt")) {
      try {
        if (util::read_file(final_ + "/key.txt") != key_text) throw FlowError("key.txt does not match the key");
        DesignResult r = DesignResult::from_text(read_output(final_ + "/result.txt"));
        r.cached = true;
        r.dir = final_;
        return r;
      } catch (const FlowError& e) {  // unreadable or incomplete record: a cache miss, not the user's error
        note(fmt::format("cached result {}/result.txt unusable ({}), running again", final_, e.what()));
      }
    }
  }
  static std::atomic<int> counter{0};
  work_ = fs::absolute(fs::path(root) / fmt::format("{}.tmp-{}-{}", module, getpid(), counter++)).string();
  fs::remove_all(work_);
  fs::create_directories(work_);
  return std::nullopt;
}

std::string ResultCache::store(const DesignResult& r) {
  write_output(work_ + "/key.txt", key_text_);
  write_output(work_ + "/result.txt", r.to_text());
  if (final_.empty()) return work_;
  std::error_code ec;
  fs::remove_all(final_, ec);
  fs::rename(work_, final_, ec);
  if (ec) return work_;
  work_.clear();
  return final_;
}

}  // namespace logmac::synth
