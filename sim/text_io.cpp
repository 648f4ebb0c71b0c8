#include "sim/text_io.hpp"

#include <fmt/format.h>

#include <fstream>

namespace logmac {

std::string json_escape(std::string_view s) {
  std::string o;
  for (char ch : s) {
    if (static_cast<unsigned char>(ch) < 0x20) {
      o += fmt::format("\\u{:04x}", ch);
      continue;
    }
    if (ch == '"' || ch == '\\') o += '\\';
    o += ch;
  }
  return o;
}

bool write_file_atomic(const std::filesystem::path& path, std::string_view text, std::string& why) {
  const std::filesystem::path tmp = path.string() + ".tmp";
  std::error_code ec;
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    out.flush();
    if (!out) {
      std::filesystem::remove(tmp, ec);
      why = fmt::format("cannot write '{}'", path.string());
      return false;
    }
  }
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::filesystem::remove(tmp, ec);
    why = fmt::format("cannot write '{}': {}", path.string(), ec.message());
    return false;
  }
  return true;
}

}  // namespace logmac
