#include "cosim/harness/tb_common.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>

#include "sim/workload.hpp"

namespace logmac::cosim {

namespace {
long long to_ll(const char* opt, const char* s) {
  char* end = nullptr;
  const long long v = std::strtoll(s, &end, 10);
  if (!*s || *end || v < 0) throw std::runtime_error(fmt::format("{} needs a non-negative integer, not '{}'", opt, s));
  return v;
}
struct StopStimulus {};
}  // namespace

HarnessArgs parse_harness_args(int argc, char** argv) {
  HarnessArgs h;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> const char* {
      if (i + 1 >= argc) throw std::runtime_error(fmt::format("option {} needs a value", a));
      return argv[++i];
    };
    if (a == "--spec") h.spec = value();
    else if (a == "--exhaustive") h.exhaustive = true;
    else if (a == "--random") h.random = to_ll("--random", value());
    else if (a == "--seed") h.seed = static_cast<std::uint64_t>(to_ll("--seed", value()));
    else if (a == "--max-report") h.max_report = static_cast<int>(to_ll("--max-report", value()));
    else if (a == "--trace") h.trace = value();
    else if (a == "--trace-from") h.trace_from = to_ll("--trace-from", value());
    else if (a == "--trace-to") h.trace_to = to_ll("--trace-to", value());
    else if (a == "--result") h.result = value();
    else if (a == "--quiet") h.quiet = true;
    else throw std::runtime_error(fmt::format("unknown option '{}'", a));
  }
  if (h.spec.empty()) throw std::runtime_error("--spec SPEC is required");
  if (h.exhaustive == (h.random > 0)) throw std::runtime_error("give exactly one of --exhaustive or --random N");
  if (h.max_report < 1) h.max_report = 1;
  return h;
}

bool read_command_line(int argc, char** argv, HarnessArgs& h, MacConfig& c) {
  try {
    h = parse_harness_args(argc, argv);
    c = parse_spec(h.spec);
    return true;
  } catch (const std::exception& e) {
    fmt::print(stderr, "cosim harness: {}\n", e.what());
    return false;
  }
}

long long stimulus_vectors(const MacConfig& c, const HarnessArgs& h) {
  return h.exhaustive ? exhaustive_count(c) : h.random;
}

void drive_stimulus(const MacConfig& c, const HarnessArgs& h, const std::function<bool(const CycleIn&)>& drive) {
  auto emit = [&](const CycleIn& in) {
    if (!drive(in)) throw StopStimulus{};
  };
  try {
    if (h.exhaustive) {
      exhaustive_stimulus(c, [&](const Stim& s) { emit({true, true, s.clr, s.a, s.b}); });
      return;
    }
    // Bubbles and resets come from their own generator, so the vectors equal `logmac vectors --random`.
    Rng rng(h.seed ^ 0x9e3779b97f4a7c15ULL);
    std::vector<long long> reset_at;
    if (h.random >= 64)
      for (int i = 0; i < 3; ++i)
        reset_at.push_back(1 + static_cast<long long>(rng.below(static_cast<u64>(h.random - 1))));
    long long index = 0;
    auto garbage = [&](bool rst_n) {
      return CycleIn{rst_n, !rst_n && rng.below(2), rng.below(2) == 1, rng.below(u64{1} << c.wa),
                     rng.below(u64{1} << c.wb)};
    };
    random_stimulus(c, h.random, h.seed, [&](const Stim& s) {
      for (long long r : reset_at)
        if (r == index) {
          const int cycles = 1 + static_cast<int>(rng.below(2));
          for (int k = 0; k < cycles; ++k) emit(garbage(false));  // en_i may be 1: reset wins
        }
      if (rng.below(8) == 0) {
        const int bubbles = 1 + static_cast<int>(rng.below(3));
        for (int k = 0; k < bubbles; ++k) emit(garbage(true));
      }
      emit({true, true, s.clr, s.a, s.b});
      ++index;
    });
  } catch (const StopStimulus&) {
  }
}

Golden::Golden(const MacConfig& c) : runner_(c), pipe_(c.pipe) { reset(); }

void Golden::reset() {
  runner_.reset();
  for (auto& s : stages_) s = Stage{};
}

void Golden::edge(const CycleIn& in) {
  if (!in.rst_n) {
    reset();
    return;
  }
  // The stage feeding the accumulator is the oldest one (or the inputs themselves when pipe = 0).
  const Stage head = pipe_ ? stages_[pipe_ - 1] : Stage{in.en, in.clr, in.a, in.b};
  if (head.valid) runner_.step(Stim{head.clr, head.a, head.b});
  for (int i = pipe_ - 1; i > 0; --i) stages_[i] = stages_[i - 1];
  if (pipe_) stages_[0] = Stage{in.en, in.clr, in.a, in.b};
}

Scoreboard::Scoreboard(const MacConfig& c, const HarnessArgs& h)
    : c_(c), h_(h), model_(make_model(c)), total_(stimulus_vectors(c, h)), history_(8) {
  prev_expected_ = std::visit([](const auto& m) { return m.reset(); }, model_);
  start_ = last_progress_ = std::chrono::steady_clock::now();
}

std::string Scoreboard::describe_in(const CycleIn& in) const {
  return std::visit([&](const auto& m) {
    return fmt::format("rst_ni={} en_i={} clr_i={} a_i=0x{} ({}) b_i=0x{} ({})", in.rst_n ? 1 : 0, in.en ? 1 : 0,
                       in.clr ? 1 : 0, hex(in.a, c_.wa), m.value_a(in.a), hex(in.b, c_.wb), m.value_b(in.b));
  }, model_);
}

std::string Scoreboard::describe_acc(u64 acc) const {
  return std::visit([&](const auto& m) { return fmt::format("0x{} ({})", hex(acc, c_.wacc), m.value_acc(acc)); },
                    model_);
}

bool Scoreboard::check(long long cycle, const CycleIn& in, u64 expected, u64 got) {
  history_[static_cast<size_t>(cycle) % history_.size()] = in;
  if (in.en && in.rst_n) ++vectors_;
  last_cycle_ = cycle;
  const u64 before = prev_expected_;
  prev_expected_ = expected;
  if (expected == got) return true;
  if (mismatches_++ == 0) first_ = cycle;
  if (!h_.quiet) {
    // acc_o after edge `cycle` comes from the inputs sampled `pipe` edges earlier.
    const long long src = cycle - c_.pipe;
    std::string inputs = src >= 0 ? describe_in(history_[static_cast<size_t>(src) % history_.size()]) : "(none)";
    for (long long k = std::max(0LL, src + 1); k <= cycle; ++k)  // a reset acts at once, not after the pipeline
      if (!history_[static_cast<size_t>(k) % history_.size()].rst_n) inputs += fmt::format("; rst_ni=0 in cycle {}", k);
    fmt::print("MISMATCH cycle {} (inputs of cycle {}: {}), acc before {}: expected {}, got {}  [{}]\n", cycle, src,
               inputs, describe_acc(before), describe_acc(expected), describe_acc(got), c_.canonical());
  }
  return mismatches_ < h_.max_report;
}

void Scoreboard::progress(long long cycle) {
  if ((cycle & 0xffff) != 0) return;
  const auto now = std::chrono::steady_clock::now();
  if (now - last_progress_ < std::chrono::seconds(2)) return;
  last_progress_ = now;
  fmt::print(stderr, "cosim: {:.0f}% ({} of {} vectors)\n", 100.0 * static_cast<double>(vectors_) /
                                                              static_cast<double>(total_ ? total_ : 1),
             vectors_, total_);
}

namespace {
// The result record (protocol.hpp), every write checked; false after printing why.
bool write_record(const std::string& path, const std::string& text) {
  std::FILE* f = std::fopen(path.c_str(), "w");
  bool ok = f && std::fputs(text.c_str(), f) >= 0;
  ok = f && std::fflush(f) == 0 && ok;
  ok = f && std::fclose(f) == 0 && ok;
  if (!ok) fmt::print(stderr, "cosim harness: cannot write the result record {}: {}\n", path, std::strerror(errno));
  return ok;
}
}  // namespace

int Scoreboard::finish(const char* engine) {
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  if (!h_.result.empty() &&
      !write_record(h_.result, fmt::format("{}\nspec {}\nvectors {}\ncycles {}\nmismatches {}\nfirst_mismatch {}\n{}\n",
                                           protocol::kRecordFormat, c_.canonical(), vectors_, last_cycle_ + 1,
                                           mismatches_, first_, protocol::kRecordEnd)))
    return protocol::kRecordErrorStatus;
  if (mismatches_) {
    if (!h_.quiet)
      fmt::print("FAIL {}: {} mismatching cycle(s) (stopped after {}), first at cycle {}; {} vectors checked\n",
                 c_.canonical(), mismatches_, h_.max_report, first_, vectors_);
    return kMismatchStatus;
  }
  fmt::print("PASS {}: {} vectors ({} cycles) in {:.2f} s, {:.0f} vectors/s ({})\n", c_.canonical(), vectors_,
             last_cycle_ + 1, secs, static_cast<double>(vectors_) / (secs > 0 ? secs : 1e-9), engine);
  return 0;
}

}  // namespace logmac::cosim
