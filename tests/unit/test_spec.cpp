// The spec language: canonical forms, defaults, derived widths, and the errors for bad specs.
#include <doctest/doctest.h>

#include <cstdio>
#include <fstream>

#include "sim/registry.hpp"

using namespace logmac;

namespace {
std::string error_of(const char* spec) {
  try {
    parse_spec(spec);
  } catch (const SpecError& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST_SUITE("spec") {
  TEST_CASE("canonical form fills defaults and sorts keys") {
    CHECK(parse_spec("fxp:w=8").canonical() == "fxp:f=7,ovf=sat,pipe=1,w=8,wacc=26");
    CHECK(parse_spec("lns:w=16,f=8").canonical() == "lns:delta=pwl:qaa,dmax=16,f=8,pipe=1,underflow=sat,w=16");
    CHECK(parse_spec("lns:w=12").canonical() == "lns:delta=exact,dmax=16,f=4,pipe=1,underflow=sat,w=12");
    // key order in the input does not matter; the canonical form parses to itself
    CHECK(parse_spec("pot:we=2,w=6,pipe=0").canonical() == parse_spec("pot:pipe=0,w=6,we=2").canonical());
    for (const char* s : {"fxp:w=8", "pot:w=8", "apot:w=8", "log2lin:w=8,f=1", "lns:w=16,f=8", "lns2lin:w=12,exp2=mitchell"}) {
      const std::string canon = parse_spec(s).canonical();
      CHECK(parse_spec(canon).canonical() == canon);
    }
  }

  TEST_CASE("derived widths") {
    const MacConfig fxp = parse_spec("fxp:w=8");
    CHECK(fxp.wa == 8);
    CHECK(fxp.wacc == 26);  // 1024 * 2^14 needs 25 bits + sign
    CHECK(fxp.facc == 14);
    CHECK(fxp.latency == 2);
    const MacConfig pot = parse_spec("pot:w=8,we=3,pipe=0");
    CHECK(pot.wb == 4);
    CHECK(pot.facc == 7 + 6);
    CHECK(pot.latency == 1);
    CHECK(parse_spec("apot:w=8,we=3").wb == 7);
    const MacConfig lns = parse_spec("lns:w=16,f=8,pipe=2");
    CHECK(lns.wacc == 16);
    CHECK(lns.latency == 3);
    CHECK(parse_spec("log2lin:w=8,f=1").pow2_frac == std::vector<i64>{256, 362});  // sqrt(2) * 256 = 362.04
    // log2lin resolution is relative to its full scale 2^(fsr-1); defaults are always consistent
    CHECK(parse_spec("log2lin:w=8,fsr=3").facc == 14 - 4);
    const MacConfig tiny = parse_spec("log2lin:w=16,f=0,signed=0,fsr=-20");
    CHECK(tiny.facc <= tiny.wacc - 2);
    CHECK(tiny.facc == 60);
  }

  TEST_CASE("bad specs name the key and what is allowed") {
    CHECK(error_of("lns:w=40").find("w=40 is not an integer in 4..24") != std::string::npos);
    CHECK(error_of("foo:w=8").find("unknown variant 'foo' (allowed: fxp, pot, apot, log2lin, lns, lns2lin)") != std::string::npos);
    CHECK(error_of("lns:w=16,zz=1").find("unknown key 'zz' (allowed: w, f, delta") != std::string::npos);
    CHECK(error_of("lns:w=16,f").find("key 'f' has no value") != std::string::npos);
    CHECK(error_of("lns:w=16,f=8,f=8").find("given twice") != std::string::npos);
    CHECK(error_of("lns:f=8").find("'w' is required") != std::string::npos);
    CHECK(error_of("fxp:w=8,f=8").find("f=8 is out of range (allowed 0..7)") != std::string::npos);
    CHECK(error_of("fxp:w=8,wacc=10").find("wacc=10 is out of range (allowed 16..62)") != std::string::npos);
    CHECK(error_of("fxp:w=8,ovf=clip").find("ovf=clip is not allowed (allowed: sat|wrap)") != std::string::npos);
    CHECK(error_of("lns:w=12,f=4,delta=pwl:qaa").find("no published table") != std::string::npos);
    CHECK(error_of("lns:w=12,f=4,delta=lut:48").find("power of two") != std::string::npos);
    CHECK(error_of("lns:w=12,f=9").find("f=9 is out of range (allowed 0..9)") == std::string::npos);
    CHECK(error_of("lns:w=12,f=10").find("f=10 is out of range (allowed 0..9)") != std::string::npos);
    CHECK(error_of("lns2lin:w=8,wacc=10,facc=14").find("facc=14 must be below") != std::string::npos);
    CHECK(error_of("log2lin:w=8,f=x").find("f=x is not an integer") != std::string::npos);
  }

  TEST_CASE("pwl:FILE tables, p2x2 shifts, round trip through format_pwl_csv") {
    const std::string path = "logmac_test_table.csv";
    {
      std::ofstream out(path);
      out << "# a hand-made 2-segment table\nfn,seg,upper_bp,shift,intercept\n"
             "plus,0,10,1+3,64\nplus,1,40,4,40\nminus,0,10,-1,-60\nminus,1,40,2-4,-30\n";
    }
    const MacConfig c = parse_spec("lns:w=10,f=3,delta=pwl:" + path);
    const DeltaUnit& u = *c.delta_unit;
    // plus seg 0: 64 - ((d >> 1) + (d >> 3)); seg 1: 40 - (d >> 4); beyond 40: 0
    CHECK(u.eval_plus(9) == 64 - (4 + 1));
    CHECK(u.eval_plus(40) == 40 - 2);
    CHECK(u.eval_plus(41) == 0);
    // minus seg 0: s = -1 -> d >> 1 added; seg 1: "2-4" -> (d << 2) - (d << 4)
    CHECK(u.eval_minus(7) == -60 + 3);
    CHECK(u.eval_minus(20) == -30 + (80 - 320));
    const std::string text = format_pwl_csv(u.seg_plus, u.seg_minus);
    std::vector<PwlSegment> p, m;
    parse_pwl_csv(text, "roundtrip", 10, 3, false, p, m);
    for (i64 d = 0; d < 64; ++d) {
      i64 vp = 0, vm = 0;
      for (const auto& s : p)
        if (s.upper_bp >= d) { vp = s.eval(d); break; }
      for (const auto& s : m)
        if (s.upper_bp >= d) { vm = s.eval(d); break; }
      CHECK(vp == u.eval_plus(d));
      if (d) CHECK(vm == u.eval_minus(d));
    }
    std::remove(path.c_str());
    CHECK(error_of("lns:w=10,f=3,delta=pwl:/no/such/file").find("cannot read") != std::string::npos);
  }
}
