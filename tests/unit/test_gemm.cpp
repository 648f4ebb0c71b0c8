// The GEMM and the element-wise array operations (sim/gemm.hpp) against the scalar model run one dot
// product at a time (run_dot: CLR with the first product, then accumulate in k order), for every variant
// and the keys that change the arithmetic, every compiled kernel set, several thread counts, odd shapes,
// K = 1, corner codes, saturating and wrapping accumulators, and every product / accumulate pair of small
// formats.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <cstring>
#include <set>
#include <string>
#include <vector>

#include "sim/gemm.hpp"
#include "sim/registry.hpp"
#include "sim/workload.hpp"

using namespace logmac;

namespace {

// A code array in the element type the ArrayMac expects.
struct Codes {
  CodeType type;
  std::vector<unsigned char> bytes;
  Codes(CodeType t, const std::vector<u64>& v) : type(t), bytes(v.size() * code_bytes(t)) {
    for (size_t i = 0; i < v.size(); ++i) set(i, v[i]);
  }
  Codes(CodeType t, size_t n) : type(t), bytes(n * code_bytes(t)) {}
  void set(size_t i, u64 v) { std::memcpy(bytes.data() + i * code_bytes(type), &v, code_bytes(type)); }  // little endian
  u64 get(size_t i) const {
    u64 v = 0;
    std::memcpy(&v, bytes.data() + i * code_bytes(type), code_bytes(type));
    return v;
  }
  void* data() { return bytes.data(); }
  const void* data() const { return bytes.data(); }
};

// The specification: each output is run_dot of row i of A and column j of B.
std::vector<u64> model_gemm(const MacConfig& c, const std::vector<u64>& a, const std::vector<u64>& b, i64 m, i64 n,
                            i64 k) {
  return with_model(c, [&](const auto& model) {
    std::vector<u64> out(static_cast<size_t>(m * n)), col(static_cast<size_t>(k));
    for (i64 j = 0; j < n; ++j) {
      for (i64 t = 0; t < k; ++t) col[t] = b[t * n + j];
      for (i64 i = 0; i < m; ++i) out[i * n + j] = run_dot(model, a.data() + i * k, col.data(), static_cast<int>(k));
    }
    return out;
  });
}

// Codes that stress a format: zero (every zero pattern), the extremes, the smallest magnitudes, and values
// whose sums cancel.
std::vector<u64> corner_codes(const MacConfig& c, bool is_a) {
  const int bits = is_a ? c.wa : c.wb;
  std::vector<u64> v{0, 1, mask(bits), u64{1} << (bits - 1), mask(bits - 1), (u64{1} << (bits - 1)) | 1, 2, mask(bits) - 1};
  with_model(c, [&](const auto& m) {
    for (double x : {0.0, 1.0, -1.0, 1e30, -1e30, 1e-30, -1e-30, 0.5, -0.5, 0.75, -0.375})
      v.push_back(is_a ? m.encode_a(x) : m.encode_b(x));
  });
  if (c.variant == "lns" || c.variant == "lns2lin") {
    const int lw = c.w - 2;
    for (u64 s : {u64{0}, u64{1}}) {
      v.push_back((s << (lw + 1)) | (u64{1} << (lw - 1)));                   // log -2^(w-3): accepted, never produced
      v.push_back((s << (lw + 1)) | (u64{1} << lw) | 5);                      // zero flag with other bits set
      v.push_back((s << (lw + 1)) | (mask(lw) >> 1));                          // log +MAX
      v.push_back((s << (lw + 1)) | ((u64{1} << (lw - 1)) | 1));               // log -MAX
    }
  }
  for (auto& x : v) x &= mask(bits);
  return v;
}

enum class Fill { Uniform, Nn, Corners, ExtremePos, ExtremeNeg, Mixed };

std::vector<u64> make_codes(const MacConfig& c, bool is_a, i64 count, Fill fill, Rng& rng) {
  const int bits = is_a ? c.wa : c.wb;
  const std::vector<u64> corners = corner_codes(c, is_a);
  std::vector<u64> v(static_cast<size_t>(count));
  with_model(c, [&](const auto& m) {
    for (auto& x : v) {
      Fill f = fill;
      if (f == Fill::Mixed) f = static_cast<Fill>(rng.below(4));
      switch (f) {
        case Fill::Uniform: x = rng.below(u64{1} << bits); break;
        case Fill::Nn:
          x = is_a ? m.encode_a(std::max(0.0, 0.5 * rng.gaussian())) : m.encode_b(0.25 * rng.gaussian());
          break;
        case Fill::Corners: x = corners[rng.below(corners.size())]; break;
        case Fill::ExtremePos: x = is_a ? m.encode_a(1e30) : m.encode_b(1e30); break;
        default: x = is_a ? m.encode_a(-1e30) : m.encode_b(-1e30); break;
      }
    }
  });
  return v;
}

std::vector<GemmKernel> kernels_here() {
  std::vector<GemmKernel> ks;
  for (GemmKernel k : {GemmKernel::Avx512, GemmKernel::Avx2, GemmKernel::Portable, GemmKernel::Reference})
    if (gemm_kernel_supported(k)) ks.push_back(k);
  return ks;
}

// Runs A.B through every kernel set at several thread counts; returns the paths seen.
void check_gemm(const MacConfig& c, const std::vector<u64>& a, const std::vector<u64>& b, i64 m, i64 n, i64 k,
                std::set<std::string>& paths, const std::vector<int>& threads = {1, 2, 7}) {
  const ArrayMac am(c);
  const std::vector<u64> want = model_gemm(c, a, b, m, n, k);
  const Codes ca(am.type_a(), a), cb(am.type_b(), b);
  for (GemmKernel kern : kernels_here())
    for (int t : threads) {
      Codes out(am.type_acc(), static_cast<size_t>(m * n));
      const GemmReport rep = am.matmul(ca.data(), cb.data(), out.data(), m, n, k, {t, kern});
      paths.insert(rep.path + std::string(rep.clamped ? "+clamp" : ""));
      long long bad = 0;
      for (i64 i = 0; i < m * n; ++i)
        if (out.get(i) != want[i] && bad++ < 3)
          FAIL_CHECK(fmt::format("{} {}x{}x{} kernel={} threads={} path={}: c[{}, {}] = {:#x}, model {:#x}",
                                 c.canonical(), m, n, k, gemm_kernel_name(kern), t, rep.path, i / n, i % n, out.get(i),
                                 want[i]));
      CHECK(bad == 0);
    }
}

const char* const kSpecs[] = {
    "fxp:w=8", "fxp:w=8,ovf=wrap", "fxp:w=8,wacc=16", "fxp:w=8,wacc=16,ovf=wrap", "fxp:w=16", "fxp:w=24",
    "fxp:w=2", "fxp:w=12,f=3,wacc=40,ovf=wrap", "fxp:w=20,wacc=40",
    "pot:w=8", "pot:w=8,we=4", "pot:w=6,we=1,ovf=wrap", "pot:w=12,we=4,wacc=27", "pot:w=16,we=4,ovf=wrap,wacc=62",
    "apot:w=8", "apot:w=6,we=4", "apot:w=8,we=3,wacc=17", "apot:w=10,we=2,ovf=wrap,wacc=14",
    "log2lin:w=8,f=1", "log2lin:w=8", "log2lin:w=6,signed=0", "log2lin:w=8,f=2,wacc=12,facc=6", "log2lin:w=8,f=1,ovf=wrap,wacc=20",
    "log2lin:w=12,f=3,fsr=-3", "log2lin:w=16,f=1,signed=0,facc=30", "log2lin:w=5,f=3,sqrt2bits=3",
    "lns:w=16,f=8", "lns:w=16,f=8,delta=exact", "lns:w=16,f=8,delta=mitchell", "lns:w=12,f=4,delta=lut:64",
    "lns:w=12,delta=mitchell", "lns:w=8", "lns:w=10,f=2,underflow=flush", "lns:w=16,f=8,underflow=flush",
    "lns:w=4", "lns:w=5,f=0", "lns:w=14,f=6,delta=pwl:qaa", "lns:w=13,f=5,delta=pwl:qaa,underflow=flush",
    "lns:w=20,f=12,delta=lut:256,dmax=64", "lns:w=24,f=8,delta=mitchell",
    "lns2lin:w=12", "lns2lin:w=8", "lns2lin:w=12,wacc=26", "lns2lin:w=12,exp2=mitchell,wacc=20,facc=12",
    "lns2lin:w=16,wacc=42", "lns2lin:w=10,ovf=wrap,wacc=20", "lns2lin:w=10,wacc=12,facc=8", "lns2lin:w=20,wacc=40",
    "lns2lin:w=18,f=8,wacc=50"};

}  // namespace

TEST_SUITE("gemm") {
  TEST_CASE("every variant and key: random shapes, fills, kernels and thread counts equal the scalar model") {
    std::set<std::string> paths;
    std::vector<std::string> specs(std::begin(kSpecs), std::end(kSpecs));
    for (const char* t : {"w=12,f=4,delta=pwl:{}/pwl/tables/lns_w12_f4_k16_p2.csv",
                          "w=16,f=8,delta=pwl:{}/pwl/tables/lns_w16_f8_k8_p2x2.csv"})
      specs.push_back("lns:" + fmt::format(fmt::runtime(t), LOGMAC_SOURCE_DIR));
    Rng rng(8);
    // (m, n, k): K = 1, odd sizes, sizes off every SIMD width and panel, more rows than a block; the last is
    // large enough to run on 7 threads.
    const i64 shapes[][3] = {{1, 1, 1}, {3, 5, 1}, {7, 33, 17}, {5, 70, 29}, {37, 19, 64}, {66, 3, 9}, {70, 100, 80}};
    for (const auto& spec : specs) {
      CAPTURE(spec);
      const MacConfig c = parse_spec(spec);
      for (const auto& s : shapes)
        for (Fill f : {Fill::Uniform, Fill::Nn, Fill::Mixed}) {
          const bool big = s[0] * s[1] * s[2] > 100000;
          if (big && f != Fill::Mixed) continue;
          const auto a = make_codes(c, true, s[0] * s[2], f, rng), b = make_codes(c, false, s[2] * s[1], f, rng);
          check_gemm(c, a, b, s[0], s[1], s[2], paths, big ? std::vector<int>{1, 2, 7} : std::vector<int>{2});
        }
      // Long sums of the largest products: saturation (or wrapping) of the accumulator, K above 2 x 1024.
      for (Fill f : {Fill::ExtremePos, Fill::ExtremeNeg}) {
        const i64 k = 2100;
        const auto a = make_codes(c, true, 3 * k, f, rng), b = make_codes(c, false, k * 21, Fill::ExtremePos, rng);
        check_gemm(c, a, b, 3, 21, k, paths, {2});
      }
      // Every corner against every corner, K = 1 and K = 3.
      const auto ca = corner_codes(c, true), cb = corner_codes(c, false);
      for (i64 kk : {1, 3}) {
        const i64 m = static_cast<i64>(ca.size()), n = static_cast<i64>(cb.size());
        std::vector<u64> a2, b2;
        for (i64 i = 0; i < m * kk; ++i) a2.push_back(ca[(i / kk + i % kk) % ca.size()]);
        for (i64 i = 0; i < kk * n; ++i) b2.push_back(cb[(i % n + i / n) % cb.size()]);
        check_gemm(c, a2, b2, m, n, kk, paths, {1});
      }
    }
    // Every inner path was exercised (with and without the clamp where it exists).
    for (const char* p : {"lns", "lns+clamp", "int32", "int64", "int64+clamp", "table32", "table64", "table64+clamp",
                          "model+clamp"})
      CHECK_MESSAGE(paths.count(p), "path not exercised: ", p);
  }

  TEST_CASE("lns: each half of the product clamp, alone and together, and neither") {
    std::set<std::string> paths;
    Rng rng(21);
    for (const char* spec : {"lns:w=10,f=2", "lns:w=10,f=2,underflow=flush", "lns:w=16,f=8,delta=pwl:qaa"}) {
      const MacConfig c = parse_spec(spec);
      const i64 half = i64{1} << (c.w - 4);  // logs of magnitude up to MAX/2: no product leaves +-MAX
      LnsFormat lf(c.w, c.f);
      auto codes = [&](i64 lo, i64 hi, i64 count) {
        std::vector<u64> v(static_cast<size_t>(count));
        for (auto& x : v) x = lf.make(rng.below(2), lo + static_cast<i64>(rng.below(static_cast<u64>(hi - lo + 1))));
        return v;
      };
      const i64 m = 9, n = 40, k = 50;
      // neither, high only, low only, both
      for (auto [lo, hi] : {std::pair{-half, half}, std::pair{half, lf.max}, std::pair{-lf.max, -half},
                            std::pair{-lf.max, lf.max}})
        check_gemm(c, codes(lo, hi, m * k), codes(lo, hi, k * n), m, n, k, paths, {1});
    }
    CHECK(paths.count("lns"));
    CHECK(paths.count("lns+clamp"));
  }

  TEST_CASE("small formats: every product and every accumulate pair") {
    std::set<std::string> paths;
    for (const std::string spec : {"fxp:w=6", "pot:w=6,we=2", "apot:w=5,we=2", "log2lin:w=6,f=1", "log2lin:w=7,f=2,signed=0",
                             "lns:w=7", "lns:w=8,f=3,underflow=flush", "lns:w=8,f=2,delta=mitchell", "lns2lin:w=7",
                             "lns2lin:w=8,exp2=mitchell,wacc=12,facc=8"}) {
      CAPTURE(spec);
      const MacConfig c = parse_spec(spec);
      // K = 1: C[a, b] = first(product(a, b)) for every code pair.
      const i64 m = i64{1} << c.wa, n = i64{1} << c.wb;
      std::vector<u64> a(m), b(n);
      for (i64 i = 0; i < m; ++i) a[i] = static_cast<u64>(i);
      for (i64 i = 0; i < n; ++i) b[i] = static_cast<u64>(i);
      check_gemm(c, a, b, m, n, 1, paths, {2});
      if (c.variant == "lns") {
        // K = 2 with the code of 1.0: C[x, y] = x (+) y for every pair of accumulator values.
        const u64 one = 0;
        std::vector<u64> a2, b2(2 * n);
        for (i64 i = 0; i < m; ++i) {
          a2.push_back(static_cast<u64>(i));
          a2.push_back(one);
        }
        for (i64 j = 0; j < n; ++j) {
          b2[j] = one;
          b2[n + j] = static_cast<u64>(j);
        }
        check_gemm(c, a2, b2, m, n, 2, paths, {2});
      }
    }
  }

  TEST_CASE("codes out of range are errors naming the operand and element") {
    const ArrayMac am(parse_spec("lns:w=12"));
    std::vector<std::uint16_t> a(6, 0), b(6, 0), c(4);
    a[4] = 0x1000;  // 13 bits
    try {
      am.matmul(a.data(), b.data(), c.data(), 2, 2, 3);
      FAIL("no error");
    } catch (const std::invalid_argument& e) {
      CHECK(std::string(e.what()).find("a[1, 1] = 0x1000") != std::string::npos);
    }
    a[4] = 0;
    b[5] = 0xffff;
    CHECK_THROWS_WITH_AS(am.matmul(a.data(), b.data(), c.data(), 2, 2, 3), doctest::Contains("b[2, 1] = 0xffff"),
                         std::invalid_argument);
    CHECK_THROWS_WITH_AS(am.matmul(a.data(), b.data(), c.data(), 2, 2, 0), doctest::Contains("k=0"), std::invalid_argument);
    std::vector<std::uint8_t> small(6);
    CHECK_THROWS_AS(am.matmul(small.data(), b.data(), c.data(), 2, 2, 3), std::invalid_argument);
    std::vector<std::int16_t> sig(6);
    CHECK_THROWS_AS(am.matmul(sig.data(), b.data(), c.data(), 2, 2, 3), std::invalid_argument);
  }

  TEST_CASE("a bad code in a large threaded GEMM: the first one is reported, nothing else goes wrong") {
    for (const char* spec : {"lns:w=12,f=4", "fxp:w=7", "log2lin:w=6,f=1", "lns2lin:w=20,wacc=40"}) {
      CAPTURE(std::string(spec));
      const ArrayMac am(parse_spec(spec));
      const i64 m = 200, n = 150, k = 120;
      Rng rng(3);
      const MacConfig c = parse_spec(spec);
      Codes a(am.type_a(), make_codes(c, true, m * k, Fill::Nn, rng)), b(am.type_b(), make_codes(c, false, k * n, Fill::Nn, rng));
      Codes out(am.type_acc(), static_cast<size_t>(m * n));
      const u64 too_big = u64{1} << c.wa;  // fits the element type: c.wa < 8 * code bytes for these specs
      b.set(static_cast<size_t>(100 * n + 7), too_big);
      b.set(static_cast<size_t>(90 * n + 149), too_big);
      a.set(static_cast<size_t>(150 * k + 3), too_big);
      const std::string want_a = fmt::format("a[150, 3] = {:#x}", too_big);
      const std::string want_b = fmt::format("b[90, 149] = {:#x}", too_big);
      for (GemmKernel kern : kernels_here())
        CHECK_THROWS_WITH_AS(am.matmul(a.data(), b.data(), out.data(), m, n, k, {7, kern}),
                             doctest::Contains(want_a.c_str()), std::invalid_argument);
      a.set(static_cast<size_t>(150 * k + 3), 0);
      for (GemmKernel kern : kernels_here())
        CHECK_THROWS_WITH_AS(am.matmul(a.data(), b.data(), out.data(), m, n, k, {7, kern}),
                             doctest::Contains(want_b.c_str()), std::invalid_argument);
    }
  }

  TEST_CASE("element-wise product, accumulate and mac equal the model, with scalar operands") {
    Rng rng(11);
    for (const std::string spec : {"lns:w=16,f=8", "lns:w=10,f=2,underflow=flush", "fxp:w=8,wacc=17", "pot:w=8",
                             "apot:w=8,ovf=wrap,wacc=17", "log2lin:w=8,f=1", "lns2lin:w=12,wacc=26", "lns2lin:w=20,wacc=40"}) {
      CAPTURE(spec);
      const MacConfig c = parse_spec(spec);
      const ArrayMac am(c);
      const i64 n = 40000;
      const auto a = make_codes(c, true, n, Fill::Mixed, rng), b = make_codes(c, false, n, Fill::Mixed, rng);
      with_model(c, [&](const auto& model) {
        std::vector<u64> acc(n);
        for (i64 i = 0; i < n; ++i)
          acc[i] = model.first(model.product(make_codes(c, true, 1, Fill::Mixed, rng)[0], make_codes(c, false, 1, Fill::Mixed, rng)[0]));
        const Codes ca(am.type_a(), a), cb(am.type_b(), b), cacc(am.type_acc(), acc);
        Codes p(am.type_acc(), n), s(am.type_acc(), n), f(am.type_acc(), n), sc(am.type_acc(), n);
        am.product(ca.data(), 1, cb.data(), 1, p.data(), n, 3);
        am.accumulate(cacc.data(), 1, p.data(), 1, s.data(), n, 2);
        am.mac(cacc.data(), 1, ca.data(), 1, cb.data(), 1, f.data(), n, 2);
        am.mac(cacc.data(), 1, ca.data(), 0, cb.data(), 1, sc.data(), n, 1);  // a scalar: a[0] for every element
        long long bad = 0;
        for (i64 i = 0; i < n; ++i) {
          const auto prod = model.product(a[i], b[i]);
          const u64 want_p = model.first(prod), want_s = model.accumulate(acc[i], prod);
          const u64 want_sc = model.accumulate(acc[i], model.product(a[0], b[i]));
          if ((p.get(i) != want_p || s.get(i) != want_s || f.get(i) != want_s || sc.get(i) != want_sc) && bad++ < 3)
            FAIL_CHECK(fmt::format("i={} a={:#x} b={:#x} acc={:#x}: product {:#x}/{:#x} accumulate {:#x}/{:#x} mac "
                                   "{:#x} scalar {:#x}/{:#x}",
                                   i, a[i], b[i], acc[i], p.get(i), want_p, s.get(i), want_s, f.get(i), sc.get(i), want_sc));
        }
        CHECK(bad == 0);
      });
    }
  }

  TEST_CASE("encode and decode equal the model on every code and on random values") {
    Rng rng(5);
    for (const std::string spec : {"fxp:w=12", "pot:w=8,we=4", "apot:w=8", "log2lin:w=12,f=2", "lns:w=12", "lns2lin:w=12",
                             "lns:w=16,f=8"}) {
      CAPTURE(spec);
      const MacConfig c = parse_spec(spec);
      const ArrayMac am(c);
      with_model(c, [&](const auto& model) {
        for (auto which : {ArrayMac::Operand::A, ArrayMac::Operand::B, ArrayMac::Operand::Acc}) {
          const int bits = am.bits(which);
          const i64 n = i64{1} << std::min(bits, 16);
          std::vector<u64> codes(n);
          for (i64 i = 0; i < n; ++i) codes[i] = bits <= 16 ? static_cast<u64>(i) : rng.below(u64{1} << bits);
          const Codes cc(am.type(which), codes);
          std::vector<double> x(n);
          am.decode(which, cc.data(), x.data(), n, 2);
          long long bad = 0;
          for (i64 i = 0; i < n; ++i) {
            const double want = which == ArrayMac::Operand::A   ? model.value_a(codes[i])
                                : which == ArrayMac::Operand::B ? model.value_b(codes[i])
                                                                : model.value_acc(codes[i]);
            if (std::memcmp(&x[i], &want, sizeof want) && bad++ < 3)
              FAIL_CHECK(fmt::format("decode {:#x}: {} vs {}", codes[i], x[i], want));
          }
          CHECK(bad == 0);
          if (which == ArrayMac::Operand::Acc) continue;
          // encode: the decoded values of every code, their midpoints' neighbours, random and special values
          std::vector<double> v = x;
          for (int i = 0; i < 20000; ++i) v.push_back((rng.uniform() - 0.5) * std::ldexp(1.0, static_cast<int>(rng.below(80)) - 40));
          for (double s : {0.0, -0.0, 1e300, -1e300, 1e-300, std::numeric_limits<double>::infinity(),
                           -std::numeric_limits<double>::infinity()})
            v.push_back(s);
          Codes enc(am.type(which), v.size());
          am.encode(which, v.data(), enc.data(), static_cast<i64>(v.size()), 2);
          bad = 0;
          for (size_t i = 0; i < v.size(); ++i) {
            const u64 want = which == ArrayMac::Operand::A ? model.encode_a(v[i]) : model.encode_b(v[i]);
            if (enc.get(i) != want && bad++ < 3) FAIL_CHECK(fmt::format("encode {}: {:#x} vs {:#x}", v[i], enc.get(i), want));
          }
          CHECK(bad == 0);
          // NaN has no code: an error naming the element, nothing written.
          v[7] = std::numeric_limits<double>::quiet_NaN();
          CHECK_THROWS_WITH_AS(am.encode(which, v.data(), enc.data(), static_cast<i64>(v.size()), 2),
                               doctest::Contains("x[7] is NaN"), std::invalid_argument);
        }
      });
    }
  }
}
