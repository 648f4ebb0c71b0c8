// The GEMM driver: checks the codes, decodes A and B once into the kernels' lane form (packing B into
// panels), runs the tiles on threads, and encodes the lane results back into accumulator codes.
//
// How each variant maps onto a kernel (every table is derived from the model, in ArrayMac::Impl's setup):
//   lns            log and sign lanes; x (+) y from one table: [delta+ | delta-] (the model's flattened tables)
//   fxp/pot/apot   products of integers: sext(a) * sext(b) (fxp), sext(a) * weight(b) (pot/apot: the weight
//                  integer is the model's product with a = 1, i.e. the exact sum of shifts)
//   log2lin/lns2lin  the product depends only on the sum of the operands' log indices and on the signs: a
//                  table of model.product() over that sum (and its negative half), read with a gather
//   otherwise      (lns2lin with w > 18: table too large) the model itself, lanes over columns
// Linear accumulators skip the per-step clamp when K * max|product| cannot leave the range (saturation can
// then never happen, so the result is the plain sum), and use 32-bit lanes when that sum fits, or when the
// accumulator wraps and has at most 32 bits (a sum modulo 2^32 is a sum modulo 2^wacc).
#include "sim/gemm.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <exception>
#include <limits>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#include "sim/gemm_internal.hpp"
#include "sim/registry.hpp"
#include "sim/workload.hpp"

namespace logmac {

using namespace gemm_detail;

CodeType code_type(int bits) {
  if (bits <= 8) return CodeType::U8;
  if (bits <= 16) return CodeType::U16;
  if (bits <= 32) return CodeType::U32;
  return CodeType::U64;
}

const char* code_type_name(CodeType t) {
  switch (t) {
    case CodeType::U8: return "uint8";
    case CodeType::U16: return "uint16";
    case CodeType::U32: return "uint32";
    case CodeType::U64: return "uint64";
  }
  return "?";
}

const char* gemm_kernel_name(GemmKernel k) {
  switch (k) {
    case GemmKernel::Auto: return "auto";
    case GemmKernel::Avx512: return "avx512";
    case GemmKernel::Avx2: return "avx2";
    case GemmKernel::Portable: return "portable";
    case GemmKernel::Reference: return "reference";
  }
  return "?";
}

bool gemm_kernel_supported(GemmKernel k) {
  switch (k) {
    case GemmKernel::Auto:
    case GemmKernel::Portable:
    case GemmKernel::Reference: return true;
#if defined(__x86_64__) && defined(__GNUC__)
    case GemmKernel::Avx512:
      return kKernelsAvx512.lns && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
             __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq");
    case GemmKernel::Avx2: return kKernelsAvx2.lns && __builtin_cpu_supports("avx2");
#else
    case GemmKernel::Avx512:
    case GemmKernel::Avx2: return false;
#endif
  }
  return false;
}

GemmKernel gemm_kernel_best() {
  for (GemmKernel k : {GemmKernel::Avx512, GemmKernel::Avx2})
    if (gemm_kernel_supported(k)) return k;
  return GemmKernel::Portable;
}

namespace {

// Calls f(T{}) with the unsigned integer type of t.
template <class F>
decltype(auto) with_code_type(CodeType t, F&& f) {
  switch (t) {
    case CodeType::U8: return f(std::uint8_t{});
    case CodeType::U16: return f(std::uint16_t{});
    case CodeType::U32: return f(std::uint32_t{});
    case CodeType::U64: break;
  }
  return f(std::uint64_t{});
}

int resolve_threads(int threads) {
  if (threads > 0) return threads;
  const unsigned h = std::thread::hardware_concurrency();
  return h ? static_cast<int>(h) : 1;
}

// Threads worth using for `work` units of cost: a thread below ~64k MACs costs more to start than it saves.
int threads_for(int threads, double work) {
  const double per_thread = 65536;
  return static_cast<int>(std::max(1.0, std::min<double>(resolve_threads(threads), work / per_thread)));
}

const KernelSet& kernel_set(GemmKernel k) {
  switch (k) {
    case GemmKernel::Avx512: return kKernelsAvx512;
    case GemmKernel::Avx2: return kKernelsAvx2;
    default: return kKernelsPortable;
  }
}

enum class Kind { Lns, Int, Table, Model };

// How an operand code becomes the index of a product table (log2lin, lns2lin).
struct TableOperand {
  int zero_bit = -1;    // lns2lin: the zero flag; log2lin: -1 (zero is code field 0)
  int sign_bit = -1;    // -1: unsigned
  int field_bits = 0;   // log2lin: code field bits; lns2lin: log bits
  i64 offset = 0;       // index = field value + offset (lns2lin: log + 2^(w-3); log2lin: code - 1)
};

struct Stats {  // of the decoded operands: lns nonzero logs, int |values|
  i64 lo = std::numeric_limits<i64>::max(), hi = std::numeric_limits<i64>::min();
  i64 bad = -1;
  void add(i64 v) {
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  void merge(const Stats& o) {
    lo = std::min(lo, o.lo);
    hi = std::max(hi, o.hi);
    if (o.bad >= 0 && (bad < 0 || o.bad < bad)) bad = o.bad;
  }
  bool empty() const { return lo > hi; }
  i64 maxabs() const { return empty() ? 0 : std::max(std::abs(lo), std::abs(hi)); }
};

template <class M>
double value_of(const M& model, ArrayMac::Operand which, u64 code) {
  return which == ArrayMac::Operand::A ? model.value_a(code)
         : which == ArrayMac::Operand::B ? model.value_b(code)
                                         : model.value_acc(code);
}

}  // namespace

struct ArrayMac::Impl {
  MacConfig cfg;
  AnyModel model;
  Kind kind = Kind::Model;
  CodeType ta, tb, tacc;
  bool sat = true;  // linear accumulators: ovf=sat
  i64 lo = 0, hi = 0;

  // lns
  LnsFormat lf{4, 0};
  std::vector<std::int32_t> lns_table;
  std::int32_t lns_ds = 0, lns_soff = 0;
  bool lns_flush = false;
  // int: weight integer of each B code (pot, apot); empty for fxp (sext)
  std::vector<std::int64_t> b_int;
  // table
  TableOperand top;
  std::vector<std::int64_t> t64;
  std::vector<std::int32_t> t32;
  std::int32_t zidx = 0, tsoff = 0;

  explicit Impl(const MacConfig& c) : cfg(c), model(make_model(cfg)) {
    ta = code_type(cfg.wa);
    tb = code_type(cfg.wb);
    tacc = code_type(cfg.wacc);
    sat = cfg.ovf != kWrap;
    lo = smin(cfg.wacc);
    hi = smax(cfg.wacc);
    std::visit([&](const auto& m) { setup(m); }, model);
  }

  // ---- the one place that reads the models' tables: LnsMac's flattened delta tables ----
  void setup(const LnsMac& m) {
    kind = Kind::Lns;
    lf = m.lf;
    lns_flush = m.flush;
    // |X - Y| <= 2 MAX for every pair the accumulator sees (products and sums saturate at +-MAX).
    // At least one entry, so that d = 0 with opposite signs reads the cancellation.
    const i64 dsize = std::min<i64>(m.dsize, m.lf.max_d() + 1);
    lns_ds = static_cast<std::int32_t>(std::max<i64>(dsize, 1));
    lns_soff = 1;
    while (lns_soff <= lns_ds) lns_soff *= 2;
    lns_table.assign(2 * static_cast<size_t>(lns_soff), 0);
    for (std::int32_t d = 0; d < dsize; ++d) {
      lns_table[d] = m.plus[d];
      lns_table[lns_soff + d] = m.minus[d];
    }
    lns_table[lns_soff] = kLnsCancel;  // the model returns zero before it would read minus[0]
  }

  void setup(const FxpMac&) { kind = Kind::Int; }

  // A variant without a fast path of its own (a new one): the scalar model computes every output.
  template <class Model>
  void setup(const Model&) {}

  template <int Terms>
  void setup(const ShiftWeightMac<Terms>& m) {
    kind = Kind::Int;
    // product(a, b) = sext(a) * weight(b) exactly (each term is a shift of a); weight(b) = product(1, b).
    b_int.resize(size_t{1} << cfg.wb);
    for (u64 b = 0; b < b_int.size(); ++b) b_int[b] = m.product(1, b);
  }

  void setup(const Log2LinMac& m) {
    top.sign_bit = m.is_signed ? m.m : -1;
    top.field_bits = m.m;
    top.offset = -1;
    // index of code field c >= 1 is c - 1; a pair of index sum i: (min(i, cmax-1) + 1, the rest + 1).
    build_table(m.cmax, [&](i64 ia, i64 ib, bool neg) {
      return m.product(static_cast<u64>(ia + 1) | (neg ? u64{1} << m.m : 0), static_cast<u64>(ib + 1));
    });
  }

  void setup(const Lns2LinMac& m) {
    top.zero_bit = m.lf.lw;
    top.sign_bit = m.lf.lw + 1;
    top.field_bits = m.lf.lw;
    top.offset = i64{1} << (m.lf.lw - 1);  // logs from -2^(w-3)
    if (m.lf.lw > 16) return;              // table of 2^(w-1) sums: too large; the model runs
    build_table(i64{1} << m.lf.lw, [&](i64 ia, i64 ib, bool neg) {
      return m.product(m.lf.make(neg, ia - top.offset), m.lf.make(false, ib - top.offset));
    });
  }

  // Product table over index sums 0 .. 2(n-1) of two operands with n index values each; sums >= zidx mean
  // a zero operand (product 0). [tsoff, 2 tsoff) holds the products with the A operand negated.
  template <class P>
  void build_table(i64 n, P&& product) {
    kind = Kind::Table;
    zidx = static_cast<std::int32_t>(2 * n - 1);
    tsoff = 1;
    while (tsoff <= zidx) tsoff *= 2;
    t64.assign(2 * static_cast<size_t>(tsoff), 0);
    for (i64 i = 0; i < zidx; ++i) {
      const i64 ia = std::min(i, n - 1), ib = i - ia;
      t64[i] = product(ia, ib, false);
      t64[tsoff + i] = top.sign_bit >= 0 ? product(ia, ib, true) : 0;
    }
    t32.resize(t64.size());
    for (size_t i = 0; i < t64.size(); ++i) t32[i] = static_cast<std::int32_t>(static_cast<std::uint32_t>(t64[i]));
  }

  // ---- decoding an operand into lanes ----
  // lns: (log, sign) with sign 0 / soff; zero -> kLnsZero
  std::int32_t lns_log(u64 x) const { return lf.is_zero(x) ? kLnsZero : static_cast<std::int32_t>(lf.log(x)); }
  std::int32_t lns_sign(u64 x) const { return !lf.is_zero(x) && lf.sign(x) ? lns_soff : 0; }
  // table: (index, sign) with sign 0 / tsoff; zero -> (zidx, 0)
  void table_lanes(u64 x, std::int32_t& idx, std::int32_t& sign) const {
    bool zero;
    if (top.zero_bit >= 0) {  // lns2lin: zero flag, two's-complement log
      zero = (x >> top.zero_bit) & 1;
      idx = static_cast<std::int32_t>(sext(x, top.field_bits) + top.offset);
    } else {  // log2lin: code field, 0 is zero
      const u64 field = x & mask(top.field_bits);
      zero = field == 0;
      idx = static_cast<std::int32_t>(static_cast<i64>(field) + top.offset);
    }
    sign = !zero && top.sign_bit >= 0 && ((x >> top.sign_bit) & 1) ? tsoff : 0;
    if (zero) idx = zidx;
  }
  // Decoded value of every code of an operand of at most 16 bits (built on first use, then shared).
  mutable std::once_flag decode_once[3];
  mutable std::vector<double> decode_values[3];
  const std::vector<double>* decode_table(Operand which) const {
    const int w = static_cast<int>(which);
    const int bits = which == Operand::A ? cfg.wa : which == Operand::B ? cfg.wb : cfg.wacc;
    if (bits > 16) return nullptr;
    std::call_once(decode_once[w], [&] {
      std::vector<double> v(size_t{1} << bits);
      std::visit([&](const auto& m) {
        for (size_t i = 0; i < v.size(); ++i) v[i] = value_of(m, which, i);
      }, model);
      decode_values[w] = std::move(v);
    });
    return &decode_values[w];
  }

  i64 int_a(u64 a) const { return sext(a, cfg.wa); }
  i64 int_b(u64 b) const { return b_int.empty() ? sext(b, cfg.wb) : b_int[b]; }

  // Packs `count` codes q[i] of operand A (IsA) or B into lane values: out0[i * step] (log, integer or index)
  // and, for lns and table, out1[i * step] (sign). Adds the values the plan needs to `st`. Returns the index
  // of the first code with bits above the operand's width (packing stops there), or -1.
  template <Kind K, bool IsA, class T>
  i64 pack(const T* q, i64 count, std::int32_t* out0, std::int32_t* out1, i64 step, Stats& st) const {
    const int bits = IsA ? cfg.wa : cfg.wb;
    const T lim = static_cast<T>(mask(std::min<int>(bits, 8 * sizeof(T))));
    for (i64 i = 0; i < count; ++i) {
      const T x = q[i];
      if (x > lim) return i;
      if constexpr (K == Kind::Lns) {
        const bool zero = lf.is_zero(x);
        const auto log = static_cast<std::int32_t>(lf.log(x));
        out0[i * step] = zero ? kLnsZero : log;
        out1[i * step] = !zero && lf.sign(x) ? lns_soff : 0;
        if (!zero) st.add(log);
      } else if constexpr (K == Kind::Int) {
        const i64 v = IsA ? int_a(x) : int_b(x);
        out0[i * step] = static_cast<std::int32_t>(v);
        st.add(v);
      } else {
        std::int32_t idx, sign;
        table_lanes(x, idx, sign);
        out0[i * step] = idx;
        out1[i * step] = sign;
        if (idx != zidx) st.add(idx);
      }
    }
    return -1;
  }
};

namespace {

// First index whose code has bits above `bits`, or -1.
i64 first_bad(const void* p, CodeType t, int bits, i64 begin, i64 end) {
  if (bits >= 64) return -1;
  return with_code_type(t, [&](auto tag) -> i64 {
    using T = decltype(tag);
    if (bits >= static_cast<int>(8 * sizeof(T))) return -1;
    const T* q = static_cast<const T*>(p);
    const T lim = static_cast<T>(mask(bits));
    for (i64 i = begin; i < end; ++i)
      if (q[i] > lim) return i;
    return -1;
  });
}

template <class T>
void store_code(void* p, i64 i, u64 v) {
  static_cast<T*>(p)[i] = static_cast<T>(v);
}

}  // namespace

ArrayMac::ArrayMac(const MacConfig& c) : impl_(std::make_unique<Impl>(c)) {}
ArrayMac::~ArrayMac() = default;
ArrayMac::ArrayMac(ArrayMac&&) noexcept = default;
ArrayMac& ArrayMac::operator=(ArrayMac&&) noexcept = default;

const MacConfig& ArrayMac::config() const { return impl_->cfg; }
CodeType ArrayMac::type_a() const { return impl_->ta; }
CodeType ArrayMac::type_b() const { return impl_->tb; }
CodeType ArrayMac::type_acc() const { return impl_->tacc; }

int ArrayMac::bits(Operand which) const {
  return which == Operand::A ? impl_->cfg.wa : which == Operand::B ? impl_->cfg.wb : impl_->cfg.wacc;
}
CodeType ArrayMac::type(Operand which) const { return code_type(bits(which)); }

void ArrayMac::check_types(std::size_t a, std::size_t b, std::size_t c, bool all_unsigned) const {
  auto bad = [](const char* what, std::size_t got, CodeType want) {
    return fmt::format("{}: elements of {} bytes, but the codes are {} ({} bytes)", what, got, code_type_name(want),
                       code_bytes(want));
  };
  if (!all_unsigned) throw std::invalid_argument("matmul: code arrays must have an unsigned integer element type");
  if (a != static_cast<std::size_t>(code_bytes(type_a()))) throw std::invalid_argument(bad("a", a, type_a()));
  if (b != static_cast<std::size_t>(code_bytes(type_b()))) throw std::invalid_argument(bad("b", b, type_b()));
  if (c != static_cast<std::size_t>(code_bytes(type_acc()))) throw std::invalid_argument(bad("c", c, type_acc()));
}

i64 ArrayMac::find_bad_code(Operand which, const void* codes, i64 n) const {
  return first_bad(codes, type(which), bits(which), 0, n);
}

// ---------------------------------------------------------------------------------------------------------
// GEMM

namespace {


std::string bad_code_message(const char* name, i64 index, i64 cols, u64 value, int bits, const MacConfig& c) {
  return fmt::format("{}[{}, {}] = {:#x} is not a code of {} (at most {} bits)", name, index / cols, index % cols,
                     value, c.canonical(), bits);
}

u64 code_at(const void* p, CodeType t, i64 i) {
  return with_code_type(t, [&](auto tag) -> u64 { return static_cast<const decltype(tag)*>(p)[i]; });
}

}  // namespace

namespace {

// Calls f(std::integral_constant<Kind, kind>{}): the packing loops are compiled once per kind.
template <class F>
void with_kind(Kind kind, F&& f) {
  switch (kind) {
    case Kind::Lns: return f(std::integral_constant<Kind, Kind::Lns>{});
    case Kind::Int: return f(std::integral_constant<Kind, Kind::Int>{});
    case Kind::Table: return f(std::integral_constant<Kind, Kind::Table>{});
    case Kind::Model: break;
  }
}


// Runs phase1(item, worker) for items [0, n1), then, on one thread, n2 = between(), then phase2(item, worker)
// for items [0, n2), on one team of up to `threads` threads (the caller is worker 0; one start-up for the
// whole call). Phase 2 waits for the phase-1 items to be finished, not for every thread to arrive, so a
// thread the OS has not scheduled yet delays nothing. The first exception stops the work and is rethrown
// after every thread has stopped.
template <class P1, class Mid, class P2>
void two_phases(int threads, i64 n1, P1&& phase1, Mid&& between, P2&& phase2) {
  if (threads <= 1) {
    for (i64 i = 0; i < n1; ++i) phase1(i, 0);
    const i64 n2 = between();
    for (i64 i = 0; i < n2; ++i) phase2(i, 0);
    return;
  }
  std::atomic<i64> next1{0}, done1{0}, next2{0};
  std::atomic<int> planned{0};  // 0: not yet, 1: being made, 2: made
  std::atomic<bool> stop{false};
  i64 n2 = 0;
  std::exception_ptr error;
  std::mutex mu;
  auto fail = [&]() {
    {
      std::lock_guard<std::mutex> lock(mu);
      if (!error) error = std::current_exception();
    }
    stop.store(true);
    done1.fetch_add(n1 + 1);  // wakes the threads waiting for phase 1
    done1.notify_all();
  };
  auto work = [&](int worker) {
    for (i64 i; !stop.load(std::memory_order_relaxed) && (i = next1.fetch_add(1)) < n1;) {
      try {
        phase1(i, worker);
      } catch (...) {
        fail();
      }
      if (done1.fetch_add(1) + 1 == n1) done1.notify_all();
    }
    for (i64 d; (d = done1.load()) < n1 && !stop.load();) done1.wait(d);
    int expected = 0;
    if (planned.compare_exchange_strong(expected, 1)) {
      if (!stop.load()) try {
          n2 = between();
        } catch (...) {
          fail();
        }
      planned.store(2);
      planned.notify_all();
    } else {
      while (planned.load() != 2) planned.wait(1);
    }
    for (i64 i; !stop.load(std::memory_order_relaxed) && (i = next2.fetch_add(1)) < n2;) try {
        phase2(i, worker);
      } catch (...) {
        fail();
      }
  };
  std::vector<std::thread> pool;
  pool.reserve(threads - 1);
  for (int w = 1; w < threads; ++w) {
    try {
      pool.emplace_back(work, w);
    } catch (const std::system_error&) {  // no more threads available: the ones we have do the work
      break;
    }
  }
  work(0);
  for (auto& t : pool) t.join();
  if (error) std::rethrow_exception(error);
}

// Runs f(item, worker) for every item in [0, n) on up to `threads` threads, items handed out in order.
template <class F>
void parallel_items(int threads, i64 n, F&& f) {
  two_phases(static_cast<int>(std::min<i64>(threads, n)), n, f, [] { return i64{0}; }, [](i64, int) {});
}

}  // namespace

GemmReport ArrayMac::matmul(const void* a, const void* b, void* c, i64 m, i64 n, i64 k, const GemmOptions& opt) const {
  const Impl& im = *impl_;
  if (k < 1) throw std::invalid_argument(fmt::format("matmul: the inner dimension k={} must be at least 1", k));
  if (m < 0 || n < 0) throw std::invalid_argument(fmt::format("matmul: bad shape m={} n={}", m, n));
  if (opt.threads < 0) throw std::invalid_argument(fmt::format("matmul: threads={} must be >= 0", opt.threads));
  GemmKernel kernel = opt.kernel == GemmKernel::Auto ? gemm_kernel_best() : opt.kernel;
  if (!gemm_kernel_supported(kernel))
    throw std::invalid_argument(fmt::format("matmul: kernel {} is not supported on this CPU", gemm_kernel_name(kernel)));
  GemmReport rep;
  rep.kernel = kernel;
  if (m == 0 || n == 0) return rep;
  const int threads = threads_for(opt.threads, static_cast<double>(m) * n * k);
  rep.threads = threads;
  auto bad_a = [&](i64 i) {
    return std::invalid_argument(bad_code_message("a", i, k, code_at(a, im.ta, i), im.cfg.wa, im.cfg));
  };
  auto bad_b = [&](i64 i) {
    return std::invalid_argument(bad_code_message("b", i, n, code_at(b, im.tb, i), im.cfg.wb, im.cfg));
  };

  // The reference path and the model path: the scalar model on the codes.
  if (kernel == GemmKernel::Reference || im.kind == Kind::Model) {
    rep.path = "model";
    rep.clamped = true;
    const i64 chunk = 1 << 16, ca = (m * k + chunk - 1) / chunk, cb = (k * n + chunk - 1) / chunk;
    std::vector<i64> bad(static_cast<size_t>(ca + cb), -1);
    parallel_items(threads, ca + cb, [&](i64 item, int) {
      const bool is_a = item < ca;
      const i64 begin = (is_a ? item : item - ca) * chunk;
      bad[item] = is_a ? first_bad(a, im.ta, im.cfg.wa, begin, std::min(begin + chunk, m * k))
                       : first_bad(b, im.tb, im.cfg.wb, begin, std::min(begin + chunk, k * n));
    });
    for (i64 i = 0; i < ca + cb; ++i)
      if (bad[i] >= 0) throw i < ca ? bad_a(bad[i]) : bad_b(bad[i]);
    std::visit(
        [&](const auto& model) {
          const i64 block = 64;
          const i64 col_blocks = (n + block - 1) / block;
          parallel_items(threads, m * col_blocks, [&](i64 item, int) {
            const i64 row = item / col_blocks, n0 = item % col_blocks * block, nn = std::min(block, n - n0);
            u64 acc[64];
            u64 col[64];
            if (kernel == GemmKernel::Reference) {
              // One dot product at a time, exactly as the scalar model runs a stream (run_dot).
              std::vector<u64> ak(k), bk(k);
              for (i64 t = 0; t < k; ++t) ak[t] = code_at(a, im.ta, row * k + t);
              for (i64 j = 0; j < nn; ++j) {
                for (i64 t = 0; t < k; ++t) bk[t] = code_at(b, im.tb, t * n + n0 + j);
                acc[j] = run_dot(model, ak.data(), bk.data(), static_cast<int>(k));
              }
            } else {
              for (i64 t = 0; t < k; ++t) {
                const u64 av = code_at(a, im.ta, row * k + t);
                for (i64 j = 0; j < nn; ++j) col[j] = code_at(b, im.tb, t * n + n0 + j);
                for (i64 j = 0; j < nn; ++j) {
                  const auto p = model.product(av, col[j]);
                  acc[j] = t == 0 ? model.first(p) : model.accumulate(acc[j], p);
                }
              }
            }
            with_code_type(im.tacc, [&](auto tag) {
              for (i64 j = 0; j < nn; ++j) store_code<decltype(tag)>(c, row * n + n0 + j, acc[j]);
            });
          });
        },
        im.model);
    return rep;
  }

  const KernelSet& ks = kernel_set(kernel);
  const i64 panel = ks.panel;
  const i64 panels = (n + panel - 1) / panel;
  const int per_k = im.kind == Kind::Int ? 1 : 2;  // packed int32 values per operand element
  const i64 a_stride = per_k * k;
  // Every element is written by the packing (no zero-fill).
  const auto a_buf = std::make_unique_for_overwrite<std::int32_t[]>(static_cast<size_t>(m * a_stride));
  const auto b_buf = std::make_unique_for_overwrite<std::int32_t[]>(static_cast<size_t>(panels * panel * k * per_k));

  // Phase 1, per row of A and per panel of B: check the codes, pack them as lane values, and gather the
  // ranges the plan needs (lns: nonzero logs; int: values; table: nonzero indices).
  std::vector<Stats> stat_a(threads), stat_b(threads);
  auto pack = [&](i64 item, int worker) {
    with_kind(im.kind, [&](auto kind) {
      constexpr Kind K = decltype(kind)::value;
      if (item < m) {
        Stats& st = stat_a[worker];
        with_code_type(im.ta, [&](auto tag) {
          const auto* q = static_cast<const decltype(tag)*>(a) + item * k;
          std::int32_t* out = a_buf.get() + item * a_stride;
          const i64 bad = im.template pack<K, true>(q, k, out, out + 1, per_k, st);
          if (bad >= 0 && (st.bad < 0 || item * k + bad < st.bad)) st.bad = item * k + bad;
        });
        return;
      }
      const i64 pj = item - m, n0 = pj * panel, nn = std::min(panel, n - n0);
      Stats& st = stat_b[worker];
      const std::int32_t pad = K == Kind::Lns ? kLnsZero : K == Kind::Table ? im.zidx : 0;
      with_code_type(im.tb, [&](auto tag) {
        std::int32_t* out = b_buf.get() + pj * k * per_k * panel;
        for (i64 t = 0; t < k; ++t) {
          const auto* q = static_cast<const decltype(tag)*>(b) + t * n + n0;
          std::int32_t* o = out + t * per_k * panel;
          const i64 bad = im.template pack<K, false>(q, nn, o, o + panel, 1, st);
          if (bad >= 0) {
            if (st.bad < 0 || t * n + n0 + bad < st.bad) st.bad = t * n + n0 + bad;
            return;
          }
          for (i64 j = nn; j < panel; ++j) {  // padding columns: zero codes
            o[j] = pad;
            if (per_k == 2) o[panel + j] = 0;
          }
        }
      });
    });
  };

  // Between the phases: the plan (clamps, lane width) from the ranges.
  LnsArgs lns{};
  LinArgs lin{};
  bool lanes64 = false;
  const i64 block_rows = 32;
  const i64 row_blocks = (m + block_rows - 1) / block_rows;
  auto plan = [&]() -> i64 {
    Stats sa, sb;
    for (const auto& s : stat_a) sa.merge(s);
    for (const auto& s : stat_b) sb.merge(s);
    if (sa.bad >= 0) throw bad_a(sa.bad);
    if (sb.bad >= 0) throw bad_b(sb.bad);
    if (im.kind == Kind::Lns) {
      lns.table = im.lns_table.data();
      lns.ds = im.lns_ds;
      lns.soff = im.lns_soff;
      lns.max = static_cast<std::int32_t>(im.lf.max);
      lns.flush = im.lns_flush;
      const bool products = !sa.empty() && !sb.empty();
      lns.clamp_high = products && sa.hi + sb.hi > im.lf.max;
      lns.clamp_low = products && sa.lo + sb.lo < -im.lf.max;
      rep.path = "lns";
      rep.clamped = lns.clamp_high || lns.clamp_low;
      return row_blocks * panels;
    }
    // Largest |partial sum|: K * max|product|, in long double (no overflow for any width).
    long double maxp = 0;
    if (im.kind == Kind::Int) {
      maxp = static_cast<long double>(sa.maxabs()) * static_cast<long double>(sb.maxabs());
    } else if (!sa.empty() && !sb.empty()) {
      // The products this A and B can form: index sums between the smallest and the largest.
      i64 tmax = 0;
      for (i64 i = sa.lo + sb.lo; i <= sa.hi + sb.hi; ++i)
        tmax = std::max({tmax, std::abs(im.t64[i]), std::abs(im.t64[im.tsoff + i])});
      maxp = static_cast<long double>(tmax);
    }
    const long double bound = maxp * static_cast<long double>(k);
    lin.clamp = im.sat && bound > static_cast<long double>(im.hi);
    lin.lo = im.lo;
    lin.hi = im.hi;
    lin.zidx = im.zidx;
    const bool fits32 =
        !lin.clamp && (im.sat ? bound <= static_cast<long double>(std::numeric_limits<std::int32_t>::max())
                              : im.cfg.wacc <= 32);
    lanes64 = !fits32;
    if (im.kind == Kind::Table) lin.table = lanes64 ? static_cast<const void*>(im.t64.data()) : im.t32.data();
    rep.path = im.kind == Kind::Int ? (lanes64 ? "int64" : "int32") : (lanes64 ? "table64" : "table32");
    rep.clamped = lin.clamp;
    return row_blocks * panels;
  };

  // Phase 2, per tile (a block of rows against one panel): the kernel, then the lane results as codes.
  std::vector<std::vector<std::int64_t>> scratch(threads);
  const u64 acc_mask = mask(im.cfg.wacc);
  auto tile = [&](i64 item, int worker) {
    const i64 pj = item / row_blocks, m0 = item % row_blocks * block_rows;
    const int rows = static_cast<int>(std::min(block_rows, m - m0));
    const i64 n0 = pj * panel, nn = std::min(panel, n - n0);
    auto& out = scratch[worker];
    out.resize(static_cast<size_t>(block_rows * panel));  // rows x panel int64, or 2 x rows x panel int32
    const std::int32_t* pb = b_buf.get() + pj * k * per_k * panel;
    const std::int32_t* pa = a_buf.get() + m0 * a_stride;
    with_code_type(im.tacc, [&](auto tag) {
      using T = decltype(tag);
      T* dst = static_cast<T*>(c) + m0 * n + n0;
      if (im.kind == Kind::Lns) {
        auto* ol = reinterpret_cast<std::int32_t*>(out.data());
        std::int32_t* os = ol + block_rows * panel;
        ks.lns(lns, pa, a_stride, rows, pb, k, ol, os);
        for (int r = 0; r < rows; ++r)
          for (i64 j = 0; j < nn; ++j) {
            const std::int32_t x = ol[r * panel + j];
            dst[r * n + j] = static_cast<T>(x < kLnsZeroBelow ? im.lf.zero() : im.lf.make(os[r * panel + j] != 0, x));
          }
      } else if (lanes64) {
        std::int64_t* o = out.data();
        (im.kind == Kind::Int ? ks.int64 : ks.table64)(lin, pa, a_stride, rows, pb, k, o);
        for (int r = 0; r < rows; ++r)
          for (i64 j = 0; j < nn; ++j) dst[r * n + j] = static_cast<T>(static_cast<u64>(o[r * panel + j]) & acc_mask);
      } else {
        auto* o = reinterpret_cast<std::int32_t*>(out.data());
        (im.kind == Kind::Int ? ks.int32 : ks.table32)(lin, pa, a_stride, rows, pb, k, o);
        for (int r = 0; r < rows; ++r)
          for (i64 j = 0; j < nn; ++j)
            dst[r * n + j] = static_cast<T>(static_cast<u64>(static_cast<i64>(o[r * panel + j])) & acc_mask);
      }
    });
  };

  two_phases(threads, m + panels, pack, plan, tile);
  return rep;
}

// ---------------------------------------------------------------------------------------------------------
// Element-wise steps and conversions: the model per element, threaded over chunks.

namespace {
constexpr i64 kChunk = 1 << 14;

constexpr i64 kBatch = 512;  // codes converted at once (on the stack)

// dst[i] = code (begin + i) * stride of p, for i < count: one type dispatch per batch.
void load_codes(const void* p, CodeType t, i64 stride, i64 begin, i64 count, u64* dst) {
  with_code_type(t, [&](auto tag) {
    const auto* q = static_cast<const decltype(tag)*>(p);
    for (i64 i = 0; i < count; ++i) dst[i] = q[(begin + i) * stride];
  });
}
void store_codes(void* p, CodeType t, i64 begin, i64 count, const u64* src) {
  with_code_type(t, [&](auto tag) {
    using T = decltype(tag);
    T* q = static_cast<T*>(p) + begin;
    for (i64 i = 0; i < count; ++i) q[i] = static_cast<T>(src[i]);
  });
}

void check_elementwise(const char* what, i64 n, std::initializer_list<i64> strides) {
  if (n < 0) throw std::invalid_argument(fmt::format("{}: n={} must be >= 0", what, n));
  for (i64 s : strides)
    if (s != 0 && s != 1) throw std::invalid_argument(fmt::format("{}: strides must be 0 or 1", what));
}
}  // namespace

void ArrayMac::product(const void* a, i64 as, const void* b, i64 bs, void* out, i64 n, int threads) const {
  mac(nullptr, 0, a, as, b, bs, out, n, threads);
}

void ArrayMac::mac(const void* acc, i64 cs, const void* a, i64 as, const void* b, i64 bs, void* out, i64 n,
                   int threads) const {
  const Impl& im = *impl_;
  check_elementwise(acc ? "mac" : "product", n, {cs, as, bs});
  for (auto [p, s, w, name] : {std::tuple{acc, cs, Operand::Acc, "acc"}, std::tuple{a, as, Operand::A, "a"},
                               std::tuple{b, bs, Operand::B, "b"}}) {
    if (!p) continue;
    const i64 bad = find_bad_code(w, p, s ? n : std::min<i64>(n, 1));
    if (bad >= 0)
      throw std::invalid_argument(fmt::format("{}[{}] = {:#x} is not a code of {} (at most {} bits)", name, bad,
                                              code_at(p, type(w), bad), im.cfg.canonical(), bits(w)));
  }
  const i64 chunks = (n + kChunk - 1) / kChunk;
  std::visit(
      [&](const auto& model) {
        parallel_items(threads_for(threads, static_cast<double>(n) * 8), chunks, [&](i64 item, int) {
          u64 va[kBatch], vb[kBatch], vc[kBatch];
          for (i64 begin = item * kChunk; begin < std::min(n, (item + 1) * kChunk); begin += kBatch) {
            const i64 count = std::min(kBatch, n - begin);
            load_codes(a, im.ta, as, begin, count, va);
            load_codes(b, im.tb, bs, begin, count, vb);
            if (acc) {
              load_codes(acc, im.tacc, cs, begin, count, vc);
              for (i64 i = 0; i < count; ++i) vc[i] = model.accumulate(vc[i], model.product(va[i], vb[i]));
            } else {
              for (i64 i = 0; i < count; ++i) vc[i] = model.first(model.product(va[i], vb[i]));
            }
            store_codes(out, im.tacc, begin, count, vc);
          }
        });
      },
      im.model);
}

void ArrayMac::accumulate(const void* acc, i64 cs, const void* p, i64 ps, void* out, i64 n, int threads) const {
  const Impl& im = *impl_;
  check_elementwise("accumulate", n, {cs, ps});
  for (auto [q, s, name] : {std::tuple{acc, cs, "acc"}, std::tuple{p, ps, "p"}}) {
    const i64 bad = find_bad_code(Operand::Acc, q, s ? n : std::min<i64>(n, 1));
    if (bad >= 0)
      throw std::invalid_argument(fmt::format("{}[{}] = {:#x} is not a code of {} (at most {} bits)", name, bad,
                                              code_at(q, im.tacc, bad), im.cfg.canonical(), im.cfg.wacc));
  }
  const i64 chunks = (n + kChunk - 1) / kChunk;
  std::visit(
      [&](const auto& model) {
        // A product as an accumulator code: the accumulator after a CLR step. Linear: the two's-complement
        // value (every product lies within the accumulator's range); lns: the code itself.
        auto as_product = [&](u64 code) {
          if constexpr (std::is_same_v<std::decay_t<decltype(model)>, LnsMac>)
            return code;
          else
            return sext(code, im.cfg.wacc);
        };
        parallel_items(threads_for(threads, static_cast<double>(n) * 8), chunks, [&](i64 item, int) {
          u64 vc[kBatch], vp[kBatch];
          for (i64 begin = item * kChunk; begin < std::min(n, (item + 1) * kChunk); begin += kBatch) {
            const i64 count = std::min(kBatch, n - begin);
            load_codes(acc, im.tacc, cs, begin, count, vc);
            load_codes(p, im.tacc, ps, begin, count, vp);
            for (i64 i = 0; i < count; ++i) vc[i] = model.accumulate(vc[i], as_product(vp[i]));
            store_codes(out, im.tacc, begin, count, vc);
          }
        });
      },
      im.model);
}

void ArrayMac::encode(Operand which, const double* x, void* codes, i64 n, int threads) const {
  const Impl& im = *impl_;
  if (which == Operand::Acc) throw std::invalid_argument("encode: only operands A and B have an encoder");
  if (n < 0) throw std::invalid_argument("encode: n must be >= 0");
  for (i64 i = 0; i < n; ++i)  // NaN has no code (the models' encoders assume a number)
    if (std::isnan(x[i])) throw std::invalid_argument(fmt::format("x[{}] is NaN: it has no code", i));
  const i64 chunks = (n + kChunk - 1) / kChunk;
  std::visit(
      [&](const auto& model) {
        parallel_items(threads_for(threads, static_cast<double>(n) * 16), chunks, [&](i64 item, int) {
          const i64 begin = item * kChunk, end = std::min(n, begin + kChunk);
          with_code_type(type(which), [&](auto tag) {
            using T = decltype(tag);
            for (i64 i = begin; i < end; ++i)
              store_code<T>(codes, i, which == Operand::A ? model.encode_a(x[i]) : model.encode_b(x[i]));
          });
        });
      },
      im.model);
}

void ArrayMac::decode(Operand which, const void* codes, double* x, i64 n, int threads) const {
  const Impl& im = *impl_;
  if (n < 0) throw std::invalid_argument("decode: n must be >= 0");
  const i64 bad = find_bad_code(which, codes, n);
  if (bad >= 0)
    throw std::invalid_argument(fmt::format("codes[{}] = {:#x} is not a code of {} (at most {} bits)", bad,
                                            code_at(codes, type(which), bad), im.cfg.canonical(), bits(which)));
  const i64 chunks = (n + kChunk - 1) / kChunk;
  const std::vector<double>* table = n >= 4096 ? im.decode_table(which) : nullptr;
  if (table) {  // the model's values of every code, computed once
    parallel_items(threads_for(threads, static_cast<double>(n)), chunks, [&](i64 item, int) {
      const i64 begin = item * kChunk, end = std::min(n, begin + kChunk);
      with_code_type(type(which), [&](auto tag) {
        const auto* q = static_cast<const decltype(tag)*>(codes);
        for (i64 i = begin; i < end; ++i) x[i] = (*table)[q[i]];
      });
    });
    return;
  }
  std::visit(
      [&](const auto& model) {
        parallel_items(threads_for(threads, static_cast<double>(n) * 16), chunks, [&](i64 item, int) {
          const i64 begin = item * kChunk, end = std::min(n, begin + kChunk);
          with_code_type(type(which), [&](auto tag) {
            const auto* q = static_cast<const decltype(tag)*>(codes);
            for (i64 i = begin; i < end; ++i) x[i] = value_of(model, which, q[i]);
          });
        });
      },
      im.model);
}

ArrayMac::ValueRange ArrayMac::value_range(Operand which, int threads) const {
  const int b = bits(which);
  if (b > 24) {  // a linear accumulator: two's complement with facc fraction bits
    return std::visit(
        [&](const auto& model) {
          return ValueRange{model.value_acc(u64{1} << (b - 1)), model.value_acc(mask(b - 1)), model.value_acc(1)};
        },
        impl_->model);
  }
  const i64 n = i64{1} << b, chunks = (n + kChunk - 1) / kChunk;
  std::vector<ValueRange> part(static_cast<size_t>(chunks));
  std::visit(
      [&](const auto& model) {
        parallel_items(threads_for(threads, static_cast<double>(n) * 16), chunks, [&](i64 item, int) {
          ValueRange r{0, 0, std::numeric_limits<double>::infinity()};
          for (i64 i = item * kChunk; i < std::min(n, (item + 1) * kChunk); ++i) {
            const u64 code = static_cast<u64>(i);
            const double v = value_of(model, which, code);
            r.min = std::min(r.min, v);
            r.max = std::max(r.max, v);
            if (v != 0) r.tiny = std::min(r.tiny, std::fabs(v));
          }
          part[item] = r;
        });
      },
      impl_->model);
  ValueRange r{0, 0, std::numeric_limits<double>::infinity()};
  for (const auto& p : part) {
    r.min = std::min(r.min, p.min);
    r.max = std::max(r.max, p.max);
    r.tiny = std::min(r.tiny, p.tiny);
  }
  if (std::isinf(r.tiny)) r.tiny = 0;
  return r;
}

}  // namespace logmac
