#include <fmt/format.h>

#include <cstdio>
#include <filesystem>

#include "cli/cli.hpp"
#include "sim/config.hpp"
#include "util/text_io.hpp"
#include "sim/workload.hpp"
#include "util/parallel.hpp"

namespace logmac::cli {

int cmd_accuracy(int argc, char** argv) {
  Args args("accuracy",
            {{"--mac", "SPEC", "MAC spec (default: the built-in sweep)", true},
             {"--count", "N", "dot products (default 2000)"},
             {"--terms", "N", "terms per dot product (default 256)"},
             {"--seed", "S", "workload seed (default 1)"},
             {"--csv", "FILE", "also write the table as CSV"}},
            argc, argv);
  if (args.help()) {
    fmt::print(
        "logmac accuracy [--mac SPEC ...]: dot-product error of each MAC on neural-network-like data\n"
        "(activations ReLU(N(0,0.5^2)), weights N(0,0.25^2), quantized into each format).\n"
        "nrmse = RMS(err)/RMS(ref), worst = max|err|/RMS(ref); 'total' against the double-precision dot\n"
        "product of the unquantized data, 'arith' against the exact sum of the quantized operands.\n{}",
        args.usage());
    return 0;
  }
  std::vector<std::string> specs = args.all("--mac");
  if (specs.empty()) specs = default_sweep();
  std::vector<MacConfig> cfgs;
  for (const auto& s : specs) cfgs.push_back(parse_spec(s));
  const int count = static_cast<int>(args.get_int("--count", 2000, 1, 10000000));
  const int terms = static_cast<int>(args.get_int("--terms", 256, 1, 1 << 20));
  const auto seed = static_cast<std::uint64_t>(args.get_int("--seed", 1, 0, 1LL << 62));
  const DotWorkload wl = make_nn_workload(count, terms, seed);

  std::vector<Accuracy> res(cfgs.size());
  util::parallel_for(cfgs.size(), 0, [&](size_t i) { res[i] = measure_accuracy(cfgs[i], wl); });

  std::string table = fmt::format("| {:<58} | {:>11} | {:>11} | {:>11} | {:>11} |\n", "spec", "total nrmse",
                                  "total worst", "arith nrmse", "arith worst");
  table += fmt::format("|{:-<60}|{:->13}|{:->13}|{:->13}|{:->13}|\n", "", ":", ":", ":", ":");
  std::string csv = "spec,total_nrmse,total_worst,arith_nrmse,arith_worst\n";
  for (size_t i = 0; i < cfgs.size(); ++i) {
    const auto& r = res[i];
    table += fmt::format("| {:<58} | {:>11.3e} | {:>11.3e} | {:>11.3e} | {:>11.3e} |\n", cfgs[i].canonical(), r.nrmse,
                         r.worst, r.arith_nrmse, r.arith_worst);
    csv += fmt::format("\"{}\",{:.6e},{:.6e},{:.6e},{:.6e}\n", cfgs[i].canonical(), r.nrmse, r.worst, r.arith_nrmse,
                       r.arith_worst);
  }
  table += fmt::format("({} dot products of {} terms, seed {})\n", count, terms, seed);
  // The CSV first: a closed stdout (| head) must not lose the file.
  if (args.has("--csv")) write_file_atomic(args.get("--csv"), csv);  // WriteError: exit 2, no file
  out(table);
  return 0;
}

}  // namespace logmac::cli
