#include "synth/stimulus.hpp"

#include <fmt/format.h>

#include <fstream>
#include <stdexcept>

#include "sim/registry.hpp"
#include "sim/vectors.hpp"
#include "sim/workload.hpp"

namespace logmac::synth {

std::vector<StimLine> make_stimulus(const MacConfig& cfg, const FlowOptions& opt) {
  std::vector<StimLine> out;
  const auto& w = opt.workload;
  if (w == "nn" || w == "zeros") {
    const DotWorkload wl = make_nn_workload(opt.dots, opt.terms, opt.seed);
    with_model(cfg, [&](const auto& m) {
      const u64 za = m.encode_a(0.0), zb = m.encode_b(0.0);
      for (size_t j = 0; j < wl.a.size(); ++j) {
        const bool clr = j % static_cast<size_t>(opt.terms) == 0;
        if (w == "zeros") out.push_back({clr, za, zb});
        else out.push_back({clr, m.encode_a(wl.a[j]), m.encode_b(wl.b[j])});
      }
    });
  } else if (w == "uniform") {
    Rng rng(opt.seed);
    const long long n = static_cast<long long>(opt.dots) * opt.terms;
    for (long long j = 0; j < n; ++j)
      out.push_back({j % opt.terms == 0, rng.next() & mask(cfg.wa), rng.next() & mask(cfg.wb)});
  } else {
    std::ifstream in(w);
    if (!in)
      throw std::invalid_argument(fmt::format("workload '{}' is neither nn, uniform, zeros nor a readable file", w));
    int lineno = 0;
    for (std::string line; std::getline(in, line);) {
      ++lineno;
      VectorLine vl;
      try {
        if (!parse_vector_line(line, cfg, vl)) continue;
      } catch (const VectorError& e) {
        throw std::invalid_argument(fmt::format("workload {}:{}: {}", w, lineno, e.what()));
      }
      out.push_back({vl.stim.clr, vl.stim.a, vl.stim.b});
    }
    if (out.empty()) throw std::invalid_argument(fmt::format("workload {}: no stimulus lines", w));
  }
  return out;
}

CheckedStimulus check_against_model(const MacConfig& cfg, std::vector<StimLine> lines) {
  CheckedStimulus s;
  s.latency = cfg.latency;
  GoldenRunner gold(cfg);
  for (const auto& l : lines) s.expected.push_back(gold.step(Stim{l.clr, l.a, l.b}));
  s.lines = std::move(lines);
  return s;
}

std::string CheckedStimulus::file_text() const {
  std::string text = fmt::format("{} {}\n", lines.size(), latency);
  for (size_t i = 0; i < lines.size(); ++i)
    text += fmt::format("{} {:x} {:x} {:x}\n", lines[i].clr ? 1 : 0, lines[i].a, lines[i].b, expected[i]);
  return text;
}

}  // namespace logmac::synth
