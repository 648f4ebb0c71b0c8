// Where logmac keeps its caches and finds the libraries it links at run time.
// Caches (one directory per cache, e.g. synth-cache, cosim-cache, under one root):
//   $LOGMAC_CACHE_DIR when set;
//   else a logmac in the build tree that made it (build/logmac): that build directory (build/synth-cache);
//   else (installed, copied): $XDG_CACHE_HOME/logmac, else ~/.cache/logmac.
// Command-line options (--cache) and per-cache variables (LOGMAC_COSIM_CACHE) override these defaults.
#pragma once
#include <filesystem>
#include <string>

namespace logmac::util {

// The running executable (/proc/self/exe); empty if unknown.
std::filesystem::path executable_path();

// Whether the running executable was built in the build directory this code was configured in (build/logmac,
// build/tests/...): it then uses that directory's caches and libraries.
bool in_build_tree();

// The directory of one cache by name ("synth-cache", "cosim-cache"), by the rules above.
std::filesystem::path default_cache_dir(const std::string& name);

// The cache root by the rules above for a given situation (null: the variable is not set); for tests.
std::filesystem::path cache_root(bool build_tree, const char* logmac_cache_dir, const char* xdg_cache_home,
                                 const char* home);

// A library logmac links into the simulators it builds at run time: `built` (its path in the build tree) for a
// logmac in its build tree, else the file of that name in the installed library directory next to the
// executable (<prefix>/lib/logmac for <prefix>/bin/logmac). Throws std::runtime_error if it is missing.
std::filesystem::path runtime_library(const std::filesystem::path& built);

}  // namespace logmac::util
