// Counts rising and falling transitions of every bit of every signal in a VCD stream, without storing it, and
// the time each bit spends at 1 and at x/z inside the counting window (for SAIF). Header-only and
// dependency-free: the timed gate-level simulation (timed_sim.cpp) streams Icarus' VCD through it, and it can be
// compiled into a simulator harness that feeds it VCD text directly.
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
    std::vector<std::uint64_t> t1, tx;     // per bit: time at 1 / at x or z inside the window
    std::vector<std::uint64_t> since;      // per bit: when its current value began
  };

  // Transitions at simulation times >= t are counted; earlier ones only set values. Times are in VCD units
  // (timescale_fs() femtoseconds each).
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
  // Closes the window at time t (VCD units): the time at 1 / x of every bit is complete up to t.
  void close_window(std::uint64_t t) {
    for (auto& s : sigs_)
      for (std::size_t b = 0; b < s.since.size(); ++b) account(s, b, t);
  }

  const std::vector<Var>& vars() const { return vars_; }
  const std::vector<Sig>& sigs() const { return sigs_; }
  std::uint64_t last_time() const { return now_; }
  const std::string& error() const { return error_; }  // the first malformed line, if any
  std::uint64_t timescale_fs() const { return timescale_fs_; }  // 0 if the header had no $timescale
  std::uint64_t times_counted() const { return times_; }  // time stamps >= count_from()

  // f(name, rises, falls, t1, tx) per bit of each var whose scope is `scope` ("name[i]" for vectors).
  template <class F>
  void visit(const std::string& scope, F&& f) const {
    for (const auto& v : vars_) {
      if (v.scope != scope) continue;
      const Sig& s = sigs_[v.sig];
      for (int b = 0; b < s.width; ++b) {
        const std::size_t k = static_cast<std::size_t>(b);
        std::string name = v.name;
        if (v.vector) name += '[' + std::to_string(v.msb >= v.lsb ? v.lsb + b : v.lsb - b) + ']';
        f(name, s.rises[k], s.falls[k], s.t1[k], s.tx[k]);
      }
    }
  }

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

  // Time spent by bit b of s at its current value, from when it began to t, clipped to the window.
  void account(Sig& s, std::size_t b, std::uint64_t t) {
    const std::uint64_t from = s.since[b] > t0_ ? s.since[b] : t0_;
    if (t > from) {
      const char v = s.value.empty() ? 'x' : s.value[s.value.size() - 1 - b];
      if (v == '1') s.t1[b] += t - from;
      else if (v != '0') s.tx[b] += t - from;
    }
    s.since[b] = t;
  }

  void header_line(std::string_view l) {
    if (in_timescale_) {  // "$timescale" may put its value on the next lines
      for (std::string_view w = word(l); !w.empty(); w = word(l)) {
        if (w == "$end") {
          in_timescale_ = false;
          break;
        }
        timescale_text_ += std::string(w);
      }
      if (!in_timescale_) timescale_fs_ = parse_timescale(timescale_text_);
      return;
    }
    std::string_view w = word(l);
    if (w == "$timescale") {
      in_timescale_ = true;
      timescale_text_.clear();
      return header_line(l);
    }
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
        s.t1.assign(static_cast<std::size_t>(width), 0);
        s.tx.assign(static_cast<std::size_t>(width), 0);
        s.since.assign(static_cast<std::size_t>(width), 0);
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
      account(s, b, now_);
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
      times_ += now_ >= t0_;
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

  // "1ps", "10 ns", ... in femtoseconds (0 if unknown).
  static std::uint64_t parse_timescale(const std::string& t) {
    std::size_t k = 0;
    std::uint64_t n = 0;
    while (k < t.size() && t[k] >= '0' && t[k] <= '9') n = n * 10 + static_cast<std::uint64_t>(t[k++] - '0');
    const std::string u = t.substr(k);
    const std::uint64_t mult = u == "fs" ? 1 : u == "ps" ? 1000 : u == "ns" ? 1000000 : u == "us" ? 1000000000ull
                               : u == "ms" ? 1000000000000ull : u == "s" ? 1000000000000000ull : 0;
    return n * mult;
  }

  bool in_header_ = true, in_timescale_ = false;
  std::string timescale_text_;
  std::uint64_t timescale_fs_ = 0, times_ = 0;
  std::uint64_t now_ = 0, t0_ = 0;
  std::string carry_, error_;
  std::vector<std::string> scope_;
  std::vector<Var> vars_;
  std::vector<Sig> sigs_;
  std::vector<int> by_code_;
};

}  // namespace logmac::synth
