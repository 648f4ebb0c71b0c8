#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "util/text_io.hpp"
#include "cli/cli.hpp"
#include "sim/config.hpp"
#include "gen/rtl.hpp"
#include "sim/workload.hpp"
#include "util/process.hpp"

namespace logmac::cli {

namespace {

// Writes path via path.tmp and a rename, so that readers never see half a file.
void write_atomically(const std::filesystem::path& path, const std::string& text) {
  std::string why;
  if (!write_file_atomic(path, text, why)) throw UsageError("rtl: " + why);
}

}  // namespace

int cmd_rtl(int argc, char** argv) {
  Args args("rtl",
            {{"--mac", "SPEC", "a MAC spec", true},
             {"--canonical-set", nullptr, "add the canonical set (one spec per variant; the golden RTL)"},
             {"-o", "DIR", "output directory (created if missing)"}},
            argc, argv);
  if (args.help()) {
    fmt::print("logmac rtl (--mac SPEC ... | --canonical-set) -o DIR\n"
               "Writes DIR/<module>.v (one synthesizable Verilog-2005 module, bit-exact with the model) and\n"
               "DIR/<module>.json (spec, widths, latency, ports) per spec; <module> = the spec's module name.\n{}",
               args.usage());
    return 0;
  }
  if (!args.positional().empty())
    throw UsageError(fmt::format("rtl: unexpected argument '{}'", args.positional().front()));
  std::vector<std::string> specs = args.all("--mac");
  if (args.has("--canonical-set"))
    for (const auto& s : canonical_set()) specs.push_back(s);
  if (specs.empty()) throw UsageError("rtl: give at least one --mac SPEC (or --canonical-set)");
  if (!args.has("-o")) throw UsageError("rtl: -o DIR is required");

  std::string command = "logmac";
  for (int i = 0; i < argc; ++i) command += " " + util::shell_word(argv[i]);

  // Every spec is parsed and generated before anything is written: a bad spec writes nothing.
  std::map<std::string, gen::RtlDesign> designs;
  for (const auto& s : specs) {
    auto d = gen::generate_rtl(parse_spec(s), command);
    designs.emplace(d.module, std::move(d));
  }
  const std::filesystem::path dir = args.get("-o");
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (!std::filesystem::is_directory(dir)) throw UsageError(fmt::format("rtl: cannot create directory {}", dir.string()));
  for (const auto& [name, d] : designs) {
    write_atomically(dir / (name + ".v"), d.verilog);
    write_atomically(dir / (name + ".json"), d.json);
    fmt::print("{}\n", (dir / (name + ".v")).string());
  }
  return 0;
}

}  // namespace logmac::cli
