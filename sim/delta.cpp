#include "sim/delta.hpp"

#include <fmt/format.h>

#include <cmath>
#include <stdexcept>

#include "util/text_io.hpp"

namespace logmac {

extern const char* const kQaaTableCsv;  // generated from sim/tables/qaa_lns_pwl.csv

namespace {

[[noreturn]] void bad(const std::string& msg) { throw std::invalid_argument(msg); }

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  size_t start = 0;
  for (;;) {
    size_t p = s.find(sep, start);
    out.push_back(s.substr(start, p == std::string_view::npos ? std::string_view::npos : p - start));
    if (p == std::string_view::npos) return out;
    start = p + 1;
  }
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

bool parse_int(std::string_view s, long long& v) { return parse_int_strict(trim(s), v); }

bool parse_real(std::string_view s, long double& v) {
  s = trim(s);
  if (s.empty()) return false;
  size_t pos = 0;
  try {
    v = std::stold(std::string(s), &pos);
  } catch (...) {
    return false;
  }
  return pos == s.size() && std::isfinite(v);
}

// "s", or "s1+s2" / "s1-s2" (p2x2: two shifted copies of d, added or subtracted).
bool parse_shift(std::string_view s, long long& s1, int& op, long long& s2) {
  s = trim(s);
  size_t i = (!s.empty() && (s[0] == '-' || s[0] == '+')) ? 1 : 0;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
  if (!parse_int(s.substr(0, i), s1)) return false;
  if (i == s.size()) {
    op = 0;
    return true;
  }
  op = s[i] == '+' ? 1 : (s[i] == '-' ? -1 : 0);
  return op != 0 && parse_int(s.substr(i + 1), s2);
}

}  // namespace

i64 pwl_value(const std::vector<PwlSegment>& segs, i64 d) {
  for (const auto& s : segs)
    if (s.upper_bp >= d) return s.eval(d);
  return 0;
}

long double delta_plus_real(long double d_lsb, int f) {
  return std::ldexp(1.0L, f) * std::log2(1.0L + std::exp2(-d_lsb / std::ldexp(1.0L, f)));
}
long double delta_minus_real(long double d_lsb, int f) {
  return std::ldexp(1.0L, f) * std::log2(-std::expm1(-d_lsb / std::ldexp(1.0L, f) * std::log(2.0L)));
}

i64 DeltaUnit::eval_plus(i64 d) const {
  switch (kind) {
    case DeltaKind::Pwl: return pwl_value(seg_plus, d);
    case DeltaKind::Lut: return (d >> lut_shift) < static_cast<i64>(lut_plus.size()) ? lut_plus[d >> lut_shift] : 0;
    case DeltaKind::Mitchell: {
      // log2(1+x) ~ x and 2^-d by Mitchell's chord: 2^-(i+fr) ~ (1 - fr/2) >> i.
      const i64 i = d >> f, fr = d & static_cast<i64>(mask(f));
      return i >= 62 ? 0 : ((i64{1} << f) - (fr >> 1)) >> i;
    }
    case DeltaKind::Exact: return std::llround(delta_plus_real(static_cast<long double>(d), f));
  }
  return 0;
}

i64 DeltaUnit::eval_minus(i64 d) const {
  if (d <= 0) return 0;  // d = 0 with opposite signs is an exact cancellation, handled by the caller
  switch (kind) {
    case DeltaKind::Pwl: return pwl_value(seg_minus, d);
    case DeltaKind::Lut: return (d >> lut_shift) < static_cast<i64>(lut_minus.size()) ? lut_minus[d >> lut_shift] : 0;
    case DeltaKind::Mitchell: {
      const i64 i = d >> f, fr = d & static_cast<i64>(mask(f));  // log2(1-x) ~ -x
      return i >= 62 ? 0 : -(((i64{1} << f) - (fr >> 1)) >> i);
    }
    case DeltaKind::Exact: return std::llround(delta_minus_real(static_cast<long double>(d), f));
  }
  return 0;
}

bool qaa_table_exists(int w, int f) {
  std::vector<PwlSegment> p, m;
  parse_pwl_csv(kQaaTableCsv, "qaa", w, f, true, p, m);
  return !p.empty();
}

void parse_pwl_csv(std::string_view text, std::string_view name, int w, int f, bool real_values,
                   std::vector<PwlSegment>& plus, std::vector<PwlSegment>& minus) {
  plus.clear();
  minus.clear();
  std::vector<std::string_view> header;
  int col_w = -1, col_f = -1, col_fn = -1, col_ub = -1, col_sh = -1, col_c = -1;
  int lineno = 0;
  for (std::string_view line : split(text, '\n')) {
    ++lineno;
    line = trim(line);
    if (line.empty() || line[0] == '#') continue;
    auto cols = split(line, ',');
    if (header.empty()) {
      header = cols;
      for (int i = 0; i < static_cast<int>(cols.size()); ++i) {
        auto h = trim(cols[i]);
        if (h == "w") col_w = i;
        else if (h == "f") col_f = i;
        else if (h == "fn") col_fn = i;
        else if (h == "upper_bp") col_ub = i;
        else if (h == "shift") col_sh = i;
        else if (h == "intercept") col_c = i;
      }
      if (col_fn < 0 || col_ub < 0 || col_sh < 0 || col_c < 0)
        bad(fmt::format("{}:{}: PWL table header must name the columns fn,seg,upper_bp,shift,intercept (found '{}')",
                        name, lineno, printable(line)));
      continue;
    }
    if (cols.size() != header.size())
      bad(fmt::format("{}:{}: expected {} columns, found {}", name, lineno, header.size(), cols.size()));
    long long v;
    if (col_w >= 0 && (!parse_int(cols[col_w], v) || v != w)) continue;
    if (col_f >= 0 && (!parse_int(cols[col_f], v) || v != f)) continue;
    auto fn = trim(cols[col_fn]);
    if (fn != "plus" && fn != "minus")
      bad(fmt::format("{}:{}: fn must be plus or minus, not '{}'", name, lineno, printable(fn)));
    const bool is_plus = fn == "plus";
    PwlSegment s;
    long long s1 = 0, s2 = 0;
    int op = 0;
    if (!parse_shift(cols[col_sh], s1, op, s2) || s1 < -62 || s1 > 62 || s2 < -62 || s2 > 62)
      bad(fmt::format("{}:{}: shift must be an integer in -62..62 or two joined by + or - (p2x2), not '{}'", name,
                      lineno, printable(trim(cols[col_sh]))));
    if (real_values) {
      long double ub, c;
      if (!parse_real(cols[col_ub], ub) || !parse_real(cols[col_c], c))
        bad(fmt::format("{}:{}: upper_bp and intercept must be numbers", name, lineno));
      s.upper_bp = static_cast<i64>(std::trunc(std::ldexp(ub, f)));
      s.c = static_cast<i64>(std::trunc(std::ldexp(c, f)));
    } else {
      long long ub, c;
      if (!parse_int(cols[col_ub], ub) || !parse_int(cols[col_c], c))
        bad(fmt::format("{}:{}: upper_bp and intercept must be integers (LSB units; {})", name, lineno,
                        kIntegerGrammar));
      if (ub < 0 || ub > (1LL << 40) || c < -(1LL << 40) || c > (1LL << 40))
        bad(fmt::format("{}:{}: upper_bp must be in 0..2^40 and |intercept| <= 2^40", name, lineno));
      s.upper_bp = ub;
      s.c = c;
    }
    // plus: delta = c - T, T = d >> s; minus: delta = c + T, T = (s < 0 ? d >> -s : d << s).
    s.sign1 = is_plus ? -1 : 1;
    s.r1 = static_cast<int>(is_plus ? s1 : -s1);
    if (op) {
      s.sign2 = s.sign1 * op;
      s.r2 = static_cast<int>(is_plus ? s2 : -s2);
    }
    auto& segs = is_plus ? plus : minus;
    if (segs.size() >= static_cast<size_t>(kMaxPwlSegments))
      bad(fmt::format("{}:{}: more than {} {} segments (the most the generator and the optimizer support)", name,
                      lineno, kMaxPwlSegments, fn));
    segs.push_back(s);
  }
  if (plus.empty() != minus.empty())
    bad(fmt::format("{}: table for w={} f={} needs both plus and minus segments", name, w, f));
}

std::string format_pwl_csv(const std::vector<PwlSegment>& plus, const std::vector<PwlSegment>& minus) {
  std::string out = "fn,seg,upper_bp,shift,intercept\n";
  auto emit = [&](const char* fn, const std::vector<PwlSegment>& segs, bool is_plus) {
    for (size_t i = 0; i < segs.size(); ++i) {
      const auto& s = segs[i];
      std::string sh = fmt::format("{}", is_plus ? s.r1 : -s.r1);
      if (s.sign2) sh += fmt::format("{}{}", s.sign2 == s.sign1 ? '+' : '-', is_plus ? s.r2 : -s.r2);
      out += fmt::format("{},{},{},{},{}\n", fn, i, s.upper_bp, sh, s.c);
    }
  };
  emit("plus", plus, true);
  emit("minus", minus, false);
  return out;
}

DeltaUnit make_delta_unit(std::string_view delta, int w, int f, int dmax, i64 dlimit) {
  DeltaUnit u;
  u.f = f;
  u.source = std::string(delta);
  i64 support = 0;  // delta is 0 for every d >= support
  if (delta.substr(0, 4) == "pwl:") {
    u.kind = DeltaKind::Pwl;
    auto src = delta.substr(4);
    if (src == "qaa") {
      parse_pwl_csv(kQaaTableCsv, "qaa", w, f, true, u.seg_plus, u.seg_minus);
      if (u.seg_plus.empty())
        bad(fmt::format("delta=pwl:qaa: no published table for w={} f={} (published: w/f = 16/8, 15/7, 14/6, 13/5)", w, f));
    } else {
      if (src.empty()) bad("delta=pwl: needs a table: pwl:qaa or pwl:FILE");
      std::string text;
      try {
        text = read_text_file(std::string(src), kMaxTableFileBytes, "delta=pwl: table");
      } catch (const InputError& e) {
        bad(e.what());
      }
      const std::string name = printable(src, 200);
      parse_pwl_csv(text, name, w, f, false, u.seg_plus, u.seg_minus);
      if (u.seg_plus.empty()) bad(fmt::format("delta=pwl:{}: no segments for w={} f={}", name, w, f));
    }
    for (const auto* segs : {&u.seg_plus, &u.seg_minus})
      for (const auto& s : *segs) support = std::max(support, s.upper_bp + 1);
  } else if (delta.substr(0, 4) == "lut:") {
    u.kind = DeltaKind::Lut;
    long long n = 0;
    if (!parse_int(delta.substr(4), n) || n < 2 || n > 65536 || (n & (n - 1)))
      bad(fmt::format("delta={}: lut:N needs N a power of two in 2..65536", printable(delta)));
    const i64 span = i64{dmax} << f;  // d < dmax, in LSB
    if (span % n || ((span / n) & (span / n - 1)))
      bad(fmt::format("delta={}: dmax*2^f = {} LSB must split into {} equal power-of-two steps", delta, span, n));
    u.lut_shift = bit_length(static_cast<u64>(span / n)) - 1;
    // Each entry: the constant with the smallest worst error over its integer d (functions are monotone).
    for (i64 i = 0; i < n; ++i) {
      const i64 lo = i << u.lut_shift, hi = ((i + 1) << u.lut_shift) - 1;
      u.lut_plus.push_back(std::llround((delta_plus_real(lo, f) + delta_plus_real(hi, f)) / 2));
      const i64 lo_m = std::max<i64>(lo, 1);
      u.lut_minus.push_back(hi < 1 ? 0 : std::llround((delta_minus_real(lo_m, f) + delta_minus_real(hi, f)) / 2));
    }
    support = span;
  } else if (delta == "mitchell") {
    u.kind = DeltaKind::Mitchell;
    support = i64{f + 2} << f;  // (2^f - ...) >> i is 0 once i > f
  } else if (delta == "exact") {
    u.kind = DeltaKind::Exact;
    support = 1;
    while (support <= dlimit && (u.eval_plus(support) != 0 || u.eval_minus(support) != 0)) ++support;
  } else {
    bad(fmt::format("delta='{}' is not one of pwl:qaa, pwl:FILE, lut:N, mitchell, exact", printable(delta)));
  }
  support = std::min(support, dlimit + 1);
  u.plus.resize(support);
  u.minus.resize(support);
  for (i64 d = 0; d < support; ++d) {
    const i64 p = u.eval_plus(d), m = u.eval_minus(d);
    if (p != static_cast<std::int32_t>(p) || m != static_cast<std::int32_t>(m))
      bad(fmt::format("delta={}: value at d={} does not fit 32 bits", printable(delta), d));
    u.plus[d] = static_cast<std::int32_t>(p);
    u.minus[d] = static_cast<std::int32_t>(m);
  }
  return u;
}

}  // namespace logmac
