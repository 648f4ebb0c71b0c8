#include "util/hash.hpp"

#include <fmt/format.h>

#include <fstream>

namespace logmac::util {

std::uint64_t fnv1a(std::string_view bytes, std::uint64_t h) {
  for (unsigned char c : bytes) h = (h ^ c) * kFnvPrime;
  return h;
}

std::optional<std::uint64_t> fnv1a_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::uint64_t h = kFnvOffsetBasis;
  char buf[1 << 16];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) h = fnv1a(std::string_view(buf, static_cast<size_t>(in.gcount())), h);
  if (in.bad()) return std::nullopt;
  return h;
}

std::string hex64(std::uint64_t v) { return fmt::format("{:016x}", v); }

Hasher& Hasher::add(std::string_view field) {
  for (unsigned char c : field) {
    h1_ = (h1_ ^ c) * kFnvPrime;
    h2_ = (h2_ ^ c) * kFnvPrime + 0x9e3779b97f4a7c15ull;  // a second lane that does not track the first
  }
  const std::string boundary = fmt::format("|{}|", field.size());
  for (unsigned char c : boundary) h1_ = (h1_ ^ c) * kFnvPrime;
  return *this;
}

Hasher& Hasher::add(std::uint64_t v) { return add(std::string_view(fmt::format("{}", v))); }

std::string Hasher::hex() const { return hex64(h1_) + hex64(h2_); }

}  // namespace logmac::util
