// Test helper: the scalar models' encoders and decoders, called directly (not through sim/gemm), so that the
// Python module's conversions can be compared with an independent path.
//   model_dump SPEC decode   every code of A, B and the accumulator (each at most 20 bits): "a|b|acc CODE VALUE"
//   model_dump SPEC encode   per stdin line (a double as C99 hex float): "CODE_A CODE_B" (hex)
// Values are printed as C99 hex floats (exact).
#include <cstdio>
#include <iostream>
#include <string>

#include "sim/registry.hpp"

using namespace logmac;

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: model_dump SPEC decode|encode\n");
    return 2;
  }
  try {
    const MacConfig c = parse_spec(argv[1]);
    const std::string mode = argv[2];
    return with_model(c, [&](const auto& m) {
      if (mode == "decode") {
        for (int which = 0; which < 3; ++which) {
          const int bits = which == 0 ? c.wa : which == 1 ? c.wb : c.wacc;
          if (bits > 20) continue;
          for (u64 code = 0; code < (u64{1} << bits); ++code) {
            const double v = which == 0 ? m.value_a(code) : which == 1 ? m.value_b(code) : m.value_acc(code);
            std::printf("%s %llx %a\n", which == 0 ? "a" : which == 1 ? "b" : "acc",
                        static_cast<unsigned long long>(code), v);
          }
        }
        return 0;
      }
      if (mode == "encode") {
        std::string line;
        while (std::getline(std::cin, line)) {
          const double x = std::strtod(line.c_str(), nullptr);
          std::printf("%llx %llx\n", static_cast<unsigned long long>(m.encode_a(x)),
                      static_cast<unsigned long long>(m.encode_b(x)));
        }
        return 0;
      }
      std::fprintf(stderr, "model_dump: unknown mode '%s'\n", mode.c_str());
      return 2;
    });
  } catch (const std::exception& e) {
    std::fprintf(stderr, "model_dump: %s\n", e.what());
    return 2;
  }
}
