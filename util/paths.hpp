// Where logmac keeps its caches (one directory per cache, e.g. synth-cache, cosim-cache, under one root):
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

// Whether the running executable is the one in the build directory this code was configured in.
bool in_build_tree();

// The directory of one cache by name ("synth-cache", "cosim-cache"), by the rules above.
std::filesystem::path default_cache_dir(const std::string& name);

}  // namespace logmac::util
