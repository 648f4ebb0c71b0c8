#include "gen/blocks.hpp"

#include <algorithm>
#include <stdexcept>

namespace logmac::gen {

void Module::port(const char* dir, const std::string& name, int bits) {
  ports_.push_back(fmt::format("{:<6} wire {}{}", dir, vrange(bits), name));
}

std::string Module::param(const std::string& type, const std::string& name, const std::string& value,
                          const std::string& note) {
  for (const auto& p : params_)
    if (p.name == name) {
      if (p.type != type || p.value != value)
        throw std::logic_error(fmt::format("gen: localparam {} of {} asked with two values", name, name_));
      return name;
    }
  params_.push_back({type, name, value, note});
  return name;
}

std::string Module::width(const std::string& name, int bits, const std::string& note) {
  return param("integer", name, std::to_string(bits), note);
}

std::string Module::text() const {
  std::string o = comment_;
  if (keep_) o += "(* keep_hierarchy *)\n";
  o += fmt::format("module {} (\n", name_);
  for (size_t i = 0; i < ports_.size(); ++i) o += fmt::format("  {}{}\n", ports_[i], i + 1 < ports_.size() ? "," : "");
  o += ");\n";
  for (const auto& p : params_)
    o += fmt::format("  localparam {} {} = {};{}\n", p.type, p.name, p.value, p.note.empty() ? "" : "  // " + p.note);
  if (!params_.empty() && !body_.empty()) o += '\n';
  o += body_;
  o += "endmodule\n";
  return o;
}

std::string vrange(const std::string& width) { return fmt::format("[{}-1:0] ", width); }

std::string vrange(int bits) { return bits == 1 ? "" : fmt::format("[{}:0] ", bits - 1); }

// Decimal (what the tables and specs show); a negative value as the negation of its magnitude, which is
// the same bits-wide two's-complement pattern.
std::string lit(int bits, i64 v) {
  if (v < -(i64{1} << std::min(bits - 1, 62)) || (bits < 63 && v > static_cast<i64>(mask(bits))))
    throw std::logic_error(fmt::format("gen: {} does not fit a {}-bit literal", v, bits));
  return v < 0 ? fmt::format("-{}'d{}", bits, -static_cast<u64>(v)) : fmt::format("{}'d{}", bits, v);
}

std::string slit(int bits, i64 v) {
  if (v < smin(std::min(bits, 64)) || v > smax(std::min(bits, 64)))
    throw std::logic_error(fmt::format("gen: {} does not fit a {}-bit signed literal", v, bits));
  return v < 0 ? fmt::format("-{}'sd{}", bits, -static_cast<u64>(v)) : fmt::format("{}'sd{}", bits, v);
}

std::string hexlit(int bits, u64 v) { return fmt::format("{}'h{:x}", bits, v & mask(bits)); }

std::string zext(const std::string& name, int from, int to) {
  if (to < from) throw std::logic_error("gen: zext narrows");
  return from == to ? name : fmt::format("{{{}'b0, {}}}", to - from, name);
}

std::string sext(const std::string& name, int from, int to) {
  if (to < from) throw std::logic_error("gen: sext narrows");
  if (from == to) return name;
  if (from == 1) return fmt::format("{{{}{{{}}}}}", to, name);
  return fmt::format("{{{{{}{{{}[{}]}}}}, {}}}", to - from, name, from - 1, name);
}

std::string sel(const std::string& name, int width, int hi, int lo) {
  if (lo == 0 && hi == width - 1) return name;
  return hi == lo ? fmt::format("{}[{}]", name, hi) : fmt::format("{}[{}:{}]", name, hi, lo);
}

int sbits(i64 lo, i64 hi) {
  int b = 1;
  while (lo < smin(b) || hi > smax(b)) ++b;
  return b;
}

int ubits(i64 hi) { return std::max(1, bit_length(static_cast<u64>(hi))); }

void rom(Module& m, const std::string& name, const std::string& addr, int abits, int dbits,
         const std::vector<i64>& values) {
  m("reg {}{};", vrange(dbits), name);
  m("always @* begin");
  m("  case ({})", addr);
  const u64 n = std::min<u64>(values.size(), u64{1} << std::min(abits, 40));
  for (u64 i = 0; i < n; ++i)
    if (values[i] != 0) m("    {}: {} = {};", lit(abits, static_cast<i64>(i)), name, lit(dbits, values[i]));
  m("    default: {} = {};", name, lit(dbits, 0));
  m("  endcase");
  m("end");
}

void linear_accumulate(const MacConfig& c, Module& m, int pbits) {
  const int w = c.wacc;
  if (pbits > w) throw std::logic_error("gen: product wider than the accumulator");
  const std::string W = m.width("WACC", w, "accumulator bits");
  m.note("Linear accumulator: acc_q + p, {} on overflow of the {}-bit two's-complement range; clr_i starts a new sum.",
         c.ovf == kSat ? "saturating" : "wrapping", w);
  m("wire {}acc_p = {};", vrange(W), sext(kProdIn, pbits, w));
  if (c.ovf == kSat) {
    m("wire [{}:0] acc_sum = {{{}[{}-1], {}}} + {{acc_p[{}-1], acc_p}};", W, kAccQ, W, kAccQ, W);
    m("wire acc_ovf = acc_sum[{}] ^ acc_sum[{}-1];", W, W);
    m("wire {}acc_add = acc_ovf ? {{acc_sum[{}], {{({}-1){{~acc_sum[{}]}}}}}} : acc_sum[{}-1:0];", vrange(W), W, W, W,
      W);
  } else {
    m("wire {}acc_add = {} + acc_p;", vrange(W), kAccQ);
  }
  m("wire {}{} = {} ? acc_p : acc_add;", vrange(W), kAccD, kClrIn);
}

std::string lns_max_param(Module& m, const LnsFormat& lf, int bits) {
  return m.param(fmt::format("signed [{}:0]", bits - 1), "LOG_MAX", slit(bits, lf.max),
                 "largest log magnitude (saturation)");
}

std::string lns_zero_param(Module& m, const LnsFormat& lf) {
  return m.param(fmt::format("[{}:0]", lf.w - 1), "ZERO", hexlit(lf.w, lf.zero()), "the zero code (zero flag set)");
}

void lns_multiply(Module& m, const LnsFormat& lf, const std::string& a, const std::string& b, const std::string& out) {
  const std::string LW = m.width("LW", lf.lw, "log bits: two's complement, saturating at +-LOG_MAX");
  const std::string max = lns_max_param(m, lf, lf.lw + 1), zero = lns_zero_param(m, lf);
  m.note("LNS multiply: the zero code if an operand's zero flag is set, else sign xor and the log sum clamped to +-{}.",
         lf.max);
  m("wire signed [{}:0] {}_lsum = {{{}[{}-1], {}[{}-1:0]}} + {{{}[{}-1], {}[{}-1:0]}};", LW, out, a, LW, a, LW, b, LW,
    b, LW);
  m("wire signed [{}:0] {}_lsat = ({}_lsum > {}) ? {} : (({}_lsum < -{}) ? -{} : {}_lsum);", LW, out, out, max, max, out,
    max, max, out);
  m("wire {}{} = ({}[{}] | {}[{}]) ? {} : {{{}[{}+1] ^ {}[{}+1], 1'b0, {}_lsat[{}-1:0]}};", vrange(lf.w), out, a, LW,
    b, LW, zero, a, LW, b, LW, out, LW);
  m("wire {}_unused = {}_lsat[{}];", out, out, LW);
}

void delta_range(const DeltaUnit& u, i64& lo, i64& hi) {
  lo = hi = 0;  // d beyond the table: 0
  for (const auto* t : {&u.plus, &u.minus})
    for (const auto x : *t) {
      lo = std::min<i64>(lo, x);
      hi = std::max<i64>(hi, x);
    }
}

namespace {

// sign * shift_r(d, r) in rbits-bit arithmetic ("" when it is always 0).
std::string pwl_term(const std::string& dx, int sign, int r, int lw, int rbits) {
  if (r >= lw || -r >= rbits) return "";
  const std::string t = r >= 0 ? fmt::format("({} >> {})", dx, r) : fmt::format("({} << {})", dx, -r);
  return sign < 0 ? "-" + t : t;
}

// out = intercept + sign1*(d >> r1) [+ sign2*(d >> r2)] of the first segment with d <= upper_bp; none: 0.
void delta_pwl(Module& m, const std::vector<PwlSegment>& segs, const std::string& d, int lw, int rbits,
               const std::string& pre, const std::string& out) {
  const std::string dx = pre + "_dx";
  bool two_terms = false;
  for (const auto& s : segs) two_terms |= s.sign2 != 0;
  m("wire {}{} = {};", vrange(rbits), dx, zext(d, lw, rbits));
  m("reg {}{}_c, {}_t1{};", vrange(rbits), pre, pre, two_terms ? fmt::format(", {}_t2", pre) : "");
  m("always @* begin");
  m("  {}_c = {};", pre, lit(rbits, 0));
  m("  {}_t1 = {};", pre, lit(rbits, 0));
  if (two_terms) m("  {}_t2 = {};", pre, lit(rbits, 0));
  const i64 dtop = static_cast<i64>(mask(lw));
  i64 covered = -1;  // d <= covered is decided by an earlier segment
  bool first = true;
  for (const auto& s : segs) {
    if (s.upper_bp <= covered) continue;  // unreachable segment
    const bool all = s.upper_bp >= dtop;
    if (all)
      m("  {}begin", first ? "" : "else ");
    else
      m("  {}if ({} <= {}) begin", first ? "" : "else ", d, lit(lw, s.upper_bp));
    m("    {}_c = {};", pre, lit(rbits, logmac::sext(static_cast<u64>(s.c), rbits)));  // mod 2^rbits: the sum fits
    const std::string t1 = pwl_term(dx, s.sign1, s.r1, lw, rbits);
    if (!t1.empty()) m("    {}_t1 = {};", pre, t1);
    const std::string t2 = s.sign2 ? pwl_term(dx, s.sign2, s.r2, lw, rbits) : "";
    if (!t2.empty()) m("    {}_t2 = {};", pre, t2);
    m("  end");
    first = false;
    covered = s.upper_bp;
    if (all) break;
  }
  m("end");
  m("assign {} = {}_c + {}_t1{};", out, pre, pre, two_terms ? fmt::format(" + {}_t2", pre) : "");
}

}  // namespace

Module delta_module(const std::string& name, const DeltaUnit& u, int lw, int rbits) {
  Module m(name);
  m.port("input", "d_i", lw);
  m.port("output", "dp_o", rbits);
  m.port("output", "dm_o", rbits);
  switch (u.kind) {
    case DeltaKind::Pwl:
      m.note("Delta unit: delta_plus(d) = log2(1 + 2^-d) and delta_minus(d) = log2(1 - 2^-d), d = |X - Y| >= 0, by the");
      m.note("piece-wise-linear tables {} ({} + {} segments): the first segment with d <= upper_bp gives", u.source,
             u.seg_plus.size(), u.seg_minus.size());
      m.note("intercept + sign1*(d >> r1) [+ sign2*(d >> r2)]; beyond the last one delta is 0.");
      delta_pwl(m, u.seg_plus, "d_i", lw, rbits, "dp", "dp_o");
      delta_pwl(m, u.seg_minus, "d_i", lw, rbits, "dm", "dm_o");
      break;
    case DeltaKind::Lut:
      m.note("Delta unit: delta_plus(d) and delta_minus(d), d = |X - Y| >= 0, from {}-entry ROMs: entry i covers",
             u.lut_plus.size());
      m.note("d in [i << {}, (i+1) << {}); beyond the last entry delta is 0.", u.lut_shift, u.lut_shift);
      if (u.lut_shift >= lw) {
        m("assign dp_o = {};", lit(rbits, u.lut_plus.empty() ? 0 : u.lut_plus[0]));
        m("assign dm_o = {};", lit(rbits, u.lut_minus.empty() ? 0 : u.lut_minus[0]));
        m("wire d_unused = ^d_i;");
      } else {
        const int ib = lw - u.lut_shift;
        rom(m, "dp_rom", sel("d_i", lw, lw - 1, u.lut_shift), ib, rbits, u.lut_plus);
        rom(m, "dm_rom", sel("d_i", lw, lw - 1, u.lut_shift), ib, rbits, u.lut_minus);
        if (u.lut_shift > 0) m("wire d_unused = ^{};", sel("d_i", lw, u.lut_shift - 1, 0));
        m("assign dp_o = dp_rom;");
        m("assign dm_o = dm_rom;");
      }
      break;
    case DeltaKind::Exact:
      m.note("Delta unit: delta_plus(d) and delta_minus(d), d = |X - Y| >= 0, correctly rounded, as ROMs of {} entries;",
             u.plus.size());
      m.note("beyond the last entry delta is 0.");
      rom(m, "dp_rom", "d_i", lw, rbits, std::vector<i64>(u.plus.begin(), u.plus.end()));
      rom(m, "dm_rom", "d_i", lw, rbits, std::vector<i64>(u.minus.begin(), u.minus.end()));
      m("assign dp_o = dp_rom;");
      m("assign dm_o = dm_rom;");
      break;
    case DeltaKind::Mitchell: {
      const int f = u.f;
      m.note("Delta unit, Mitchell's approximation: delta_plus(d) = (2^f - (frac(d) >> 1)) >> int(d) and");
      m.note("delta_minus(d) = -delta_plus(d), d = |X - Y| >= 0 with f = {} fraction bits.", f);
      std::string mant;
      if (f >= 2)
        mant = fmt::format("{} - {}", lit(f + 1, i64{1} << f), zext(fmt::format("d_i[{}:1]", f - 1), f - 1, f + 1));
      else
        mant = lit(f + 1, i64{1} << f);  // frac(d) >> 1 is 0
      if (f >= 1) m("wire d_unused = d_i[0];");  // frac(d) >> 1 drops it
      m("wire {}d_mant = {};", vrange(f + 1), mant);
      m("wire {}d_shift = d_mant >> d_i[{}:{}];", vrange(f + 1), lw - 1, f);
      m("assign dp_o = {};", zext("d_shift", f + 1, rbits));
      m("assign dm_o = -{};", zext("d_shift", f + 1, rbits));
      break;
    }
  }
  return m;
}

int scale_saturate(Module& m, const ScaleIn& in, const std::string& out) {
  const int W = in.wacc, mw = in.mbits, t = in.mant_lsb;
  const i64 hi = smax(W);
  const i64 shmin = in.vmin + in.sh_offset, shmax = in.vmax + in.sh_offset;
  m.note("Shift and saturate into the accumulator: mag = min(floor(mant * 2^sh), {}), sh = {} {} {} in {}..{}.", hi,
         in.v, in.sh_offset < 0 ? '-' : '+', in.sh_offset < 0 ? -in.sh_offset : in.sh_offset, shmin, shmax);
  if (shmax < -(mw - 1) || shmin >= W - 1 - t) {
    // Every product is below the accumulator LSB, or above its range: a constant.
    const bool sat = shmin >= W - 1 - t;
    m("wire {}_unused = ^{{{}, {}}};", out, in.v, in.mant);
    m("wire {}{} = {};", vrange(sat ? W - 1 : 1), out, lit(sat ? W - 1 : 1, sat ? hi : 0));
    return sat ? W - 1 : 1;
  }
  const i64 L = std::max<i64>(shmin, -(mw - 1)), U = std::min<i64>(shmax, W - 1 - t);
  const bool can_zero = shmin < L, can_sat = shmax > U;
  const int span = static_cast<int>(U - L), ub = span ? bit_length(static_cast<u64>(span)) : 0;
  const i64 vlo = L - in.sh_offset, vhi = U - in.sh_offset;
  const int ww = mw + span;                 // mant << (sh - L)
  const int vw = mw + static_cast<int>(U);  // mant * 2^sh over sh <= U
  std::vector<std::string> unused;
  if (can_zero) m("wire {}_zero = {} < {};", out, in.v, lit(in.vbits, vlo));
  if (can_sat) m("wire {}_sat = {} > {};", out, in.v, lit(in.vbits, vhi));
  std::string wide = zext(in.mant, mw, ww);
  if (ub) {
    m("wire {}{}_u = {} - {};", vrange(in.vbits), out, in.v, lit(in.vbits, vlo));
    if (ub < in.vbits) unused.push_back(sel(out + "_u", in.vbits, in.vbits - 1, ub));
    wide = fmt::format("{} << {}", wide, sel(out + "_u", in.vbits, ub - 1, 0));
  } else if (!can_zero && !can_sat) {
    unused.push_back(in.v);  // a single shift amount
  }
  m("wire {}{}_w = {};", vrange(ww), out, wide);
  std::string val;
  if (L >= 0) {
    val = L ? fmt::format("{{{}_w, {}'b0}}", out, L) : out + "_w";
  } else {
    val = sel(out + "_w", ww, ww - 1, static_cast<int>(-L));
    unused.push_back(sel(out + "_w", ww, static_cast<int>(-L) - 1, 0));
  }
  m("wire {}{}_v = {};", vrange(vw), out, val);
  const int ob = (can_sat || vw > W - 1) ? W - 1 : vw;
  std::string over = can_sat ? out + "_sat" : "";
  if (vw > W - 1) over += fmt::format("{}(|{})", over.empty() ? "" : " | ", sel(out + "_v", vw, vw - 1, W - 1));
  std::string res = vw > ob ? sel(out + "_v", vw, ob - 1, 0) : zext(out + "_v", vw, ob);
  // The zero flag first: below the range, the shift amount has wrapped and _v means nothing.
  if (!over.empty()) res = fmt::format("({}) ? {} : {}", over, lit(ob, hi), res);
  if (can_zero) res = fmt::format("{}_zero ? {} : {}", out, lit(ob, 0), over.empty() ? res : "(" + res + ")");
  if (!unused.empty()) m("wire {}_unused = ^{{{}}};", out, fmt::join(unused, ", "));
  m("wire {}{} = {};", vrange(ob), out, res);
  return ob;
}

int signed_product(Module& m, const std::string& zero, const std::string& neg, const std::string& mag, int mbits) {
  const int pb = mbits + 1;
  const std::string mg = zext(mag, mbits, pb);
  const std::string s = neg.empty() ? mg : fmt::format("({} ? -{} : {})", neg, mg, mg);
  m("assign {} = {} ? {} : {};", kProdOut, zero, lit(pb, 0), s);
  return pb;
}

}  // namespace logmac::gen
