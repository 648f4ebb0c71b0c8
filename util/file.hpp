// Whole-file reads and directory checks shared by the caches, the tools' outputs and the command line.
// (Bounded text reads, atomic writes, checked stdout: util/text_io.hpp.)
#pragma once
#include <filesystem>
#include <optional>
#include <string>

namespace logmac::util {

// The whole file; nullopt if it cannot be read.
std::optional<std::string> read_file(const std::filesystem::path& path);

// The last `lines` lines of a text file, each indented by four spaces (for error messages naming a log).
std::string tail_lines(const std::filesystem::path& path, int lines);

// "" if `dir` is, or can be created as, a directory logmac can create files in; else why not (one line).
std::string unusable_dir_reason(const std::filesystem::path& dir);

// Temporary files and directories logmac leaves only when it is killed: NAME.tmp-PID-N (atomic writes, synthesis
// work directories), NAME.tmp-PID (co-simulation builds) and run-PID-N (co-simulation runs). The PID of the
// process that made one (0: not such a name).
long temporary_owner(const std::string& name);
// Removes the temporaries directly in `dir` whose process no longer runs (a cache's next run cleans what a killed
// run left); returns how many. Best effort: what cannot be removed stays. (A cache shared by several machines
// would need host names in these names: not supported.)
int remove_stale_temporaries(const std::filesystem::path& dir);

}  // namespace logmac::util
