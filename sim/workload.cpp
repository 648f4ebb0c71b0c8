#include "sim/workload.hpp"

#include <fmt/format.h>

namespace logmac {

namespace {
std::uint64_t splitmix(std::uint64_t& x) {
  std::uint64_t z = (x += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}
std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
}  // namespace

Rng::Rng(std::uint64_t seed) {
  for (auto& s : s_) s = splitmix(seed);
}

std::uint64_t Rng::next() {
  const std::uint64_t result = rotl(s_[1] * 5, 7) * 9, t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = rotl(s_[3], 45);
  return result;
}

double Rng::gaussian() {
  if (have_spare_) {
    have_spare_ = false;
    return spare_;
  }
  double u, v, s;
  do {
    u = 2 * uniform() - 1;
    v = 2 * uniform() - 1;
    s = u * u + v * v;
  } while (s >= 1 || s == 0);
  const double k = std::sqrt(-2 * std::log(s) / s);
  spare_ = v * k;
  have_spare_ = true;
  return u * k;
}

namespace {
// count * terms operand pairs, a then b from one stream, both clipped to [lo_a or -1, 1).
template <class GenA, class GenB>
DotWorkload generate(int count, int terms, std::uint64_t seed, double lo_a, GenA gen_a, GenB gen_b) {
  DotWorkload wl;
  wl.count = count;
  wl.terms = terms;
  Rng rng(seed);
  const double top = 1.0 - 0x1.0p-20;
  for (long i = 0; i < static_cast<long>(count) * terms; ++i) {
    wl.a.push_back(std::min(top, std::max(lo_a, gen_a(rng))));
    wl.b.push_back(std::min(top, std::max(-1.0, gen_b(rng))));
  }
  return wl;
}

double weight(Rng& rng) { return 0.25 * rng.gaussian(); }
}  // namespace

DotWorkload make_nn_workload(int count, int terms, std::uint64_t seed) {
  return generate(count, terms, seed, 0.0, [](Rng& rng) { return 0.5 * rng.gaussian(); }, weight);
}

DotWorkload make_heavy_workload(int count, int terms, std::uint64_t seed) {
  const auto laplace = [](Rng& rng) {  // by inversion; u = -0.5 gives -inf, clipped
    const double u = rng.uniform() - 0.5;
    return (u < 0 ? 0.125 : -0.125) * std::log(1 - 2 * std::fabs(u));
  };
  return generate(count, terms, seed, -1.0, laplace, weight);
}

Accuracy measure_accuracy(const MacConfig& c, const DotWorkload& wl) {
  return with_model(c, [&](const auto& m) {
    Accuracy r;
    std::vector<u64> qa(wl.terms), qb(wl.terms);
    double se = 0, sr = 0, sea = 0, worst = 0, worst_a = 0;
    for (int k = 0; k < wl.count; ++k) {
      double ref = 0, qref = 0;
      for (int i = 0; i < wl.terms; ++i) {
        const size_t j = static_cast<size_t>(k) * wl.terms + i;
        qa[i] = m.encode_a(wl.a[j]);
        qb[i] = m.encode_b(wl.b[j]);
        ref += wl.a[j] * wl.b[j];
        qref += m.value_a(qa[i]) * m.value_b(qb[i]);
      }
      const double y = m.value_acc(run_dot(m, qa.data(), qb.data(), wl.terms));
      se += (y - ref) * (y - ref);
      sea += (y - qref) * (y - qref);
      sr += ref * ref;
      worst = std::max(worst, std::fabs(y - ref));
      worst_a = std::max(worst_a, std::fabs(y - qref));
    }
    const double rms_ref = std::sqrt(sr / wl.count);
    r.nrmse = std::sqrt(se / wl.count) / rms_ref;
    r.worst = worst / rms_ref;
    r.arith_nrmse = std::sqrt(sea / wl.count) / rms_ref;
    r.arith_worst = worst_a / rms_ref;
    r.macs = static_cast<long long>(wl.count) * wl.terms;
    return r;
  });
}

std::vector<std::string> default_sweep() {
  std::vector<std::string> specs;
  for (int w : {8, 12, 16}) specs.push_back(fmt::format("fxp:w={}", w));
  for (const char* s : {"pot:w=8", "pot:w=12", "apot:w=8", "log2lin:w=8", "log2lin:w=8,f=1", "lns:w=8", "lns:w=12",
                        "lns:w=16,f=8,delta=pwl:qaa", "lns:w=16,f=8,delta=exact"})
    specs.push_back(s);
  for (int w : {8, 12, 16}) specs.push_back(fmt::format("lns2lin:w={}", w));  // its default wacc is fxp's
  return specs;
}

std::vector<std::string> canonical_set() {
  return {"fxp:w=8", "pot:w=8", "apot:w=8", "log2lin:w=8,f=1", "lns:w=16,f=8,delta=pwl:qaa", "lns2lin:w=12"};
}

}  // namespace logmac
