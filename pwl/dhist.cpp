#include "pwl/dhist.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <type_traits>

#include "sim/config.hpp"
#include "sim/delta.hpp"
#include "sim/models/lns.hpp"

namespace logmac::pwl {

namespace {

[[noreturn]] void bad(const std::string& msg) { throw std::invalid_argument(msg); }

std::string_view trim(std::string_view s) {
  const size_t first = s.find_first_not_of(" \t\r");
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(" \t\r") - first + 1);
}

// The comma-separated fields of a line, trimmed.
std::vector<std::string_view> fields(std::string_view line) {
  std::vector<std::string_view> out;
  size_t start = 0, comma;
  while ((comma = line.find(',', start)) != std::string_view::npos) {
    out.push_back(trim(line.substr(start, comma - start)));
    start = comma + 1;
  }
  out.push_back(trim(line.substr(start)));
  return out;
}

// The whole of s as a number (integer or finite floating point), nothing else.
template <class T>
bool parse_number(std::string_view s, T& v) {
  if (s.empty()) return false;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return false;
  if constexpr (std::is_floating_point_v<T>) return std::isfinite(v);
  return true;
}

i64 dlimit(int w) { return i64{1} << (w - 2); }  // bound on |X - Y| (as the lns variant's flattened tables)

void size_for(DHistogram& h) {
  for (int fn = 0; fn < 2; ++fn) {
    h.count[fn].assign(static_cast<size_t>(dlimit(h.w) + 1), 0);
    h.sum_s2[fn].assign(static_cast<size_t>(dlimit(h.w) + 1), 0.0);
  }
}

}  // namespace

i64 default_band(int f) { return f >= 2 ? i64{1} << (f - 2) : 1; }

double DHistogram::total_s2() const {
  double t = 0;
  for (const auto& v : sum_s2)
    for (double x : v) t += x;
  return t;
}

long long DHistogram::lookups() const {
  long long n = 0;
  for (const auto& v : count)
    for (long long x : v) n += x;
  return n;
}

double DHistogram::coherence() const {
  // E[(sum_k s_k)^2] = the sum of every E[S_a S_b] (each off-diagonal pair twice).
  double all = 0;
  for (const auto& [key, v] : sum_ss) all += key.first == key.second ? v : 2 * v;
  const double t = total_s2();
  return t > 0 ? all / t - 1 : 0.0;
}

bool lookup_of(const LnsMac& m, u64 acc, u64 p, Lookup& out) {
  if (m.lf.is_zero(p) || m.lf.is_zero(acc)) return false;
  const LnsFormat::AddStep st = m.lf.add_step(acc, p);
  out.plus = st.plus;
  out.d = st.d;
  return out.plus || out.d != 0;
}

DHistogram record_dhistogram(int w, int f, const DotWorkload& wl, const std::string& source, i64 band) {
  const MacConfig cfg = parse_spec(fmt::format("lns:w={},f={},delta=exact", w, f));
  const LnsMac m(cfg);
  DHistogram h;
  h.w = w;
  h.f = f;
  h.band = band > 0 ? band : default_band(f);
  h.source = source;
  h.dot_products = wl.count;
  size_for(h);
  // R: the RMS of the exact dot products of the quantized operands (the reference of arith nrmse).
  std::vector<u64> qa(wl.terms), qb(wl.terms);
  double r2 = 0;
  for (int k = 0; k < wl.count; ++k) {
    double exact = 0;
    for (int i = 0; i < wl.terms; ++i) {
      const size_t j = static_cast<size_t>(k) * wl.terms + i;
      exact += m.value_a(m.encode_a(wl.a[j])) * m.value_b(m.encode_b(wl.b[j]));
    }
    r2 += exact * exact;
  }
  const double rms = std::sqrt(r2 / std::max(1, wl.count));
  if (!(rms > 0)) bad(fmt::format("d-histogram: the workload {} has only zero dot products", source));
  const i64 stride = h.band_stride();
  // S_a of one dot product, per band touched; the pair sums in a dense matrix over the bands seen so far.
  std::vector<double> s_band(static_cast<size_t>(2 * stride), 0.0);
  std::vector<char> is_touched(static_cast<size_t>(2 * stride), 0);  // (a band's sum can return to exactly 0)
  std::vector<i64> touched, keys;
  std::vector<int> id(static_cast<size_t>(2 * stride), -1);
  std::vector<std::vector<double>> pairs;  // pairs[i][j], j <= i, in order of first touch
  for (int k = 0; k < wl.count; ++k) {
    for (int i = 0; i < wl.terms; ++i) {
      const size_t j = static_cast<size_t>(k) * wl.terms + i;
      qa[i] = m.encode_a(wl.a[j]);
      qb[i] = m.encode_b(wl.b[j]);
    }
    touched.clear();
    u64 acc = m.first(m.product(qa[0], qb[0]));
    for (int i = 1; i < wl.terms; ++i) {
      const u64 p = m.product(qa[i], qb[i]);
      Lookup l;
      if (lookup_of(m, acc, p, l)) {
        const double s = (m.value_acc(acc) + m.value_acc(p)) / rms;
        const int fn = l.plus ? 0 : 1;
        h.count[fn][l.d] += 1;
        h.sum_s2[fn][l.d] += s * s;
        const i64 key = fn * stride + l.d / h.band;
        if (!is_touched[key]) touched.push_back(key), is_touched[key] = 1;
        s_band[key] += s;
      }
      acc = m.accumulate(acc, p);
    }
    for (i64 key : touched)
      if (id[key] < 0) {
        id[key] = static_cast<int>(keys.size());
        keys.push_back(key);
        pairs.emplace_back(keys.size(), 0.0);
      }
    for (i64 a : touched)
      for (i64 b : touched)
        if (id[b] <= id[a]) pairs[id[a]][id[b]] += s_band[a] * s_band[b];
    for (i64 key : touched) s_band[key] = 0, is_touched[key] = 0;
  }
  for (size_t i = 0; i < keys.size(); ++i)
    for (size_t j = 0; j <= i; ++j)
      if (pairs[i][j] != 0) h.sum_ss[{std::min(keys[i], keys[j]), std::max(keys[i], keys[j])}] += pairs[i][j];
  return h;
}

void merge_dhistogram(DHistogram& into, const DHistogram& from) {
  if (into.w != from.w || into.f != from.f || into.band != from.band)
    bad(fmt::format("d-histogram: cannot merge w={} f={} band={} ({}) into w={} f={} band={} ({})", from.w, from.f,
                    from.band, from.source, into.w, into.f, into.band, into.source));
  into.dot_products += from.dot_products;
  for (int fn = 0; fn < 2; ++fn)
    for (size_t d = 0; d < into.count[fn].size(); ++d) {
      into.count[fn][d] += from.count[fn][d];
      into.sum_s2[fn][d] += from.sum_s2[fn][d];
    }
  for (const auto& [key, v] : from.sum_ss) into.sum_ss[key] += v;
  into.source += " + " + from.source;
}

std::string format_dhistogram(const DHistogram& h) {
  std::string s = fmt::format("logmac-dhist 1 w={} f={} dot_products={} band={}\n", h.w, h.f, h.dot_products, h.band);
  s += fmt::format("# delta lookups of an LNS MAC (delta=exact) per d (LSB); source: {}\n", h.source);
  s += fmt::format("# lookups {}, coherence {:.4f}; format: pwl/dhist.hpp\n", h.lookups(), h.coherence());
  s += "fn,d,count,sum_s2\n";
  for (int fn = 0; fn < 2; ++fn)
    for (size_t d = 0; d < h.count[fn].size(); ++d)
      if (h.count[fn][d] || h.sum_s2[fn][d] > 0)
        s += fmt::format("{},{},{},{:.17g}\n", fn ? "minus" : "plus", d, h.count[fn][d], h.sum_s2[fn][d]);
  s += "fn_a,band_a,fn_b,band_b,sum_ss\n";
  const i64 stride = h.band_stride();
  for (const auto& [key, v] : h.sum_ss)
    s += fmt::format("{},{},{},{},{:.17g}\n", key.first / stride ? "minus" : "plus", key.first % stride,
                     key.second / stride ? "minus" : "plus", key.second % stride, v);
  return s;
}

DHistogram parse_dhistogram(std::string_view text, std::string_view name) {
  DHistogram h;
  h.source = std::string(name);
  enum { Header, Lookups, Pairs } section = Header;
  bool have_header = false;
  int lineno = 0;
  for (size_t start = 0; start <= text.size();) {
    const size_t nl = text.find('\n', start);
    const std::string_view line = trim(text.substr(start, nl == std::string_view::npos ? std::string_view::npos : nl - start));
    start = nl == std::string_view::npos ? text.size() + 1 : nl + 1;
    ++lineno;
    if (line.empty() || line[0] == '#') continue;
    if (!have_header) {
      // logmac-dhist 1 w=W f=F dot_products=N band=B
      std::istringstream in{std::string(line)};
      std::string magic, version, kv;
      in >> magic >> version;
      if (magic != "logmac-dhist" || version != "1")
        bad(fmt::format("{}:{}: a d-histogram starts with 'logmac-dhist 1 w=W f=F dot_products=N band=B'", name,
                        lineno));
      bool got_w = false, got_f = false, got_n = false, got_b = false;
      long long band = 0;
      while (in >> kv) {
        const size_t eq = kv.find('=');
        const std::string key = kv.substr(0, eq), val = eq == std::string::npos ? "" : kv.substr(eq + 1);
        long long iv = 0;
        if (key == "w" && parse_number(val, iv) && iv >= 4 && iv <= 24) h.w = static_cast<int>(iv), got_w = true;
        else if (key == "f" && parse_number(val, iv) && iv >= 0 && iv <= 16) h.f = static_cast<int>(iv), got_f = true;
        else if (key == "dot_products" && parse_number(val, iv) && iv >= 1) h.dot_products = iv, got_n = true;
        else if (key == "band" && parse_number(val, iv) && iv >= 1) band = iv, got_b = true;
        else
          bad(fmt::format("{}:{}: bad header field '{}' (w in 4..24, f in 0..16, dot_products >= 1, band >= 1)", name,
                          lineno, kv));
      }
      if (!(got_w && got_f && got_n && got_b))
        bad(fmt::format("{}:{}: the header needs w=, f=, dot_products= and band=", name, lineno));
      if (h.f > h.w - 3) bad(fmt::format("{}:{}: f={} is not an lns format at w={} (f <= w-3)", name, lineno, h.f, h.w));
      h.band = std::min<i64>(band, dlimit(h.w) + 1);
      size_for(h);
      have_header = true;
      continue;
    }
    const auto cols = fields(line);
    if (cols.size() == 4 && cols[0] == "fn" && cols[1] == "d" && cols[2] == "count" && cols[3] == "sum_s2") {
      section = Lookups;
      continue;
    }
    if (cols.size() == 5 && cols[0] == "fn_a" && cols[1] == "band_a" && cols[2] == "fn_b" && cols[3] == "band_b" &&
        cols[4] == "sum_ss") {
      section = Pairs;
      continue;
    }
    if (section == Header)
      bad(fmt::format("{}:{}: expected the column line 'fn,d,count,sum_s2' or 'fn_a,band_a,fn_b,band_b,sum_ss'", name,
                      lineno));
    auto fn_of = [&](std::string_view v) {
      if (v != "plus" && v != "minus") bad(fmt::format("{}:{}: fn must be plus or minus, not '{}'", name, lineno, v));
      return v == "plus" ? 0 : 1;
    };
    if (section == Lookups) {
      if (cols.size() != 4)
        bad(fmt::format("{}:{}: expected 4 columns (fn,d,count,sum_s2), found {}", name, lineno, cols.size()));
      const int fn = fn_of(cols[0]);
      long long d = 0, count = 0;
      double s2 = 0;
      if (!parse_number(cols[1], d) || d < fn || d > dlimit(h.w))
        bad(fmt::format("{}:{}: d must be an integer in {}..{} (LSB at w={})", name, lineno, fn, dlimit(h.w), h.w));
      if (!parse_number(cols[2], count) || count < 0)
        bad(fmt::format("{}:{}: count must be a non-negative integer, not '{}'", name, lineno, cols[2]));
      if (!parse_number(cols[3], s2) || s2 < 0)
        bad(fmt::format("{}:{}: sum_s2 must be a non-negative number, not '{}'", name, lineno, cols[3]));
      h.count[fn][d] += count;
      h.sum_s2[fn][d] += s2;
    } else {
      if (cols.size() != 5)
        bad(fmt::format("{}:{}: expected 5 columns (fn_a,band_a,fn_b,band_b,sum_ss), found {}", name, lineno,
                        cols.size()));
      const i64 stride = h.band_stride();
      long long ba = 0, bb = 0;
      double ss = 0;
      const int fa = fn_of(cols[0]), fb = fn_of(cols[2]);
      if (!parse_number(cols[1], ba) || !parse_number(cols[3], bb) || ba < 0 || bb < 0 || ba >= stride || bb >= stride)
        bad(fmt::format("{}:{}: bands must be integers in 0..{} (band width {} at w={})", name, lineno, stride - 1,
                        h.band, h.w));
      if (!parse_number(cols[4], ss)) bad(fmt::format("{}:{}: sum_ss must be a number, not '{}'", name, lineno, cols[4]));
      i64 ka = fa * stride + ba, kb = fb * stride + bb;
      if (ka > kb) std::swap(ka, kb);
      if (ka == kb && ss < 0) bad(fmt::format("{}:{}: sum_ss of a band with itself must be >= 0", name, lineno));
      h.sum_ss[{ka, kb}] += ss;
    }
  }
  if (!have_header) bad(fmt::format("{}: empty d-histogram (no 'logmac-dhist 1 ...' header)", name));
  if (!(h.total_s2() > 0)) bad(fmt::format("{}: the d-histogram has no lookups (sum_s2 all 0)", name));
  return h;
}

DHistogram read_dhistogram(const std::string& path) {
  std::ifstream in(path);
  if (!in) bad(fmt::format("d-histogram {}: cannot read the file", path));
  std::stringstream ss;
  ss << in.rdbuf();
  if (in.bad()) bad(fmt::format("d-histogram {}: read error", path));
  return parse_dhistogram(ss.str(), path);
}

double DotWeights::pair_terms(const std::vector<double>& b) const {
  double t = 0;
  for (int i = 0; i < bands; ++i) {
    if (b[i] == 0) continue;
    const double* row = &g[static_cast<size_t>(i) * bands];
    double r = 0;
    for (int j = 0; j < bands; ++j) r += row[j] * b[j];
    t += b[i] * r;
  }
  return t;
}

DotFamily::DotFamily(std::vector<DotWeights> p) : raw(p), parts(std::move(p)) {
  if (parts.empty()) bad("dot objective: no workload");
  for (int fn = 0; fn < 2; ++fn) v[fn].assign(parts[0].v[fn].size(), 0.0);
  // Each workload's share of the objective: relative to what the correctly rounded table gives on it.
  std::vector<std::int32_t> rom[2];
  for (int fn = 0; fn < 2; ++fn) {
    rom[fn].resize(parts[0].v[fn].size());
    for (size_t d = fn; d < rom[fn].size(); ++d)
      rom[fn][d] = static_cast<std::int32_t>(std::llround(fn ? delta_minus_real(static_cast<long double>(d), parts[0].f)
                                                             : delta_plus_real(static_cast<long double>(d), parts[0].f)));
  }
  for (DotWeights& wt : parts) {
    const double j = predict_dot(wt, rom[0], rom[1]).nrmse;
    const double s = j > 0 ? 1 / (j * j) : 1.0;
    scale.push_back(s);
    for (auto& fv : wt.v)
      for (double& x : fv) x *= s;
    for (double& x : wt.g) x /= s;
    wt.v_total *= s;
  }
  for (const DotWeights& wt : parts) {
    if (wt.w != parts[0].w || wt.f != parts[0].f) bad("dot objective: workloads of different formats");
    offset.push_back(bands);
    bands += wt.bands;
    for (int fn = 0; fn < 2; ++fn)
      for (size_t d = 0; d < v[fn].size(); ++d) v[fn][d] += wt.v[fn][d];
    source += (source.empty() ? "" : "; ") + wt.source;
  }
  g.assign(static_cast<size_t>(bands) * bands, 0.0);
  for (size_t i = 0; i < parts.size(); ++i)
    for (int a = 0; a < parts[i].bands; ++a)
      for (int b = 0; b < parts[i].bands; ++b)
        g[static_cast<size_t>(offset[i] + a) * bands + offset[i] + b] = parts[i].g[static_cast<size_t>(a) * parts[i].bands + b];
}

double DotFamily::pair_terms(const std::vector<double>& b) const {
  double t = 0;
  for (size_t i = 0; i < parts.size(); ++i) {
    const std::vector<double> part(b.begin() + offset[i], b.begin() + offset[i] + parts[i].bands);
    t += parts[i].pair_terms(part);
  }
  return t;
}

DotWeights dot_weights(const DHistogram& h, int w, int f) {
  DotWeights wt;
  wt.w = w;
  wt.f = f;
  wt.coherence = h.coherence();
  wt.dot_products = h.dot_products;
  wt.lookups = h.lookups();
  wt.source = h.source;
  const i64 top = dlimit(w), stride = h.band_stride();
  const double per_dot = 1.0 / static_cast<double>(h.dot_products);
  // The bands that have lookups, numbered compactly; V_a from the histogram's own lookups.
  std::map<i64, int> index;
  std::vector<double> va;
  for (int fn = 0; fn < 2; ++fn)
    for (size_t dh = 0; dh < h.sum_s2[fn].size(); ++dh)
      if (h.sum_s2[fn][dh] > 0) {
        const i64 key = fn * stride + static_cast<i64>(dh) / h.band;
        auto [it, fresh] = index.try_emplace(key, static_cast<int>(va.size()));
        if (fresh) va.push_back(0), wt.band_fn.push_back(fn);
        va[it->second] += h.sum_s2[fn][dh] * per_dot;
      }
  wt.bands = static_cast<int>(va.size());
  wt.g.assign(static_cast<size_t>(wt.bands) * wt.bands, 0.0);
  for (const auto& [key, ss] : h.sum_ss) {
    const auto a = index.find(key.first), b = index.find(key.second);
    if (a == index.end() || b == index.end()) continue;  // a band without lookups has nothing to weigh
    double c = ss * per_dot;
    if (a->second == b->second) c -= va[a->second];  // pairs of distinct lookups only
    const double gab = c / (va[a->second] * va[b->second]);
    wt.g[static_cast<size_t>(a->second) * wt.bands + b->second] = gab;
    wt.g[static_cast<size_t>(b->second) * wt.bands + a->second] = gab;
  }
  for (int fn = 0; fn < 2; ++fn) {
    auto& v = wt.v[fn];
    v.assign(static_cast<size_t>(top + 1), 0.0);
    auto& band = wt.band[fn];
    band.assign(static_cast<size_t>(top + 1), -1);
    const i64 lo = fn;  // minus: d >= 1
    for (size_t dh = 0; dh < h.sum_s2[fn].size(); ++dh) {
      const double s2 = h.sum_s2[fn][dh] * per_dot;
      if (s2 == 0) continue;
      const i64 d = static_cast<i64>(dh);
      i64 a, b;  // target d range [a, b] the lookups at d spread over
      if (f >= h.f) {
        const int up = f - h.f;
        const i64 half = up ? i64{1} << (up - 1) : 0;
        a = (d << up) - half;
        b = (d << up) + (up ? half - 1 : 0);
      } else {
        const int down = h.f - f;
        a = b = (d + (i64{1} << (down - 1))) >> down;
      }
      a = std::clamp(a, lo, top);
      b = std::clamp(b, lo, top);
      const double share = s2 / static_cast<double>(b - a + 1);
      const int idx = index.at(fn * stride + d / h.band);
      for (i64 t = a; t <= b; ++t) {
        v[t] += share;
        band[t] = idx;  // the band of the histogram's d (resampling never splits a band's weight)
      }
    }
    for (double x : v) wt.v_total += x;
  }
  return wt;
}

DotPrediction predict_dot(const DotWeights& wt, const std::vector<std::int32_t>& plus,
                          const std::vector<std::int32_t>& minus) {
  DotPrediction p;
  double sv[2] = {0, 0}, sve[2] = {0, 0}, sve2 = 0, svg2 = 0;
  std::vector<double> bands(static_cast<size_t>(wt.bands), 0.0);
  for (int fn = 0; fn < 2; ++fn) {
    const auto& table = fn ? minus : plus;
    const auto& v = wt.v[fn];
    for (size_t d = fn; d < v.size(); ++d) {
      if (v[d] == 0) continue;
      const long double exact = fn ? delta_minus_real(static_cast<long double>(d), wt.f)
                                   : delta_plus_real(static_cast<long double>(d), wt.f);
      const std::int32_t t = d < table.size() ? table[d] : 0;
      const double e = static_cast<double>(static_cast<long double>(t) - exact);
      const double g = std::expm1(std::ldexp(e, -wt.f) * std::log(2.0));
      sv[fn] += v[d];
      sve[fn] += v[d] * e;
      sve2 += v[d] * e * e;
      svg2 += v[d] * g * g;
      bands[wt.band[fn][d]] += v[d] * g;
    }
  }
  const double total = sv[0] + sv[1];
  if (sv[0] > 0) p.bias_plus = sve[0] / sv[0];
  if (sv[1] > 0) p.bias_minus = sve[1] / sv[1];
  p.diagonal = svg2;
  p.pairs = wt.pair_terms(bands);
  for (double b : bands) p.sum_vg += b;
  if (total > 0) {
    p.bias = (sve[0] + sve[1]) / total;
    p.rms = std::sqrt(sve2 / total);
    p.nrmse = std::sqrt(std::max(0.0, p.diagonal + p.pairs));
  }
  return p;
}

}  // namespace logmac::pwl
