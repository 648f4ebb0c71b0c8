// The `logmac` Python module: the bit-true MAC models on numpy arrays (sim/gemm.hpp), for Debian's
// /usr/bin/python3. API and conventions: python/README.md.
//
// Code arrays (operands, accumulators) must be numpy arrays of exactly the format's dtype (Mac.dtype_a,
// dtype_b, dtype_acc: the narrowest unsigned integer type holding a code) and C-contiguous; anything else is
// a TypeError (dtype) or ValueError (layout, shape, values), never a silent copy. Every code is checked:
// bits above the format's width are a ValueError naming the argument and the element. Float inputs (encode,
// matmul_f) accept any real array-like and are read as float64 (exact for float16/32/64 and for integers up
// to 2^53). The GIL is released while the C++ code runs; threads=None (or 0) uses all cores.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <fmt/format.h>

#include <optional>
#include <string>
#include <vector>

#include "sim/config.hpp"
#include "sim/gemm.hpp"

namespace py = pybind11;
using logmac::ArrayMac;
using logmac::CodeType;
using logmac::i64;
using Operand = ArrayMac::Operand;

#ifndef LOGMAC_VERSION
#define LOGMAC_VERSION "unknown"
#endif

namespace {

py::module_ numpy() { return py::module_::import("numpy"); }

py::dtype dtype_of(CodeType t) { return py::dtype(logmac::code_type_name(t)); }

std::string shape_text(const py::array& a) {
  std::string s = "(";
  for (py::ssize_t i = 0; i < a.ndim(); ++i) s += fmt::format("{}{}", i ? ", " : "", a.shape(i));
  return s + (a.ndim() == 1 ? ",)" : ")");
}

std::string type_text(py::handle obj) {
  if (py::isinstance<py::array>(obj)) return "array of dtype " + py::str(obj.attr("dtype")).cast<std::string>();
  return py::str(py::type::handle_of(obj).attr("__name__")).cast<std::string>();
}

int threads_arg(const py::object& threads) {
  if (threads.is_none()) return 0;
  const long t = threads.cast<long>();
  if (t < 0 || t > 4096) throw py::value_error(fmt::format("threads={} must be None, 0 (all cores) or 1..4096", t));
  return static_cast<int>(t);
}

struct Mac {
  std::string spec;
  logmac::MacConfig cfg;
  std::unique_ptr<ArrayMac> am;
  std::optional<ArrayMac::ValueRange> ranges[3];

  explicit Mac(const std::string& s) : spec(s) {
    try {
      cfg = logmac::parse_spec(s);
    } catch (const logmac::SpecError& e) {
      throw py::value_error(e.what());
    }
    am = std::make_unique<ArrayMac>(cfg);
  }

  const char* role(Operand w) const {
    return w == Operand::A ? "operand-A codes" : w == Operand::B ? "operand-B codes" : "accumulator codes";
  }

  // A code argument: exactly the dtype of `which`, C-contiguous, every code in range.
  py::array codes(const char* fn, const char* name, py::handle obj, Operand which) const {
    const CodeType t = am->type(which);
    py::object holder = py::reinterpret_borrow<py::object>(obj);
    if (!py::isinstance<py::array>(obj) && py::isinstance(obj, numpy().attr("generic"))) {
      holder = numpy().attr("asarray")(obj);  // a numpy scalar: a 0-d array of the same dtype
      obj = holder;
    }
    if (!py::isinstance<py::array>(obj))
      throw py::type_error(fmt::format("{}: {} must be a numpy array of {} ({} of {}), got {}", fn, name,
                                       logmac::code_type_name(t), role(which), cfg.canonical(), type_text(obj)));
    py::array a = py::reinterpret_borrow<py::array>(obj);
    if (!a.dtype().attr("__eq__")(dtype_of(t)).cast<bool>())
      throw py::type_error(fmt::format("{}: {} must have dtype {} ({} of {}), got {}; convert with "
                                       "{}.astype(mac.{}) once its values are known to be codes",
                                       fn, name, logmac::code_type_name(t), role(which), cfg.canonical(),
                                       py::str(a.dtype()).cast<std::string>(), name,
                                       which == Operand::A ? "dtype_a" : which == Operand::B ? "dtype_b" : "dtype_acc"));
    if (!(a.flags() & py::array::c_style))
      throw py::value_error(fmt::format("{}: {} must be C-contiguous (use numpy.ascontiguousarray({}))", fn, name, name));
    const i64 bad = am->find_bad_code(which, a.data(), static_cast<i64>(a.size()));
    if (bad >= 0) {
      const py::tuple idx = numpy().attr("unravel_index")(bad, a.attr("shape"));
      std::string at;
      for (size_t i = 0; i < idx.size(); ++i) at += fmt::format("{}{}", i ? ", " : "", idx[i].cast<long long>());
      const auto value = py::int_(a.attr("reshape")(-1)[py::int_(bad)]).cast<unsigned long long>();
      throw py::value_error(fmt::format("{}: {}[{}] = {:#x} is not one of the {} of {} (at most {} bits)", fn, name, at,
                                        value, role(which), cfg.canonical(), am->bits(which)));
    }
    return a;
  }

  // A float argument: any real array-like, read as contiguous float64.
  static py::array_t<double> floats(const char* fn, const char* name, py::handle obj) {
    py::array a = numpy().attr("asarray")(obj);
    const char kind = a.dtype().kind();
    const bool ok = (kind == 'f' && a.dtype().itemsize() <= 8) || kind == 'i' || kind == 'u';
    if (!ok)
      throw py::type_error(fmt::format("{}: {} must hold real numbers (a float or integer dtype), got {}", fn, name,
                                       type_text(obj)));
    return py::array_t<double, py::array::c_style | py::array::forcecast>::ensure(a);
  }

  // An optional output array: dtype of `which`, C-contiguous, writeable, this shape, no partial overlap.
  py::array output(const char* fn, const py::object& out, Operand which, const std::vector<py::ssize_t>& shape,
                   const std::vector<py::array>& inputs, bool may_alias) const {
    if (out.is_none()) return py::array(dtype_of(am->type(which)), shape);
    py::array o = codes_layout(fn, "out", out, which);
    if (!o.writeable()) throw py::value_error(fmt::format("{}: out is read-only", fn));
    const std::vector<py::ssize_t> got(o.shape(), o.shape() + o.ndim());
    if (got != shape) {
      py::array want(dtype_of(am->type(which)), shape);
      throw py::value_error(fmt::format("{}: out has shape {}, the result has shape {}", fn, shape_text(o), shape_text(want)));
    }
    for (const auto& in : inputs) {
      const bool same = in.data() == o.data() && in.nbytes() == o.nbytes();
      if ((!may_alias || !same) && numpy().attr("may_share_memory")(in, o).cast<bool>())
        throw py::value_error(fmt::format("{}: out overlaps an input{}", fn,
                                          may_alias ? " other than element by element" : ""));
    }
    return o;
  }

  // dtype and layout checks of `codes` without the value check (for outputs).
  py::array codes_layout(const char* fn, const char* name, py::handle obj, Operand which) const {
    const CodeType t = am->type(which);
    if (!py::isinstance<py::array>(obj))
      throw py::type_error(fmt::format("{}: {} must be a numpy array of {}, got {}", fn, name, logmac::code_type_name(t),
                                       type_text(obj)));
    py::array a = py::reinterpret_borrow<py::array>(obj);
    if (!a.dtype().attr("__eq__")(dtype_of(t)).cast<bool>())
      throw py::type_error(fmt::format("{}: {} must have dtype {}, got {}", fn, name, logmac::code_type_name(t),
                                       py::str(a.dtype()).cast<std::string>()));
    if (!(a.flags() & py::array::c_style)) throw py::value_error(fmt::format("{}: {} must be C-contiguous", fn, name));
    return a;
  }

  // ---- conversions ----
  py::array encode(Operand which, py::handle x, const py::object& threads) const {
    const char* fn = which == Operand::A ? "encode_a" : "encode_b";
    py::array_t<double> v = floats(fn, "x", x);
    py::array out(dtype_of(am->type(which)), std::vector<py::ssize_t>(v.shape(), v.shape() + v.ndim()));
    const int t = threads_arg(threads);
    try {
      py::gil_scoped_release nogil;
      am->encode(which, v.data(), out.mutable_data(), static_cast<i64>(v.size()), t);
    } catch (const std::invalid_argument& e) {  // x[i] is NaN: name the element in the caller's shape
      throw py::value_error(fmt::format("{}: {}", fn, e.what()));
    }
    return out;
  }

  py::array decode(Operand which, py::handle codes_obj, const py::object& threads) const {
    const char* fn = which == Operand::A ? "decode_a" : which == Operand::B ? "decode_b" : "decode_acc";
    py::array c = codes(fn, "codes", codes_obj, which);
    py::array_t<double> out(std::vector<py::ssize_t>(c.shape(), c.shape() + c.ndim()));
    const int t = threads_arg(threads);
    {
      py::gil_scoped_release nogil;
      am->decode(which, c.data(), out.mutable_data(), static_cast<i64>(c.size()), t);
    }
    return out;
  }

  // ---- GEMM ----
  py::array matmul(py::handle a_obj, py::handle b_obj, const py::object& threads, const py::object& out_obj,
                   const std::string& kernel) const {
    py::array a = codes("matmul", "a", a_obj, Operand::A), b = codes("matmul", "b", b_obj, Operand::B);
    if (a.ndim() != 2) throw py::value_error(fmt::format("matmul: a must be 2-D (M, K), got shape {}", shape_text(a)));
    if (b.ndim() != 2) throw py::value_error(fmt::format("matmul: b must be 2-D (K, N), got shape {}", shape_text(b)));
    const i64 m = a.shape(0), k = a.shape(1), n = b.shape(1);
    if (b.shape(0) != k)
      throw py::value_error(fmt::format("matmul: a has shape {} and b {}: the inner dimensions (K) differ",
                                        shape_text(a), shape_text(b)));
    if (k < 1) throw py::value_error("matmul: K = 0: a dot product needs at least one term");
    logmac::GemmOptions opt;
    opt.threads = threads_arg(threads);
    opt.kernel = kernel_arg(kernel);
    py::array c = output("matmul", out_obj, Operand::Acc, {static_cast<py::ssize_t>(m), static_cast<py::ssize_t>(n)},
                         {a, b}, false);
    {
      py::gil_scoped_release nogil;
      am->matmul(a.data(), b.data(), c.mutable_data(), m, n, k, opt);
    }
    return c;
  }

  static logmac::GemmKernel kernel_arg(const std::string& name) {
    for (auto k : {logmac::GemmKernel::Auto, logmac::GemmKernel::Avx512, logmac::GemmKernel::Avx2,
                   logmac::GemmKernel::Portable, logmac::GemmKernel::Reference})
      if (name == logmac::gemm_kernel_name(k)) {
        if (!logmac::gemm_kernel_supported(k))
          throw py::value_error(fmt::format("kernel='{}' is not supported on this CPU (supported: {})", name,
                                            fmt::join(kernels(), ", ")));
        return k;
      }
    throw py::value_error(fmt::format("kernel='{}' is not one of auto, avx512, avx2, portable, reference", name));
  }

  static std::vector<std::string> kernels() {
    std::vector<std::string> v;
    for (auto k : {logmac::GemmKernel::Avx512, logmac::GemmKernel::Avx2, logmac::GemmKernel::Portable,
                   logmac::GemmKernel::Reference})
      if (logmac::gemm_kernel_supported(k)) v.push_back(logmac::gemm_kernel_name(k));
    return v;
  }

  py::array matmul_f(py::handle x, py::handle w, const py::object& threads) const {
    py::array a = encode(Operand::A, x, threads), b = encode(Operand::B, w, threads);
    py::array c = matmul(a, b, threads, py::none(), "auto");
    return decode(Operand::Acc, c, threads);
  }

  // ---- element-wise steps ----
  // Inputs of the result's shape (stride 1) or of one element (stride 0, broadcast).
  py::array elementwise(const char* fn, std::vector<std::pair<const char*, py::array>> ins, const py::object& out_obj,
                        const py::object& threads, const std::vector<Operand>& roles) const {
    py::list shapes;
    for (auto& [name, a] : ins) shapes.append(a.attr("shape"));
    std::vector<py::ssize_t> shape;
    try {
      for (auto d : py::tuple(numpy().attr("broadcast_shapes")(*shapes))) shape.push_back(d.cast<py::ssize_t>());
    } catch (py::error_already_set&) {
      std::string s;
      for (auto& [name, a] : ins) s += fmt::format("{}{} {}", s.empty() ? "" : ", ", name, shape_text(a));
      throw py::value_error(fmt::format("{}: shapes do not match: {}", fn, s));
    }
    i64 n = 1;
    for (auto d : shape) n *= d;
    std::vector<i64> strides;
    std::vector<py::array> arrays;
    for (auto& [name, a] : ins) {
      const std::vector<py::ssize_t> got(a.shape(), a.shape() + a.ndim());
      if (got != shape && a.size() != 1) {
        py::array want(py::dtype("uint8"), shape);
        throw py::value_error(fmt::format("{}: {} has shape {}, but the result has shape {}: an operand has the "
                                          "result's shape or is one element",
                                          fn, name, shape_text(a), shape_text(want)));
      }
      strides.push_back(got == shape ? 1 : 0);
      arrays.push_back(a);
    }
    py::array out = output(fn, out_obj, Operand::Acc, shape, arrays, true);
    const int t = threads_arg(threads);
    {
      py::gil_scoped_release nogil;
      if (roles.size() == 2 && roles[0] == Operand::A)
        am->product(arrays[0].data(), strides[0], arrays[1].data(), strides[1], out.mutable_data(), n, t);
      else if (roles.size() == 2)
        am->accumulate(arrays[0].data(), strides[0], arrays[1].data(), strides[1], out.mutable_data(), n, t);
      else
        am->mac(arrays[0].data(), strides[0], arrays[1].data(), strides[1], arrays[2].data(), strides[2],
                out.mutable_data(), n, t);
    }
    return out;
  }

  py::object value_range(Operand which) {
    auto& r = ranges[static_cast<int>(which)];
    if (!r) {
      ArrayMac::ValueRange v;
      {
        py::gil_scoped_release nogil;
        v = am->value_range(which);
      }
      r = v;  // with the GIL held: threads may ask at the same time
    }
    return py::module_::import("logmac").attr("ValueRange")(r->min, r->max, r->tiny);
  }

  py::dict widths() const {
    py::dict d;
    d["wa"] = cfg.wa;
    d["wb"] = cfg.wb;
    d["wacc"] = cfg.wacc;
    d["facc"] = cfg.facc;
    d["latency"] = cfg.latency;
    return d;
  }
};

}  // namespace

PYBIND11_MODULE(logmac, mod) {
  mod.doc() =
      "Bit-true multiply-accumulate units (fxp, pot, apot, log2lin, lns, lns2lin) on numpy arrays.\n\n"
      "  mac = logmac.Mac('lns:w=16,f=8')         # a MAC spec, as for the logmac command\n"
      "  a = mac.encode_a(x); b = mac.encode_b(w)  # float arrays -> operand codes\n"
      "  c = mac.matmul(a, b, threads=2)           # bit-true accumulator codes, shape (M, N)\n"
      "  y = mac.decode_acc(c)                     # -> float64\n"
      "Every result equals the scalar C++ model (logmac eval) bit for bit. See python/README.md.";
  mod.attr("__version__") = LOGMAC_VERSION;
  mod.attr("ValueRange") = py::module_::import("collections").attr("namedtuple")("ValueRange", "min max tiny");
  mod.attr("ValueRange").attr("__doc__") =
      "Values a code array can hold: most negative (min), largest (max), smallest positive magnitude (tiny).";
  mod.def("kernels", &Mac::kernels, "GEMM kernel sets usable on this CPU, fastest first (plus 'reference').");
  mod.def("best_kernel", [] { return std::string(logmac::gemm_kernel_name(logmac::gemm_kernel_best())); },
          "The kernel set kernel='auto' runs on this CPU.");

  py::class_<Mac>(mod, "Mac",
                  "One MAC configuration. Mac(spec) parses a spec 'VARIANT:key=value,...' (see `logmac spec --list`);\n"
                  "a bad spec raises ValueError with the command line's message.")
      .def(py::init<const std::string&>(), py::arg("spec"))
      .def_readonly("spec", &Mac::spec, "The spec as given.")
      .def_property_readonly("canonical", [](const Mac& m) { return m.cfg.canonical(); },
                             "Canonical spec: defaults filled in, keys sorted (as `logmac spec` prints it).")
      .def_property_readonly("variant", [](const Mac& m) { return m.cfg.variant; })
      .def_property_readonly("widths", &Mac::widths, "Derived widths as `logmac spec` prints them: wa, wb, wacc, facc, latency.")
      .def_property_readonly("json", [](const Mac& m) { return m.cfg.to_json(); }, "The JSON of `logmac spec`.")
      .def_property_readonly("dtype_a", [](const Mac& m) { return dtype_of(m.am->type_a()); },
                             "numpy dtype of operand-A codes (narrowest unsigned integer holding widths['wa'] bits).")
      .def_property_readonly("dtype_b", [](const Mac& m) { return dtype_of(m.am->type_b()); }, "numpy dtype of operand-B codes.")
      .def_property_readonly("dtype_acc", [](const Mac& m) { return dtype_of(m.am->type_acc()); },
                             "numpy dtype of accumulator codes (results of matmul, product, accumulate, mac).")
      .def_property_readonly("bits_a", [](const Mac& m) { return m.cfg.wa; }, "Bits of an operand-A code.")
      .def_property_readonly("bits_b", [](const Mac& m) { return m.cfg.wb; }, "Bits of an operand-B code.")
      .def_property_readonly("bits_acc", [](const Mac& m) { return m.cfg.wacc; }, "Bits of an accumulator code.")
      .def_property_readonly("range_a", [](Mac& m) { return m.value_range(Operand::A); },
                             "ValueRange(min, max, tiny) of operand-A values (from decoding every code).")
      .def_property_readonly("range_b", [](Mac& m) { return m.value_range(Operand::B); }, "ValueRange of operand-B values.")
      .def_property_readonly("range_acc", [](Mac& m) { return m.value_range(Operand::Acc); },
                             "ValueRange of accumulator values.")
      .def("encode_a", [](const Mac& m, py::handle x, py::object t) { return m.encode(Operand::A, x, t); },
           py::arg("x"), py::arg("threads") = py::none(),
           "Float array -> operand-A codes (nearest, saturating; the model's encode_a). NaN raises ValueError.")
      .def("encode_b", [](const Mac& m, py::handle x, py::object t) { return m.encode(Operand::B, x, t); },
           py::arg("x"), py::arg("threads") = py::none(), "Float array -> operand-B codes (the model's encode_b).")
      .def("decode_a", [](const Mac& m, py::handle c, py::object t) { return m.decode(Operand::A, c, t); },
           py::arg("codes"), py::arg("threads") = py::none(), "Operand-A codes -> float64 values.")
      .def("decode_b", [](const Mac& m, py::handle c, py::object t) { return m.decode(Operand::B, c, t); },
           py::arg("codes"), py::arg("threads") = py::none(), "Operand-B codes -> float64 values.")
      .def("decode_acc", [](const Mac& m, py::handle c, py::object t) { return m.decode(Operand::Acc, c, t); },
           py::arg("codes"), py::arg("threads") = py::none(), "Accumulator codes -> float64 values.")
      .def("matmul", &Mac::matmul, py::arg("a"), py::arg("b"), py::arg("threads") = py::none(),
           py::arg("out") = py::none(), py::arg("kernel") = "auto",
           "C = A.B: a (M, K) operand-A codes, b (K, N) operand-B codes -> (M, N) accumulator codes, each the\n"
           "model's accumulator after CLR with the k = 0 product and accumulating k = 1..K-1 in order.\n"
           "out: optional (M, N) array of dtype_acc to write into. kernel: 'auto' (default), 'avx512', 'avx2',\n"
           "'portable' or 'reference' (the scalar model, one dot product at a time); all give the same codes.")
      .def("matmul_f", &Mac::matmul_f, py::arg("x"), py::arg("w"), py::arg("threads") = py::none(),
           "decode_acc(matmul(encode_a(x), encode_b(w))): float (M, K) and (K, N) -> float64 (M, N).")
      .def(
          "product",
          [](const Mac& m, py::handle a, py::handle b, py::object out, py::object t) {
            return m.elementwise("product", {{"a", m.codes("product", "a", a, Operand::A)},
                                              {"b", m.codes("product", "b", b, Operand::B)}},
                                 out, t, {Operand::A, Operand::B});
          },
          py::arg("a"), py::arg("b"), py::arg("out") = py::none(), py::arg("threads") = py::none(),
          "Element-wise a*b as accumulator codes (the accumulator after a CLR step with a, b).")
      .def(
          "accumulate",
          [](const Mac& m, py::handle acc, py::handle p, py::object out, py::object t) {
            return m.elementwise("accumulate", {{"acc", m.codes("accumulate", "acc", acc, Operand::Acc)},
                                                 {"p", m.codes("accumulate", "p", p, Operand::Acc)}},
                                 out, t, {Operand::Acc, Operand::Acc});
          },
          py::arg("acc"), py::arg("p"), py::arg("out") = py::none(), py::arg("threads") = py::none(),
          "Element-wise acc + p in the accumulator's arithmetic (lns: the log-domain addition with the\n"
          "spec's delta). p: accumulator codes, e.g. from product(). out=acc updates in place.")
      .def(
          "mac",
          [](const Mac& m, py::handle acc, py::handle a, py::handle b, py::object out, py::object t) {
            return m.elementwise("mac", {{"acc", m.codes("mac", "acc", acc, Operand::Acc)},
                                          {"a", m.codes("mac", "a", a, Operand::A)},
                                          {"b", m.codes("mac", "b", b, Operand::B)}},
                                 out, t, {Operand::Acc, Operand::A, Operand::B});
          },
          py::arg("acc"), py::arg("a"), py::arg("b"), py::arg("out") = py::none(), py::arg("threads") = py::none(),
          "Element-wise acc + a*b: one MAC step per element. out=acc updates in place.")
      .def("__repr__", [](const Mac& m) { return fmt::format("logmac.Mac('{}')", m.cfg.canonical()); })
      .def(py::pickle([](const Mac& m) { return py::make_tuple(m.spec); },
                      [](const py::tuple& t) { return Mac(t[0].cast<std::string>()); }));
}
