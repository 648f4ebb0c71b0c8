#include "util/file.hpp"

#include <fmt/format.h>
#include <unistd.h>

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

}  // namespace logmac::util
