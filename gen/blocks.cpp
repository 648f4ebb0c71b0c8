#include "gen/blocks.hpp"

#include <algorithm>
#include <stdexcept>

namespace logmac::gen {

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

void rom(Vout& v, const std::string& name, const std::string& addr, int abits, int dbits,
         const std::vector<i64>& values) {
  v("reg {}{};", vrange(dbits), name);
  v("always @* begin");
  v("  case ({})", addr);
  const u64 n = std::min<u64>(values.size(), u64{1} << std::min(abits, 40));
  for (u64 i = 0; i < n; ++i)
    if (values[i] != 0) v("    {}: {} = {};", lit(abits, static_cast<i64>(i)), name, lit(dbits, values[i]));
  v("    default: {} = {};", name, lit(dbits, 0));
  v("  endcase");
  v("end");
}

void linear_accumulate(const MacConfig& c, Vout& v, int pbits) {
  const int w = c.wacc;
  if (pbits > w) throw std::logic_error("gen: product wider than the accumulator");
  v("// Linear accumulator: acc_q + p, {} on overflow of the {}-bit two's-complement range.",
    c.ovf == kSat ? "saturating" : "wrapping", w);
  v("wire {}acc_p = {};", vrange(w), sext(kStProd, pbits, w));
  if (c.ovf == kSat) {
    v("wire [{}:0] acc_sum = {{{}[{}], {}}} + {{acc_p[{}], acc_p}};", w, kAccQ, w - 1, kAccQ, w - 1);
    v("wire acc_ovf = acc_sum[{}] ^ acc_sum[{}];", w, w - 1);
    v("wire {}acc_add = acc_ovf ? {{acc_sum[{}], {{{}{{~acc_sum[{}]}}}}}} : acc_sum[{}:0];", vrange(w), w, w - 1, w,
      w - 1);
  } else {
    v("wire {}acc_add = {} + acc_p;", vrange(w), kAccQ);
  }
  v("wire {}{} = {} ? acc_p : acc_add;", vrange(w), kAccD, kStClr);
}

void lns_multiply(Vout& v, const LnsFormat& lf, const std::string& a, const std::string& b, const std::string& out) {
  const int w = lf.w, lw = lf.lw;
  const i64 max = lf.max;
  v("// LNS multiply: zero if an operand's zero flag is set, else sign xor and the log sum clamped to +-{}.",
    max);
  v("wire signed [{}:0] {}_lsum = {{{}[{}], {}[{}:0]}} + {{{}[{}], {}[{}:0]}};", lw, out, a, lw - 1, a, lw - 1, b,
    lw - 1, b, lw - 1);
  v("wire {}_hi = {}_lsum > {};", out, out, slit(lw + 1, max));
  v("wire {}_lo = {}_lsum < {};", out, out, slit(lw + 1, -max));
  v("wire {}{}_log = {}_hi ? {} : ({}_lo ? {} : {}_lsum[{}:0]);", vrange(lw), out, out, lit(lw, max), out,
    lit(lw, -max), out, lw - 1);
  v("wire {}{} = ({}[{}] | {}[{}]) ? {} : {{{}[{}] ^ {}[{}], 1'b0, {}_log}};", vrange(w), out, a, lw, b, lw,
    hexlit(w, lf.zero()), a, lw + 1, b, lw + 1, out);
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

void delta_pwl(Vout& v, const std::vector<PwlSegment>& segs, const std::string& d, int lw, int rbits,
               const std::string& out) {
  const std::string dx = out + "_dx";
  bool two_terms = false;
  for (const auto& s : segs) two_terms |= s.sign2 != 0;
  v("// segment = first with d <= upper_bp; delta = intercept + sign1*(d >>> r1) [+ sign2*(d >>> r2)]; none: 0");
  v("wire {}{} = {};", vrange(rbits), dx, zext(d, lw, rbits));
  v("reg {}{}_c, {}_t1{};", vrange(rbits), out, out, two_terms ? fmt::format(", {}_t2", out) : "");
  v("always @* begin");
  v("  {}_c = {};", out, lit(rbits, 0));
  v("  {}_t1 = {};", out, lit(rbits, 0));
  if (two_terms) v("  {}_t2 = {};", out, lit(rbits, 0));
  const i64 dtop = static_cast<i64>(mask(lw));
  i64 covered = -1;  // d <= covered is decided by an earlier segment
  bool first = true;
  for (const auto& s : segs) {
    if (s.upper_bp <= covered) continue;  // unreachable segment
    const bool all = s.upper_bp >= dtop;
    if (all)
      v("  {}begin", first ? "" : "else ");
    else
      v("  {}if ({} <= {}) begin", first ? "" : "else ", d, lit(lw, s.upper_bp));
    v("    {}_c = {};", out, lit(rbits, logmac::sext(static_cast<u64>(s.c), rbits)));  // mod 2^rbits: the sum fits
    const std::string t1 = pwl_term(dx, s.sign1, s.r1, lw, rbits);
    if (!t1.empty()) v("    {}_t1 = {};", out, t1);
    const std::string t2 = s.sign2 ? pwl_term(dx, s.sign2, s.r2, lw, rbits) : "";
    if (!t2.empty()) v("    {}_t2 = {};", out, t2);
    v("  end");
    first = false;
    covered = s.upper_bp;
    if (all) break;
  }
  v("end");
  v("wire {}{} = {}_c + {}_t1{};", vrange(rbits), out, out, out, two_terms ? fmt::format(" + {}_t2", out) : "");
}

}  // namespace

void delta_unit(Vout& v, const DeltaUnit& u, bool plus, const std::string& d, int lw, int rbits,
                const std::string& out) {
  const char* fn = plus ? "delta_plus" : "delta_minus";
  switch (u.kind) {
    case DeltaKind::Pwl:
      v("// {}(d): {} PWL segments ({})", fn, (plus ? u.seg_plus : u.seg_minus).size(), u.source);
      delta_pwl(v, plus ? u.seg_plus : u.seg_minus, d, lw, rbits, out);
      break;
    case DeltaKind::Lut: {
      const auto& t = plus ? u.lut_plus : u.lut_minus;
      v("// {}(d): {}-entry ROM, entry i for d in [i << {}, (i+1) << {}); beyond: 0", fn, t.size(), u.lut_shift,
        u.lut_shift);
      if (u.lut_shift >= lw) {
        v("wire {}{} = {};", vrange(rbits), out, lit(rbits, t.empty() ? 0 : t[0]));
      } else {
        const int ib = lw - u.lut_shift;
        rom(v, out, sel(d, lw, lw - 1, u.lut_shift), ib, rbits, t);
      }
      break;
    }
    case DeltaKind::Exact: {
      const auto& t = plus ? u.plus : u.minus;
      v("// {}(d): ROM of the rounded exact function, {} entries; beyond: 0", fn, t.size());
      rom(v, out, d, lw, rbits, std::vector<i64>(t.begin(), t.end()));
      break;
    }
    case DeltaKind::Mitchell: {
      const int f = u.f;
      v("// {}(d): Mitchell, {}((2^f - (frac(d) >> 1)) >> int(d))", fn, plus ? "" : "-");
      std::string m;
      if (f >= 2)
        m = fmt::format("{} - {}", lit(f + 1, i64{1} << f), zext(fmt::format("{}[{}:1]", d, f - 1), f - 1, f + 1));
      else
        m = lit(f + 1, i64{1} << f);  // frac(d) >> 1 is 0
      v("wire {}{}_m = {};", vrange(f + 1), out, m);
      v("wire {}{}_s = {}_m >> {}[{}:{}];", vrange(f + 1), out, out, d, lw - 1, f);
      const std::string s = zext(out + "_s", f + 1, rbits);
      v("wire {}{} = {}{};", vrange(rbits), out, plus ? "" : "-", s);
      break;
    }
  }
}

int scale_saturate(Vout& v, const ScaleIn& in, const std::string& out) {
  const int W = in.wacc, mw = in.mbits, t = in.mant_lsb;
  const i64 hi = smax(W);
  const i64 shmin = in.vmin + in.sh_offset, shmax = in.vmax + in.sh_offset;
  v("// Shift and saturate: mag = min(floor(mant * 2^sh), {}), sh = {} {} {} in {}..{}", hi, in.v,
    in.sh_offset < 0 ? '-' : '+', in.sh_offset < 0 ? -in.sh_offset : in.sh_offset, shmin, shmax);
  if (shmax < -(mw - 1) || shmin >= W - 1 - t) {
    // Every product is below the accumulator LSB, or above its range: a constant.
    const bool sat = shmin >= W - 1 - t;
    v("wire {}_unused = ^{{{}, {}}};  // the product does not depend on them", out, in.v, in.mant);
    v("wire {}{} = {};", vrange(sat ? W - 1 : 1), out, lit(sat ? W - 1 : 1, sat ? hi : 0));
    return sat ? W - 1 : 1;
  }
  const i64 L = std::max<i64>(shmin, -(mw - 1)), U = std::min<i64>(shmax, W - 1 - t);
  const bool can_zero = shmin < L, can_sat = shmax > U;
  const int span = static_cast<int>(U - L), ub = span ? bit_length(static_cast<u64>(span)) : 0;
  const i64 vlo = L - in.sh_offset, vhi = U - in.sh_offset;
  const int ww = mw + span;            // mant << (sh - L)
  const int vw = mw + static_cast<int>(U);  // mant * 2^sh over sh <= U
  std::vector<std::string> unused;
  if (can_zero) v("wire {}_zero = {} < {};  // sh < {}: below the LSB", out, in.v, lit(in.vbits, vlo), L);
  if (can_sat) v("wire {}_sat = {} > {};  // sh > {}: above the range", out, in.v, lit(in.vbits, vhi), U);
  std::string wide = zext(in.mant, mw, ww);
  if (ub) {
    v("wire {}{}_u = {} - {};", vrange(in.vbits), out, in.v, lit(in.vbits, vlo));
    if (ub < in.vbits) unused.push_back(sel(out + "_u", in.vbits, in.vbits - 1, ub));
    wide = fmt::format("{} << {}", wide, sel(out + "_u", in.vbits, ub - 1, 0));
  } else if (!can_zero && !can_sat) {
    unused.push_back(in.v);  // a single shift amount
  }
  v("wire {}{}_w = {};", vrange(ww), out, wide);
  std::string val;
  if (L >= 0) {
    val = L ? fmt::format("{{{}_w, {}'b0}}", out, L) : out + "_w";
  } else {
    val = sel(out + "_w", ww, ww - 1, static_cast<int>(-L));
    unused.push_back(sel(out + "_w", ww, static_cast<int>(-L) - 1, 0));
  }
  v("wire {}{}_v = {};", vrange(vw), out, val);
  const int ob = (can_sat || vw > W - 1) ? W - 1 : vw;
  std::string over = can_sat ? out + "_sat" : "";
  if (vw > W - 1) over += fmt::format("{}(|{})", over.empty() ? "" : " | ", sel(out + "_v", vw, vw - 1, W - 1));
  std::string res = vw > ob ? sel(out + "_v", vw, ob - 1, 0) : zext(out + "_v", vw, ob);
  // The zero flag first: below the range, the shift amount has wrapped and _v means nothing.
  if (!over.empty()) res = fmt::format("({}) ? {} : {}", over, lit(ob, hi), res);
  if (can_zero) res = fmt::format("{}_zero ? {} : {}", out, lit(ob, 0), over.empty() ? res : "(" + res + ")");
  if (!unused.empty()) v("wire {}_unused = ^{{{}}};  // bits outside the used shift range", out, fmt::join(unused, ", "));
  v("wire {}{} = {};", vrange(ob), out, res);
  return ob;
}

}  // namespace logmac::gen

namespace logmac::gen {
int signed_product(Vout& v, const std::string& zero, const std::string& neg, const std::string& mag, int mbits) {
  const int pb = mbits + 1;
  const std::string m = zext(mag, mbits, pb);
  const std::string s = neg.empty() ? m : fmt::format("({} ? -{} : {})", neg, m, m);
  v("wire {}{} = {} ? {} : {};", vrange(pb), kProd, zero, lit(pb, 0), s);
  return pb;
}
}  // namespace logmac::gen
