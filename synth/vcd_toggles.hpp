// Counts rising and falling transitions of every bit of every signal in a VCD stream, without storing it.
// Header-only and dependency-free: it is compiled into the Verilator gate-level harness, which feeds it the
// VCD text directly (a VerilatedVcdFile that writes nowhere), and into the unit tests.
#pragma once
#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace logmac::synth {

class VcdToggles {
 public:
  struct Var {
    std::string scope, name;  // scope: dot-separated path ("TOP.mac")
    int msb = 0, lsb = 0;
    bool vector = false;
    int sig = 0;  // index into the signal table (several vars may share one id code)
  };
  struct Sig {
    int width = 1;
    std::string value;                 // current value, MSB first ('0' '1' 'x' 'z'); empty: never set
    std::vector<std::uint64_t> rises;  // per bit, index 0 = LSB
    std::vector<std::uint64_t> falls;
  };

  // Transitions at simulation times >= t are counted; earlier ones only set values.
  void count_from(std::uint64_t t) { t0_ = t; }
  void feed(const char* p, std::size_t n) {
    std::size_t b = 0;
    for (std::size_t i = 0; i < n; ++i) {
      if (p[i] != '\n') continue;
      if (carry_.empty()) {
        line(std::string_view(p + b, i - b));
      } else {
        carry_.append(p + b, i - b);
        line(carry_);
        carry_.clear();
      }
      b = i + 1;
    }
    carry_.append(p + b, n - b);
  }
  void finish() {
    if (!carry_.empty()) line(carry_);
    carry_.clear();
  }

  const std::vector<Var>& vars() const { return vars_; }
  const std::vector<Sig>& sigs() const { return sigs_; }
  std::uint64_t last_time() const { return now_; }
  const std::string& error() const { return error_; }  // the first malformed line, if any

  // "name rises falls" per bit of each var whose scope is `scope` ("name[i]" for vectors).
  void write_counts(std::ostream& os, const std::string& scope) const {
    for (const auto& v : vars_) {
      if (v.scope != scope) continue;
      const Sig& s = sigs_[v.sig];
      for (int b = 0; b < s.width; ++b) {
        if (v.vector) {
          const int idx = v.msb >= v.lsb ? v.lsb + b : v.lsb - b;
          os << v.name << '[' << idx << "] ";
        } else {
          os << v.name << ' ';
        }
        os << s.rises[b] << ' ' << s.falls[b] << '\n';
      }
    }
  }

 private:
  static std::size_t code_index(std::string_view c) {
    std::size_t v = 0;
    // Bijective base 94 (digits 1..94): codes of different lengths never collide.
    for (auto it = c.rbegin(); it != c.rend(); ++it) v = v * 95 + static_cast<std::size_t>(*it - 32);
    return v;
  }
  static std::string_view word(std::string_view& s) {
    std::size_t b = 0;
    while (b < s.size() && (s[b] == ' ' || s[b] == '\t' || s[b] == '\r')) ++b;
    std::size_t e = b;
    while (e < s.size() && s[e] != ' ' && s[e] != '\t' && s[e] != '\r') ++e;
    const std::string_view w = s.substr(b, e - b);
    s.remove_prefix(e);
    return w;
  }
  void set_error(std::string_view l) {
    if (error_.empty()) error_ = std::string(l);
  }

  void header_line(std::string_view l) {
    std::string_view w = word(l);
    if (w == "$scope") {
      word(l);
      scope_.push_back(std::string(word(l)));
    } else if (w == "$upscope") {
      if (!scope_.empty()) scope_.pop_back();
    } else if (w == "$var") {
      word(l);  // type
      const int width = std::stoi(std::string(word(l)));
      const std::string_view code = word(l);
      Var v;
      v.name = std::string(word(l));
      std::string_view range = word(l);
      if (range.size() > 2 && range[0] == '[') {
        v.vector = true;
        const std::string r(range.substr(1, range.size() - 2));
        const auto colon = r.find(':');
        v.msb = std::stoi(r.substr(0, colon));
        v.lsb = colon == std::string::npos ? v.msb : std::stoi(r.substr(colon + 1));
      } else if (width > 1) {
        v.vector = true;
        v.msb = width - 1;
      }
      for (std::size_t k = 0; k < scope_.size(); ++k) v.scope += (k ? "." : "") + scope_[k];
      const std::size_t ci = code_index(code);
      if (ci >= by_code_.size()) by_code_.resize(ci + 1, -1);
      if (by_code_[ci] < 0) {
        by_code_[ci] = static_cast<int>(sigs_.size());
        Sig s;
        s.width = width;
        s.rises.assign(static_cast<std::size_t>(width), 0);
        s.falls.assign(static_cast<std::size_t>(width), 0);
        sigs_.push_back(std::move(s));
      }
      v.sig = by_code_[ci];
      vars_.push_back(std::move(v));
    } else if (w == "$enddefinitions") {
      in_header_ = false;
    }
  }

  void change(std::string_view val, std::string_view code) {
    const std::size_t ci = code_index(code);
    if (ci >= by_code_.size() || by_code_[ci] < 0) return set_error(code);
    Sig& s = sigs_[by_code_[ci]];
    const std::size_t w = static_cast<std::size_t>(s.width);
    // Left-extend a short vector value (VCD rule: with 0, or x/z if that is the leading digit).
    char ext_buf[1] = {'0'};
    if (!val.empty() && (val[0] == 'x' || val[0] == 'z')) ext_buf[0] = val[0];
    if (s.value.empty()) s.value.assign(w, 'x');
    const bool counting = now_ >= t0_;
    for (std::size_t b = 0; b < w; ++b) {  // b: bit index from the LSB
      const char nv = b < val.size() ? val[val.size() - 1 - b] : ext_buf[0];
      char& ov = s.value[w - 1 - b];
      if (nv == ov) continue;
      if (counting && ov == '0' && nv == '1') ++s.rises[b];
      if (counting && ov == '1' && nv == '0') ++s.falls[b];
      ov = nv;
    }
  }

  void line(std::string_view l) {
    if (in_header_) return header_line(l);
    while (!l.empty() && (l.back() == '\r' || l.back() == ' ')) l.remove_suffix(1);
    if (l.empty()) return;
    const char c = l[0];
    if (c == '#') {
      now_ = std::stoull(std::string(l.substr(1)));
    } else if (c == '0' || c == '1' || c == 'x' || c == 'z' || c == 'X' || c == 'Z') {
      change(l.substr(0, 1), l.substr(1));
    } else if (c == 'b' || c == 'B') {
      std::string_view rest = l.substr(1);
      const std::string_view val = word(rest);
      change(val, word(rest));
    } else if (c == '$' || c == 'r' || c == 'R') {
      // $dumpvars / $end / real values: nothing to count
    } else {
      set_error(l);
    }
  }

  bool in_header_ = true;
  std::uint64_t now_ = 0, t0_ = 0;
  std::string carry_, error_;
  std::vector<std::string> scope_;
  std::vector<Var> vars_;
  std::vector<Sig> sigs_;
  std::vector<int> by_code_;
};

}  // namespace logmac::synth
