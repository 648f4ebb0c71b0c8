#include <doctest/doctest.h>

#include "config.hpp"

using namespace logmac;

TEST_SUITE("spec") {
  TEST_CASE("canonical form fills defaults and sorts keys") {
    CHECK(parse_spec("fxp:w=8").canonical() == "fxp:f=7,ovf=sat,pipe=1,w=8,wacc=26");
    CHECK(parse_spec("lns:w=16,f=8").canonical() == "lns:delta=pwl:qaa,dmax=16,f=8,pipe=1,underflow=sat,w=16");
  }
}
