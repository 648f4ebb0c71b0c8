// The evidence `logmac cosim` needs for a pass (issue 10): the harness's result record, read back and checked
// against what was sent. Records are written here by hand in the format protocol.hpp documents.
#include <doctest/doctest.h>

#include <string>

#include "cosim/cosim.hpp"
#include "cosim/harness/protocol.hpp"

using logmac::cosim::parse_run_record;
using logmac::cosim::run_evidence_problem;
using logmac::cosim::RunRecord;
namespace protocol = logmac::cosim::protocol;

namespace {
const std::string kSpec = "fxp:f=3,ovf=sat,pipe=1,w=4,wacc=18";
std::string record(long long vectors, long long mismatches, long long first, const std::string& spec = kSpec) {
  return "logmac-cosim-result 1\nspec " + spec + "\nvectors " + std::to_string(vectors) + "\ncycles " +
         std::to_string(vectors + 20) + "\nmismatches " + std::to_string(mismatches) + "\nfirst_mismatch " +
         std::to_string(first) + "\nend\n";
}
}  // namespace

TEST_SUITE("cosim_record") {
  TEST_CASE("a pass needs a complete record naming the spec and every vector sent") {
    RunRecord rec;
    CHECK(parse_run_record(record(300, 0, -1), rec).empty());
    CHECK(rec.vectors == 300);
    CHECK(rec.cycles == 320);
    CHECK(rec.first_mismatch == -1);
    CHECK(run_evidence_problem(record(300, 0, -1), 0, kSpec, 300).empty());
    // Fewer vectors checked than sent, another spec, mismatches under status 0: no pass.
    CHECK(run_evidence_problem(record(299, 0, -1), 0, kSpec, 300).find("299 vectors") != std::string::npos);
    CHECK(run_evidence_problem(record(0, 0, -1), 0, kSpec, 300) != "");
    CHECK(run_evidence_problem(record(300, 0, -1, "fxp:w=8"), 0, kSpec, 300) != "");
    CHECK(run_evidence_problem(record(300, 2, 7), 0, kSpec, 300) != "");
    CHECK(run_evidence_problem(record(300, 0, -1), 3, kSpec, 300) != "");
  }

  TEST_CASE("a mismatch needs a record with at least one mismatch") {
    CHECK(run_evidence_problem(record(120, 5, 17), protocol::kMismatchStatus, kSpec, 300).empty());
    CHECK(run_evidence_problem(record(300, 0, -1), protocol::kMismatchStatus, kSpec, 300) != "");
  }

  TEST_CASE("an empty, cut or malformed record is no evidence") {
    const std::string good = record(300, 0, -1);
    RunRecord rec;
    CHECK(parse_run_record("", rec) != "");
    for (size_t cut : {good.size() - 1, good.size() - 4, good.size() / 2, size_t{10}}) {
      CAPTURE(cut);
      CHECK(run_evidence_problem(good.substr(0, cut), 0, kSpec, 300) != "");
    }
    CHECK(parse_run_record(good + "vectors 300\n", rec) != "");                        // extra lines
    std::string bad = good;
    bad.replace(bad.find("vectors 300"), 11, "vectors 3e2");
    CHECK(parse_run_record(bad, rec) != "");
    bad = good;
    bad.replace(bad.find("vectors 300"), 11, "vectors -30");
    CHECK(parse_run_record(bad, rec) != "");
    bad = good;
    bad.replace(0, 21, "logmac-cosim-result 2");
    CHECK(parse_run_record(bad, rec) != "");
  }

  TEST_CASE("simulator time limit: generous, growing with the vectors, overridable") {
    CHECK(logmac::cosim::simulator_time_limit(0) >= 300);
    CHECK(logmac::cosim::simulator_time_limit(1LL << 30) > logmac::cosim::simulator_time_limit(1000));
  }
}
