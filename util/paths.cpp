#include "util/paths.hpp"

#include <cstdlib>

namespace logmac::util {

namespace fs = std::filesystem;

fs::path executable_path() {
  std::error_code ec;
  const fs::path p = fs::read_symlink("/proc/self/exe", ec);
  return ec ? fs::path() : p;
}

bool in_build_tree() {
  const fs::path exe = executable_path();
  std::error_code ec;
  return !exe.empty() && fs::equivalent(exe.parent_path(), LOGMAC_BUILD_DIR, ec) && !ec;
}

fs::path default_cache_dir(const std::string& name) {
  auto env = [](const char* var) -> std::string {
    const char* v = std::getenv(var);
    return v && *v ? v : "";
  };
  if (const std::string root = env("LOGMAC_CACHE_DIR"); !root.empty()) return fs::path(root) / name;
  if (in_build_tree()) return executable_path().parent_path() / name;
  if (const std::string xdg = env("XDG_CACHE_HOME"); !xdg.empty() && fs::path(xdg).is_absolute())
    return fs::path(xdg) / "logmac" / name;
  if (const std::string home = env("HOME"); !home.empty()) return fs::path(home) / ".cache" / "logmac" / name;
  return fs::temp_directory_path() / "logmac-cache" / name;
}

}  // namespace logmac::util
