#include "util/file.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <csignal>
#include <cerrno>

#include <deque>
#include <fstream>
#include <sstream>

namespace logmac::util {

std::optional<std::string> read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return std::nullopt;
  return ss.str();
}

std::string tail_lines(const std::filesystem::path& path, int lines) {
  std::ifstream in(path);
  std::deque<std::string> last;
  for (std::string l; std::getline(in, l);) {
    last.push_back(l);
    if (static_cast<int>(last.size()) > lines) last.pop_front();
  }
  std::string s;
  for (const auto& l : last) s += "    " + l + "\n";
  return s;
}

std::string unusable_dir_reason(const std::filesystem::path& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec || !fs::is_directory(dir, ec))
    return fmt::format("cannot create the directory ({})", ec ? ec.message() : "a file of that name exists");
  const fs::path probe = dir / fmt::format(".logmac-write-test-{}", getpid());
  const bool ok = static_cast<bool>(std::ofstream(probe) << "x");
  fs::remove(probe, ec);
  return ok ? "" : "the directory is not writable";
}

namespace {
// Decimal digits of s from `at` up to `end` (npos: the end of s); 0 if there are none or anything else.
long digits_at(const std::string& s, size_t at, size_t end) {
  if (end == std::string::npos) end = s.size();
  if (at >= end || end - at > 9) return 0;
  long v = 0;
  for (size_t i = at; i < end; ++i) {
    if (s[i] < '0' || s[i] > '9') return 0;
    v = v * 10 + (s[i] - '0');
  }
  return v;
}
}  // namespace

long temporary_owner(const std::string& name) {
  auto all_digits = [](std::string_view v) { return !v.empty() && v.find_first_not_of("0123456789") == v.npos; };
  size_t from = 0;
  if (name.starts_with("run-")) {
    from = 4;
  } else {
    const size_t at = name.rfind(".tmp-");
    if (at == std::string::npos || at == 0) return 0;
    from = at + 5;
  }
  const size_t dash = name.find('-', from);
  if (dash == std::string::npos && from == 4) return 0;  // run-PID-N
  if (dash != std::string::npos && !all_digits(std::string_view(name).substr(dash + 1))) return 0;
  return digits_at(name, from, dash);
}

int remove_stale_temporaries(const std::filesystem::path& dir) {
  namespace fs = std::filesystem;
  int removed = 0;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const long pid = temporary_owner(it->path().filename().string());
    if (pid <= 0 || pid == getpid()) continue;
    if (kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH) continue;  // alive (or not ours to judge)
    std::error_code rm;
    if (fs::remove_all(it->path(), rm) > 0 && !rm) ++removed;
  }
  return removed;
}

}  // namespace logmac::util
