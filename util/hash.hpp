// Content hashes for cache keys and generated names: FNV-1a. Not a security property: equal inputs give equal
// keys, different inputs different keys with overwhelming probability.
#pragma once
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace logmac::util {

inline constexpr std::uint64_t kFnvOffsetBasis = 0xcbf29ce484222325ull;
inline constexpr std::uint64_t kFnvPrime = 0x100000001b3ull;

// 64-bit FNV-1a of `bytes`, continuing from `h`.
std::uint64_t fnv1a(std::string_view bytes, std::uint64_t h = kFnvOffsetBasis);
// The same over a file's bytes; nullopt if the file cannot be read.
std::optional<std::uint64_t> fnv1a_file(const std::filesystem::path& path);

// 16 lower-case hex digits.
std::string hex64(std::uint64_t v);

// A key over a sequence of fields, 128 bits (two FNV-1a lanes). Each field's length is mixed in after it, so
// ("ab", "c") and ("a", "bc") give different keys.
class Hasher {
 public:
  Hasher& add(std::string_view field);
  Hasher& add(std::uint64_t v);
  std::string hex() const;  // 32 hex digits

 private:
  std::uint64_t h1_ = kFnvOffsetBasis, h2_ = 0x84222325cbf29ce4ull;
};

}  // namespace logmac::util
