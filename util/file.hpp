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

}  // namespace logmac::util
