#include "cli/synth_args.hpp"

#include <fmt/format.h>

#include <stdexcept>

#include "util/file.hpp"

namespace logmac::cli {

namespace {
// The parsed arguments as the flow reads them: Args keeps the number syntax, ranges and messages.
class ArgsValues final : public synth::OptionValues {
 public:
  explicit ArgsValues(const Args& a) : a_(a) {}
  bool has(const std::string& name) const override { return a_.has(name); }
  std::string text(const std::string& name, const std::string& def) const override { return a_.get(name, def); }
  long long integer(const std::string& name, long long def, long long lo, long long hi) const override {
    return a_.get_int(name, def, lo, hi);
  }
  double number(const std::string& name, double def, double lo, double hi) const override {
    return a_.get_double(name, def, lo, hi);
  }

 private:
  const Args& a_;
};
}  // namespace

std::vector<OptDef> with_flow_options(std::vector<OptDef> defs) {
  for (const auto& d : synth::flow_option_defs()) defs.push_back({d.name, d.value, d.help});
  return defs;
}

synth::FlowOptions synth_flow_from(const Args& args, const char* sub) {
  try {
    return synth::flow_options_from(ArgsValues(args));
  } catch (const std::invalid_argument& e) {
    throw UsageError(fmt::format("{}: {}", sub, e.what()));
  }
}

void require_writable_dir(const std::string& dir, const char* sub, const char* option) {
  if (const std::string why = util::unusable_dir_reason(dir); !why.empty())
    throw UsageError(fmt::format("{}: {} {}: {}", sub, option, dir, why));
}

}  // namespace logmac::cli
