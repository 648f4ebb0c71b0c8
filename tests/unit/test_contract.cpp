// The input/output contract (issue 10): listed key ranges are the accepted ones, the integer grammar, user
// text in messages, bounded reads, checked atomic writes, PWL segment limits, models that own their tables,
// liberty validation, vector-file headers.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>

#include "pwl/pwl.hpp"
#include "sim/registry.hpp"
#include "util/text_io.hpp"
#include "sim/vectors.hpp"
#include "synth/liberty.hpp"

using namespace logmac;
namespace fs = std::filesystem;

namespace {

bool accepts(const std::string& spec) {
  try {
    parse_spec(spec);
    return true;
  } catch (const SpecError&) {
    return false;
  }
}

std::string spec_error(const std::string& spec) {
  try {
    parse_spec(spec);
  } catch (const SpecError& e) {
    return e.what();
  }
  return "";
}

// A spec of variant vi that accepts key=value, found by trying w over its listed range alone and with one
// other integer key at either bound of its listed range (lns: delta=mitchell, so no table is computed).
std::optional<std::string> witness(const VariantInfo& vi, const KeyDef& key, int value) {
  const KeyDef* w = nullptr;
  for (const auto& k : vi.keys)
    if (std::string_view(k.name) == "w") w = &k;
  REQUIRE(w);
  const std::string extra = std::string_view(vi.name) == "lns" ? ",delta=mitchell" : "";
  const std::string head = fmt::format("{}:{}={}{}", vi.name, key.name, value, extra);
  std::vector<std::string> others{""};
  for (const auto& j : vi.keys)
    if (j.kind == KeyKind::Int && &j != &key && &j != w)
      for (int b : {j.lo, j.hi}) others.push_back(fmt::format(",{}={}", j.name, b));
  for (const auto& o : others) {
    if (&key == w) {
      if (accepts(head + o)) return head + o;
      continue;
    }
    for (int x = w->lo; x <= w->hi; ++x)
      if (accepts(fmt::format("{},w={}{}", head, x, o))) return fmt::format("{},w={}{}", head, x, o);
  }
  return std::nullopt;
}

std::string temp_path(const std::string& name) {
  return (fs::temp_directory_path() / fmt::format("logmac-contract-{}-{}", getpid(), name)).string();
}

std::vector<std::string> temp_litter(const std::string& dir, const std::string& stem) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().filename().string().rfind(stem + ".tmp", 0) == 0) out.push_back(e.path().string());
  return out;
}

}  // namespace

TEST_SUITE("contract") {
  TEST_CASE("every listed bound of every integer key is accepted by some spec, one beyond is refused") {
    int bounds = 0;
    for (int i = 0; i < kNumVariants; ++i) {
      const VariantInfo& vi = variant_info(i);
      for (const auto& k : vi.keys) {
        if (k.kind != KeyKind::Int) continue;
        for (int b : {k.lo, k.hi}) {
          CAPTURE(fmt::format("{}: {}={} (listed {}..{})", vi.name, k.name, b, k.lo, k.hi));
          CHECK(witness(vi, k, b).has_value());
          ++bounds;
        }
        for (int b : {k.lo - 1, k.hi + 1}) {
          const std::string spec = std::string_view(k.name) == "w" ? fmt::format("{}:w={}", vi.name, b)
                                                                    : fmt::format("{}:w=8,{}={}", vi.name, k.name, b);
          const std::string err = spec_error(spec);
          CAPTURE(spec);
          CHECK(err.find(fmt::format("{}={} is not an integer in {}..{}", k.name, b, k.lo, k.hi)) != std::string::npos);
        }
      }
    }
    CHECK(bounds > 40);
  }

  TEST_CASE("a range that depends on another key says so") {
    CHECK(accepts("log2lin:w=2,signed=0"));
    CHECK(spec_error("log2lin:w=2").find("signed=0") != std::string::npos);
    CHECK(spec_error("fxp:w=8,wacc=10").find("wacc=10 is out of range (allowed 16..62)") != std::string::npos);
  }

  TEST_CASE("integer grammar: decimal, optional '-', no leading zeros, spaces, '+' or 0x") {
    long long v = 0;
    for (const char* good : {"0", "7", "-3", "123456789012345678", "-123456789012345678"}) {
      CAPTURE(good);
      CHECK(parse_int_strict(good, v));
    }
    CHECK((parse_int_strict("-42", v) && v == -42));
    for (const char* bad : {"", "-", "-0", "00", "08", "010", "+8", " 8", "8 ", "0x10", "1e3", "8.0", "1_000",
                            "1234567890123456789", "9223372036854775808", "8,", "\t8"}) {
      CAPTURE(bad);
      CHECK_FALSE(parse_int_strict(bad, v));
    }
    // The same grammar for spec keys.
    CHECK(accepts("fxp:w=8"));
    for (const char* bad : {"fxp:w=08", "fxp:w= 8", "fxp:w=+8", "fxp:w=0x8", "fxp:w=8,", "fxp:,w=8", "fxp:w=8,,f=1",
                            "fxp:=8", "fxp:", "lns:w=12,delta=lut:064", "lns:w=12,delta=lut:0x40"}) {
      CAPTURE(bad);
      CHECK_FALSE(accepts(bad));
    }
  }

  TEST_CASE("user text in messages: escaped, cut, one line") {
    CHECK(printable("plain text") == "plain text");
    CHECK(printable(std::string("a\0b", 3)) == "a\\x00b");
    CHECK(printable("\x1b[31mred\n") == "\\x1b[31mred\\n");
    CHECK(printable("back\\slash") == "back\\\\slash");
    CHECK(printable("caf\xc3\xa9") == "caf\xc3\xa9");   // UTF-8 stays
    CHECK(printable("bad \xff byte") == "bad \\xff byte");
    CHECK(printable("c1 \xc2\x9b") == "c1 \\xc2\\x9b");  // a C1 control (CSI) is escaped
    const std::string cut = printable(std::string(100000, 'k'));
    CHECK(cut.size() < 100);
    CHECK(cut.find("[100000 bytes]") != std::string::npos);
    const std::string e = spec_error("lns:w=16," + std::string(100000, 'k') + "=1");
    CHECK(e.size() < 600);
    CHECK(e.find('\n') == std::string::npos);
    CHECK(spec_error("lns:w=16,a\nb=1").find("unknown key 'a\\nb'") != std::string::npos);
  }

  TEST_CASE("read_text_file: only bounded regular text files") {
    auto error_of = [](const std::string& path, size_t max = 1000) {
      try {
        read_text_file(path, max, "table");
      } catch (const InputError& e) {
        return std::string(e.what());
      }
      return std::string();
    };
    CHECK(error_of("/dev/zero").find("not a regular file") != std::string::npos);
    CHECK(error_of(fs::temp_directory_path().string()).find("is a directory") != std::string::npos);
    CHECK(error_of("/nonexistent/x.csv").find("No such file") != std::string::npos);
    const std::string fifo = temp_path("fifo");
    REQUIRE(mkfifo(fifo.c_str(), 0600) == 0);
    CHECK(error_of(fifo).find("not a regular file") != std::string::npos);  // and does not block
    fs::remove(fifo);
    const std::string p = temp_path("text.csv");
    auto write = [&](const std::string& text) { std::ofstream(p, std::ios::binary) << text; };
    write(std::string("a,b\nc\0d\n", 8));
    CHECK(error_of(p).find("line 2: a NUL byte") != std::string::npos);
    write(std::string(2000, 'x'));
    CHECK(error_of(p).find("larger than the limit of 1000 bytes") != std::string::npos);
    write("#" + std::string(kMaxLineBytes, 'x') + "\nok\n");
    CHECK(error_of(p, 1 << 20).find("line 1 is longer than") != std::string::npos);
    write("fine\ntext");
    CHECK(read_text_file(p, 1000, "table") == "fine\ntext");
    fs::remove(p);
  }

  TEST_CASE("LineReader: lines of any ending, bounded length, read errors") {
    const std::string p = temp_path("lines.txt");
    std::ofstream(p, std::ios::binary) << "one\r\n\ntwo\n" << std::string(100000, 'y') << "\nthree";
    const int fd = ::open(p.c_str(), O_RDONLY);
    REQUIRE(fd >= 0);
    LineReader in(fd, "file");
    std::string line;
    REQUIRE(in.next(line));
    CHECK(line == "one\r");
    REQUIRE(in.next(line));
    CHECK(line.empty());
    REQUIRE(in.next(line));
    CHECK(line == "two");
    CHECK_THROWS_WITH_AS(in.next(line), "file:4: line longer than 65536 bytes", InputError);
    ::close(fd);
    std::ofstream(p, std::ios::binary) << "last without newline";
    const int fd2 = ::open(p.c_str(), O_RDONLY);
    LineReader in2(fd2, "file");
    REQUIRE(in2.next(line));
    CHECK(line == "last without newline");
    CHECK_FALSE(in2.next(line));
    ::close(fd2);
    fs::remove(p);
    const int dir = ::open(fs::temp_directory_path().c_str(), O_RDONLY);
    LineReader in3(dir, "stdin");
    CHECK_THROWS_WITH_AS(in3.next(line), "cannot read stdin: Is a directory", InputError);
    ::close(dir);
  }

  TEST_CASE("AtomicFile: all or nothing under the final name, no temporary file left") {
    const std::string dir = fs::temp_directory_path().string();
    const std::string p = temp_path("atomic.txt");
    const std::string stem = fs::path(p).filename().string();
    write_file_atomic(p, "first\n");
    {
      AtomicFile f(p);
      f.write("second, never committed\n");
      CHECK(temp_litter(dir, stem).size() == 1);
    }  // destroyed without commit: the old content stays, the temporary file goes
    std::ifstream in(p);
    std::string s;
    std::getline(in, s);
    CHECK(s == "first");
    CHECK(temp_litter(dir, stem).empty());
    CHECK_THROWS_AS(write_file_atomic(dir, "x"), WriteError);  // a directory
    std::string why;
    CHECK_FALSE(write_file_atomic("/nonexistent/dir/x.txt", "x", why));
    CHECK(why.find("/nonexistent/dir/x.txt") != std::string::npos);
    CHECK(why.find("No such file") != std::string::npos);
    // A device is written in place, not replaced: a null device accepts, a full one fails. As root, private
    // nodes: a writer that renamed over its target would otherwise replace the system's /dev/null.
    auto device = [&](const char* name, int minor) {
      const std::string node = temp_path(name);
      if (::geteuid() == 0 && ::mknod(node.c_str(), S_IFCHR | 0666, makedev(1, minor)) == 0) {
        const int fd = ::open(node.c_str(), O_WRONLY);  // fails on a nodev mount
        if (fd >= 0) {
          ::close(fd);
          return node;
        }
        fs::remove(node);
      }
      return ::geteuid() == 0 ? std::string() : "/dev/" + std::string(name);  // non-root cannot replace /dev/*
    };
    const std::string null_dev = device("null", 3), full_dev = device("full", 7);
    if (null_dev.empty() || full_dev.empty()) {
      MESSAGE("no private device nodes here (nodev temporary directory): in-place device writes not checked");
    } else {
      write_file_atomic(null_dev, "x");
      CHECK_THROWS_WITH_AS(write_file_atomic(full_dev, "x"), doctest::Contains("No space left on device"), WriteError);
      for (const auto& d : {null_dev, full_dev}) {
        struct stat st {};
        REQUIRE(::stat(d.c_str(), &st) == 0);
        CHECK(S_ISCHR(st.st_mode));
        if (d.rfind("/dev/", 0) != 0) fs::remove(d);
      }
    }
    fs::remove(p);
  }

  TEST_CASE("PWL tables: at most kMaxPwlSegments per function, the optimizer's limit") {
    static_assert(pwl::kMaxSegments == kMaxPwlSegments, "one limit for the optimizer and the model");
    auto table = [](int n) {
      std::string t = "fn,seg,upper_bp,shift,intercept\n";
      for (int i = 0; i < n; ++i) t += fmt::format("plus,{},{},3,40\nminus,{},{},3,-40\n", i, i, i, i);
      return t;
    };
    std::vector<PwlSegment> p, m;
    parse_pwl_csv(table(kMaxPwlSegments), "t", 12, 4, false, p, m);
    CHECK(p.size() == static_cast<size_t>(kMaxPwlSegments));
    CHECK_THROWS_WITH_AS(parse_pwl_csv(table(kMaxPwlSegments + 1), "t", 12, 4, false, p, m),
                         doctest::Contains("more than 64 plus segments"), std::invalid_argument);
    CHECK_THROWS_WITH_AS(parse_pwl_csv("fn,seg,upper_bp,shift,intercept\nplus,0,010,1,4\nminus,0,1,1,4\n", "t", 12, 4,
                                       false, p, m),
                         doctest::Contains("must be integers"), std::invalid_argument);
  }

  TEST_CASE("models own their tables: a model outlives the config it was made from") {
    std::weak_ptr<const DeltaUnit> table;
    std::optional<LnsMac> lns;
    {
      MacConfig c = parse_spec("lns:w=10,f=2,delta=exact");
      table = c.delta_unit;
      lns.emplace(c);
    }
    CHECK_FALSE(table.expired());
    LnsMac m(parse_spec("lns:w=10,f=2,delta=exact"));  // the issue's example: a temporary config
    // 1.0 (+) 1.0 = 2.0: log 0 + delta_plus(0) = 1.0 * 2^f, exact rounding.
    const u64 one = m.lf.make(false, 0);
    CHECK(m.accumulate(one, m.product(one, one)) == m.lf.make(false, 4));
    CHECK(lns->accumulate(one, lns->product(one, one)) == m.lf.make(false, 4));

    Log2LinMac l(parse_spec("log2lin:w=8,f=1"));
    CHECK(l.pow2 == l.pow2_table.get());
    CHECK(*l.pow2 == std::vector<i64>{256, 362});
    const Log2LinMac copy = l;  // copies share the table
    CHECK(copy.pow2 == l.pow2);
    Lns2LinMac h(parse_spec("lns2lin:w=8,f=2"));
    CHECK(h.pow2 == h.pow2_table.get());
    CHECK(h.pow2->size() == 4);
    const AnyModel any = make_model(parse_spec("lns:w=16,f=8"));
    CHECK(std::get<LnsMac>(any).delta_unit.use_count() >= 1);
  }

  TEST_CASE("vector file headers: the spec must be the model's") {
    const MacConfig c = parse_spec("lns:w=16,f=8");
    const std::string header = vector_header(c);
    const std::string first_line = header.substr(0, header.find('\n'));
    const auto spec = vector_header_spec(first_line);
    REQUIRE(spec);
    CHECK(*spec == c.canonical());
    check_vector_header(*spec, c);
    check_vector_header("lns:w=16,f=8", c);  // not canonical, the same spec
    CHECK_FALSE(vector_header_spec("# CLR A B ACC"));
    CHECK_FALSE(vector_header_spec("1 0 0"));
    const MacConfig other = parse_spec("lns:w=16,f=7,delta=exact");
    CHECK_THROWS_WITH_AS(check_vector_header(*spec, other),
                         doctest::Contains("made for spec lns:delta=pwl:qaa,dmax=16,f=8"), VectorError);
    CHECK_THROWS_WITH_AS(check_vector_header("garbage\x1b", other), doctest::Contains("garbage\\x1b"), VectorError);
  }

  TEST_CASE("liberty: text only, physical quantities") {
    const std::string ok = R"LIB(library (t) {
  time_unit : "1ns"; voltage_unit : "1V"; leakage_power_unit : "1nW"; capacitive_load_unit (1, pf);
  nom_voltage : 1.8;
  cell (INV) { area : 16; cell_leakage_power : 0.02;
    pin (A) { direction : input; capacitance : 0.01; }
    pin (Y) { direction : output; function : "(!A)"; } }
})LIB";
    auto error_of = [](const std::string& text) {
      try {
        synth::parse_liberty(text, "t.lib");
      } catch (const synth::LibertyError& e) {
        return std::string(e.what());
      }
      return std::string();
    };
    CHECK(error_of(ok).empty());
    auto edit = [&](const std::string& from, const std::string& to) {
      std::string t = ok;
      const auto p = t.find(from);
      REQUIRE(p != std::string::npos);
      return t.replace(p, from.size(), to);
    };
    CHECK(error_of(edit("area : 16", std::string("area : 1\0" "6", 9))).find("NUL byte") != std::string::npos);
    CHECK(error_of(edit("area : 16", "area : 1\x01")).find("control byte 0x01") != std::string::npos);
    CHECK(error_of(edit("capacitance : 0.01", "capacitance : -0.01")).find("capacitance -0.01 is negative") !=
          std::string::npos);
    CHECK(error_of(edit("area : 16", "area : -16")).find("area -16 is negative") != std::string::npos);
    CHECK(error_of(edit("cell_leakage_power : 0.02", "cell_leakage_power : -1")).find("negative") != std::string::npos);
    CHECK(error_of(edit("cell_leakage_power : 0.02", "cell_leakage_power : nan")).find("not a number") !=
          std::string::npos);
    CHECK(error_of(edit("nom_voltage : 1.8", "nom_voltage : -1.8")).find("positive") != std::string::npos);
    CHECK(error_of(edit("\"1ns\"", "\"0ns\"")).find("must be positive") != std::string::npos);
    CHECK(error_of(edit("(1, pf)", "(0, pf)")).find("must be positive") != std::string::npos);
    const std::string multi = error_of(edit("cell (INV) {", "cell (INV) { ; \"a\nb\" ;"));
    CHECK(multi.find('\n') == std::string::npos);
    // Tables: indexes are loads and slews, non-negative and increasing.
    const std::string table =
        edit("nom_voltage : 1.8;",
             "nom_voltage : 1.8; power_lut_template (p1) { variable_1 : total_output_net_capacitance; "
             "index_1 (\"0.1, 0.2\"); }");
    std::string with_power = table;
    with_power.insert(with_power.find("function : \"(!A)\";") + 18,
                      " internal_power () { related_pin : \"A\"; rise_power (p1) { values (\"1, 2\"); } }");
    CHECK(error_of(with_power).empty());
    std::string bad = with_power;
    bad.replace(bad.find("0.1, 0.2"), 8, "0.2, 0.1");
    CHECK(error_of(bad).find("index_1 is not strictly increasing") != std::string::npos);
    bad = with_power;
    bad.replace(bad.find("0.1, 0.2"), 8, "-0.1, 0.2");
    CHECK(error_of(bad).find("index_1 value -0.1 is negative") != std::string::npos);
    // A directory or a device is not a library.
    CHECK_THROWS_WITH_AS(synth::read_liberty(fs::temp_directory_path().string()), doctest::Contains("is a directory"),
                         synth::LibertyError);
    CHECK_THROWS_WITH_AS(synth::read_liberty("/dev/zero"), doctest::Contains("not a regular file"),
                         synth::LibertyError);
  }
}
