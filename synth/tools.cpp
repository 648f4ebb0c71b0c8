#include "synth/tools.hpp"

#include <fmt/format.h>

#include <mutex>

#include "util/text_io.hpp"
#include "synth/result.hpp"
#include "util/file.hpp"

namespace logmac::synth {

std::vector<const char*> flow_scripts() { return {kSynthYs, kStaTcl}; }

util::ProcessResult run_tool(const std::vector<std::string>& argv, const std::string& dir, const std::string& log) {
  try {
    return util::run_process(util::logged(argv, dir, dir + "/" + log, kToolTimeLimitS));
  } catch (const util::ProcessError& e) {
    throw FlowError(e.what());
  }
}

std::string tool_failure(const std::string& what, const util::ProcessResult& r, const std::string& dir,
                         const std::string& log, int lines) {
  return fmt::format("{} failed ({}), log {}/{}:\n{}", what, r.describe(), dir, log,
                     util::tail_lines(dir + "/" + log, lines));
}

void run_tool_checked(const std::vector<std::string>& argv, const std::string& dir, const std::string& log,
                      const std::string& what) {
  const util::ProcessResult r = run_tool(argv, dir, log);
  if (!r.ok()) throw FlowError(tool_failure(what, r, dir, log));
}

std::string tool_versions() {
  static std::mutex m;
  static std::string cached;
  std::lock_guard lock(m);
  if (!cached.empty()) return cached;
  const std::string y = util::first_output_line({"yosys", "-V"});
  const std::string s = util::first_output_line({"sta", "-version"});
  const std::string v = util::first_output_line({"iverilog", "-V"});
  if (y.empty()) throw FlowError("yosys is not installed or does not run (Debian package yosys)");
  if (s.empty()) throw FlowError("OpenSTA (sta) is not installed or does not run (Debian package opensta)");
  if (v.empty()) throw FlowError("iverilog is not installed or does not run (Debian package iverilog)");
  cached = fmt::format("{}\nopensta {}\n{}\n", y, s, v);
  return cached;
}

std::string substitute(std::string text, const std::map<std::string, std::string>& vars) {
  for (const auto& [k, v] : vars) {
    const std::string key = "{{" + k + "}}";
    for (size_t p; (p = text.find(key)) != std::string::npos;) text.replace(p, key.size(), v);
  }
  return text;
}

std::string read_output(const std::string& path) { return util::read_file(path).value_or(""); }

void write_output(const std::string& path, const std::string& text) {
  std::string why;
  if (!write_file_atomic(path, text, why)) throw FlowError(why);
}

}  // namespace logmac::synth
