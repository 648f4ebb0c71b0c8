// Small text helpers every writer of reports and generated files shares.
#pragma once
#include <filesystem>
#include <string>
#include <string_view>

namespace logmac {

// The body of a JSON string (quotes and backslashes escaped, control characters as \u00XX).
std::string json_escape(std::string_view s);

// Writes path via path.tmp and a rename, so that no reader sees half a file. On failure removes the
// temporary file, sets `why` to a one-line reason naming the path and returns false.
bool write_file_atomic(const std::filesystem::path& path, std::string_view text, std::string& why);

}  // namespace logmac
