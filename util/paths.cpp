#include "util/paths.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <stdexcept>

namespace logmac::util {

namespace fs = std::filesystem;

fs::path executable_path() {
  std::error_code ec;
  const fs::path p = fs::read_symlink("/proc/self/exe", ec);
  return ec ? fs::path() : p;
}

bool in_build_tree() {
  static const bool inside = [] {
    std::error_code ec;
    const fs::path exe = fs::weakly_canonical(executable_path(), ec);
    const fs::path build = fs::weakly_canonical(LOGMAC_BUILD_DIR, ec);
    if (exe.empty() || build.empty()) return false;
    auto [b, e] = std::mismatch(build.begin(), build.end(), exe.begin(), exe.end());
    return b == build.end();
  }();
  return inside;
}

fs::path cache_root(bool build_tree, const char* logmac_cache_dir, const char* xdg_cache_home, const char* home) {
  auto given = [](const char* v) { return v && *v; };
  if (given(logmac_cache_dir)) return logmac_cache_dir;
  if (build_tree) return LOGMAC_BUILD_DIR;
  if (given(xdg_cache_home) && fs::path(xdg_cache_home).is_absolute()) return fs::path(xdg_cache_home) / "logmac";
  if (given(home)) return fs::path(home) / ".cache" / "logmac";
  return fs::temp_directory_path() / "logmac-cache";
}

fs::path default_cache_dir(const std::string& name) {
  return cache_root(in_build_tree(), std::getenv("LOGMAC_CACHE_DIR"), std::getenv("XDG_CACHE_HOME"),
                    std::getenv("HOME")) /
         name;
}

fs::path runtime_library(const fs::path& built) {
  if (in_build_tree()) return built;
  const fs::path p = (executable_path().parent_path() / LOGMAC_LIBS_FROM_BIN / built.filename()).lexically_normal();
  if (!fs::is_regular_file(p))
    throw std::runtime_error(fmt::format("the prebuilt library {} is missing: install logmac with `cmake --install BUILD "
                                         "--prefix PREFIX`, which puts it there",
                                         p.string()));
  return p;
}

}  // namespace logmac::util
