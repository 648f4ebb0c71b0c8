#include "sim/vectors.hpp"

#include <fmt/format.h>

#include "sim/registry.hpp"
#include "util/text_io.hpp"
#include "sim/workload.hpp"

namespace logmac {

long long exhaustive_count(const MacConfig& c) {
  const long long pairs = 1LL << c.input_bits();
  return c.variant == "lns" ? pairs + 2 * (1LL << (2 * c.wa)) : pairs;
}

void exhaustive_stimulus(const MacConfig& c, const StimSink& sink) {
  if (c.input_bits() > kMaxExhaustiveBits)
    throw SpecError(fmt::format("exhaustive vectors need a+b <= {} input bits; {} has {} (use --random)",
                                kMaxExhaustiveBits, c.canonical(), c.input_bits()));
  for (u64 a = 0; a < (u64{1} << c.wa); ++a)
    for (u64 b = 0; b < (u64{1} << c.wb); ++b) sink({true, a, b});
  if (c.variant == "lns") {
    const u64 one = 0;  // sign 0, zero flag 0, log 0: the value 1.0
    for (u64 x = 0; x < (u64{1} << c.wa); ++x)
      for (u64 y = 0; y < (u64{1} << c.wa); ++y) {
        sink({true, x, one});
        sink({false, y, one});
      }
  }
}

void random_stimulus(const MacConfig& c, long long n, std::uint64_t seed, const StimSink& sink) {
  with_model(c, [&](const auto& m) {
    Rng rng(seed);
    // Corners, expressed through the format's own encoder so that every variant gets its extremes.
    std::vector<u64> corner_a, corner_b;
    for (double v : {0.0, 1.0, -1.0, 1e30, -1e30, 1e-30, -1e-30, 0.5, -0.5}) {
      corner_a.push_back(m.encode_a(v));
      corner_b.push_back(m.encode_b(v));
    }
    for (const int bits : {c.wa, c.wb}) {
      auto& v = bits == c.wa ? corner_a : corner_b;
      for (u64 x : {u64{0}, u64{1}, mask(bits), u64{1} << (bits - 1), mask(bits - 1), (u64{1} << (bits - 1)) | 1})
        v.push_back(x);
    }
    long long left = n;
    u64 prev_a = 0, prev_b = 0;
    while (left > 0) {
      const long long len = std::min<long long>(left, 1 + static_cast<long long>(rng.below(1024)));
      const int mode = static_cast<int>(rng.below(4));  // per stream: nn, uniform, corners, mixed
      for (long long i = 0; i < len; ++i) {
        const int pick = mode == 3 ? static_cast<int>(rng.below(3)) : mode;
        u64 a, b;
        if (pick == 0) {
          a = m.encode_a(std::max(0.0, 0.5 * rng.gaussian()));
          b = m.encode_b(0.25 * rng.gaussian());
        } else if (pick == 1) {
          a = rng.below(u64{1} << c.wa);
          b = rng.below(u64{1} << c.wb);
        } else {
          a = corner_a[rng.below(corner_a.size())];
          b = corner_b[rng.below(corner_b.size())];
        }
        if (i > 0 && rng.below(16) == 0) {  // x + (-x): exact cancellation and d = 0
          a = prev_a;
          b = m.encode_b(-m.value_b(prev_b));
        }
        sink({i == 0, a, b});
        prev_a = a;
        prev_b = b;
      }
      left -= len;
    }
  });
}

GoldenRunner::GoldenRunner(const MacConfig& c) : model_(make_model(c)) {
  reset_ = std::visit([](const auto& m) { return m.reset(); }, model_);
  acc_ = reset_;
}

u64 GoldenRunner::step(const Stim& s) {
  acc_ = std::visit([&](const auto& m) {
    const auto p = m.product(s.a, s.b);
    return s.clr ? m.first(p) : m.accumulate(acc_, p);
  }, model_);
  return acc_;
}

std::string hex(u64 v, int bits) { return fmt::format("{:0{}x}", v, (bits + 3) / 4); }

std::string vector_header(const MacConfig& c) {
  return fmt::format("# logmac vectors spec={} wa={} wb={} wacc={} facc={} latency={}\n# CLR A B ACC\n",
                     c.canonical(), c.wa, c.wb, c.wacc, c.facc, c.latency);
}

namespace {
bool parse_hex(std::string_view s, int bits, u64& v) {
  if (s.empty() || s.size() > 16) return false;
  v = 0;
  for (char ch : s) {
    int d;
    if (ch >= '0' && ch <= '9') d = ch - '0';
    else if (ch >= 'a' && ch <= 'f') d = ch - 'a' + 10;
    else if (ch >= 'A' && ch <= 'F') d = ch - 'A' + 10;
    else return false;
    v = (v << 4) | static_cast<u64>(d);
  }
  return v <= mask(bits);
}
}  // namespace

bool parse_vector_line(std::string_view line, const MacConfig& c, VectorLine& out) {
  std::vector<std::string_view> f;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')) ++i;
    if (i >= line.size() || line[i] == '#') break;
    size_t j = i;
    while (j < line.size() && line[j] != ' ' && line[j] != '\t' && line[j] != '\r' && line[j] != '#') ++j;
    f.push_back(line.substr(i, j - i));
    i = j;
  }
  if (f.empty()) return false;
  if (f.size() != 3 && f.size() != 4)
    throw VectorError(fmt::format("expected 'CLR A B' or 'CLR A B ACC' (hex), found {} fields", f.size()));
  if (f[0] != "0" && f[0] != "1") throw VectorError(fmt::format("CLR must be 0 or 1, not '{}'", f[0]));
  out.stim.clr = f[0] == "1";
  if (!parse_hex(f[1], c.wa, out.stim.a))
    throw VectorError(fmt::format("A='{}' is not a hex number of at most {} bits", printable(f[1]), c.wa));
  if (!parse_hex(f[2], c.wb, out.stim.b))
    throw VectorError(fmt::format("B='{}' is not a hex number of at most {} bits", printable(f[2]), c.wb));
  out.has_expected = f.size() == 4;
  if (out.has_expected && !parse_hex(f[3], c.wacc, out.expected))
    throw VectorError(fmt::format("ACC='{}' is not a hex number of at most {} bits", printable(f[3]), c.wacc));
  return true;
}

std::optional<std::string_view> vector_header_spec(std::string_view line) {
  constexpr std::string_view kPrefix = "# logmac vectors spec=";
  if (line.substr(0, kPrefix.size()) != kPrefix) return std::nullopt;
  const std::string_view rest = line.substr(kPrefix.size());
  return rest.substr(0, rest.find_first_of(" \t\r"));
}

void check_vector_header(std::string_view header_spec, const MacConfig& c) {
  const std::string model = c.canonical();
  if (header_spec == model) return;
  std::string file_spec;
  try {
    file_spec = parse_spec(header_spec).canonical();
  } catch (const SpecError&) {
    file_spec.clear();
  }
  if (file_spec == model) return;
  throw VectorError(fmt::format("the vectors were made for spec {}, the model is {} (make vectors for this spec)",
                                printable(header_spec, 160), model));
}

}  // namespace logmac
