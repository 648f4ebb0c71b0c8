#include <fmt/format.h>

#include <charconv>
#include <cmath>

#include "cli/cli.hpp"
#include "util/text_io.hpp"

namespace logmac::cli {

void out(std::string_view text) {
  if (!stdout_write(text)) throw OutputClosed{};
}

Args::Args(const char* sub, std::vector<OptDef> defs, int argc, char** argv, size_t max_positional)
    : sub_(sub), defs_(std::move(defs)) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--help" || a == "-h") {
      help_ = true;
      continue;
    }
    if (a.size() < 2 || a[0] != '-') {
      if (positional_.size() >= max_positional)
        throw UsageError(fmt::format("{}: unexpected argument '{}' (options start with -; see logmac {} --help)", sub_,
                                     printable(a), sub_));
      positional_.push_back(a);
      continue;
    }
    std::string val;
    bool inline_val = false;
    if (auto eq = a.find('='); eq != std::string::npos) {
      val = a.substr(eq + 1);
      a = a.substr(0, eq);
      inline_val = true;
    }
    const OptDef* d = nullptr;
    for (const auto& o : defs_)
      if (a == o.name) d = &o;
    if (!d) {
      std::string names;
      for (const auto& o : defs_) names += (names.empty() ? "" : ", ") + std::string(o.name);
      throw UsageError(
          fmt::format("{}: unknown option '{}' (allowed: {})", sub_, printable(a), names.empty() ? "none" : names));
    }
    if (d->value) {
      if (!inline_val) {
        if (i + 1 >= argc) throw UsageError(fmt::format("{}: option {} needs a value {}", sub_, a, d->value));
        val = argv[++i];
      }
    } else if (inline_val) {
      throw UsageError(fmt::format("{}: option {} takes no value", sub_, a));
    }
    auto& v = values_[a];
    if (!v.empty() && !d->repeat) throw UsageError(fmt::format("{}: option {} given twice", sub_, a));
    v.push_back(val);
  }
}

std::string Args::get(const std::string& name, const std::string& def) const {
  auto it = values_.find(name);
  return it == values_.end() ? def : it->second.back();
}

const std::vector<std::string>& Args::all(const std::string& name) const {
  static const std::vector<std::string> none;
  auto it = values_.find(name);
  return it == values_.end() ? none : it->second;
}

long long Args::get_int(const std::string& name, long long def, long long lo, long long hi) const {
  if (!has(name)) return def;
  const std::string s = get(name);
  long long v = 0;
  const bool well_formed = parse_int_strict(s, v);
  if (!well_formed || v < lo || v > hi)
    throw UsageError(fmt::format("{}: {} '{}' is not an integer in {}..{}{}", sub_, name, printable(s), lo, hi,
                                 well_formed ? "" : fmt::format(" ({})", kIntegerGrammar)));
  return v;
}

double Args::get_double(const std::string& name, double def, double lo, double hi) const {
  if (!has(name)) return def;
  const std::string s = get(name);
  // Decimal only: no spaces, '+', hex, inf or nan (from_chars takes none of those in general format).
  double v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v, std::chars_format::general);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size() || !std::isfinite(v) || !(v >= lo && v <= hi))
    throw UsageError(fmt::format("{}: {} '{}' is not a decimal number in {}..{}", sub_, name, printable(s), lo, hi));
  return v;
}

std::string Args::usage() const {
  std::string s = fmt::format("usage: logmac {} [options]\noptions:\n", sub_);
  for (const auto& o : defs_)
    s += fmt::format("  {:<24} {}{}\n", std::string(o.name) + (o.value ? std::string(" ") + o.value : ""), o.help,
                     o.repeat ? " (repeatable)" : "");
  s += fmt::format("  {:<24} {}\n", "--help", "this text");
  return s;
}

}  // namespace logmac::cli
