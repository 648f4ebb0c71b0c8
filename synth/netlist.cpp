#include "synth/netlist.hpp"

#include <fmt/format.h>

#include <cctype>
#include <cstring>
#include <fstream>
#include <map>
#include <numeric>
#include <sstream>

namespace logmac::synth {

namespace {

struct Tok {
  std::string text;
  int line;
  bool ident;  // identifier (plain or escaped) or number
};

std::vector<Tok> tokenize(std::string_view s, const std::string& name) {
  std::vector<Tok> out;
  int line = 1;
  size_t i = 0;
  auto fail = [&](const std::string& what) { throw NetlistError(fmt::format("netlist {}:{}: {}", name, line, what)); };
  while (i < s.size()) {
    const char c = s[i];
    if (c == '\n') {
      ++line;
      ++i;
    } else if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
    } else if (c == '/' && i + 1 < s.size() && s[i + 1] == '/') {
      while (i < s.size() && s[i] != '\n') ++i;
    } else if ((c == '/' && i + 1 < s.size() && s[i + 1] == '*') || (c == '(' && i + 1 < s.size() && s[i + 1] == '*')) {
      const char* close = c == '/' ? "*/" : "*)";
      const size_t e = s.find(close, i + 2);
      if (e == std::string_view::npos) fail("unterminated comment or attribute");
      for (size_t k = i; k < e; ++k) line += s[k] == '\n';
      i = e + 2;
    } else if (c == '\\') {  // escaped identifier: up to whitespace
      const size_t b = i++;
      while (i < s.size() && !std::isspace(static_cast<unsigned char>(s[i]))) ++i;
      out.push_back({std::string(s.substr(b + 1, i - b - 1)), line, true});
    } else if (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '$' || c == '\'') {
      const size_t b = i;
      while (i < s.size() && (std::isalnum(static_cast<unsigned char>(s[i])) || s[i] == '_' || s[i] == '$' ||
                              s[i] == '\''))
        ++i;
      out.push_back({std::string(s.substr(b, i - b)), line, true});
    } else if (std::strchr("()[]{},;.=:#", c)) {
      out.push_back({std::string(1, c), line, false});
      ++i;
    } else {
      fail(fmt::format("unexpected character '{}'", c));
    }
  }
  return out;
}

struct Decl {
  int msb = 0, lsb = 0;
  bool scalar = true;
  int first_bit = 0;  // index of bit lsb in the bit table
};

class Reader {
 public:
  Reader(std::vector<Tok> toks, const std::string& name) : t_(std::move(toks)), name_(name) {}

  Netlist read(const std::string& want_top) {
    // Every module of the file; the top is the one named want_top, else the last one.
    size_t start = std::string::npos;
    for (size_t k = 0; k + 1 < t_.size(); ++k)
      if (t_[k].ident && t_[k].text == "module") {
        modules_[t_[k + 1].text] = k;
        if (want_top.empty() || t_[k + 1].text == want_top) start = k;
      }
    if (start == std::string::npos)
      throw NetlistError(want_top.empty() ? fmt::format("netlist {}: no module", name_)
                                          : fmt::format("netlist {}: no module '{}'", name_, want_top));
    nl_.top = t_[start + 1].text;
    std::map<std::string, Decl> scope;
    std::vector<std::string> port_order;
    std::map<std::string, bool> dir;
    elaborate(start, "", scope, port_order, dir);
    for (const auto& p : port_order) {
      auto it = scope.find(p);
      if (it == scope.end() || !dir.count(p)) fail(0, fmt::format("port '{}' has no direction", p));
      nl_.ports.push_back({p, dir[p], it->second.msb, it->second.lsb, it->second.scalar});
    }
    finish();
    return std::move(nl_);
  }

 private:
  const Tok& cur() {
    if (i_ >= t_.size()) fail(t_.empty() ? 0 : t_.back().line, "unexpected end of file");
    return t_[i_];
  }
  const Tok& take() {
    const Tok& k = cur();
    ++i_;
    return k;
  }
  bool is(const char* s) { return i_ < t_.size() && t_[i_].text == s && !t_[i_].ident; }
  void expect(const char* s) {
    if (!is(s)) fail(cur().line, fmt::format("expected '{}', found '{}'", s, cur().text));
    ++i_;
  }
  [[noreturn]] void fail(int line, const std::string& what) const {
    throw NetlistError(fmt::format("netlist {}:{}: {}", name_, line, what));
  }
  int number(const Tok& k) {
    try {
      size_t pos = 0;
      const int v = std::stoi(k.text, &pos);
      if (pos == k.text.size()) return v;
    } catch (...) {
    }
    fail(k.line, fmt::format("'{}' is not an integer", k.text));
  }

  std::vector<std::string> declaration() {
    Decl d;
    if (is("[")) {
      ++i_;
      d.msb = number(take());
      expect(":");
      d.lsb = number(take());
      expect("]");
      d.scalar = false;
    }
    std::vector<std::string> names;
    while (true) {
      const Tok& n = take();
      if (!n.ident) fail(n.line, fmt::format("expected a name, found '{}'", n.text));
      names.push_back(n.text);
      auto it = decls_->find(n.text);
      if (it == decls_->end()) {
        Decl nd = d;
        nd.first_bit = static_cast<int>(bit_names_.size());
        const int w = std::abs(d.msb - d.lsb) + 1;
        for (int b = 0; b < w; ++b) {
          const int idx = d.msb >= d.lsb ? d.lsb + b : d.lsb - b;
          bit_names_.push_back(prefix_ + (d.scalar ? n.text : fmt::format("{}[{}]", n.text, idx)));
          parent_.push_back(static_cast<int>(parent_.size()));
        }
        (*decls_)[n.text] = nd;
      }
      if (is(",")) {
        ++i_;
        continue;
      }
      expect(";");
      return names;
    }
  }

  int bit_of(const std::string& n, int idx, int line) {
    auto it = decls_->find(n);
    if (it == decls_->end()) fail(line, fmt::format("'{}' is not declared", n));
    const Decl& d = it->second;
    const int off = d.msb >= d.lsb ? idx - d.lsb : d.lsb - idx;
    if (off < 0 || off > std::abs(d.msb - d.lsb)) fail(line, fmt::format("bit {} of '{}' is out of range", idx, n));
    return d.first_bit + off;
  }

  // Bits of an expression, MSB first.
  std::vector<int> expr() {
    const Tok& k = take();
    if (!k.ident && k.text == "{") {
      std::vector<int> out;
      while (true) {
        auto part = expr();
        out.insert(out.end(), part.begin(), part.end());
        if (is(",")) {
          ++i_;
          continue;
        }
        expect("}");
        return out;
      }
    }
    if (!k.ident) fail(k.line, fmt::format("unexpected '{}' in an expression", k.text));
    if (std::isdigit(static_cast<unsigned char>(k.text[0])) || k.text[0] == '\'') return constant(k);
    if (is("[")) {
      ++i_;
      const int hi = number(take());
      int lo = hi;
      if (is(":")) {
        ++i_;
        lo = number(take());
      }
      expect("]");
      std::vector<int> out;
      const int step = hi >= lo ? -1 : 1;
      for (int b = hi;; b += step) {
        out.push_back(bit_of(k.text, b, k.line));
        if (b == lo) break;
      }
      return out;
    }
    auto it = decls_->find(k.text);
    if (it == decls_->end()) fail(k.line, fmt::format("'{}' is not declared", k.text));
    const Decl& d = it->second;
    std::vector<int> out;
    const int w = std::abs(d.msb - d.lsb) + 1;
    for (int b = w - 1; b >= 0; --b) out.push_back(d.first_bit + b);
    return out;
  }

  std::vector<int> constant(const Tok& k) {
    const std::string& s = k.text;
    const size_t q = s.find('\'');
    if (q == std::string::npos) {  // plain decimal: 32 bits
      const long long v = std::stoll(s);
      std::vector<int> out;
      for (int b = 31; b >= 0; --b) out.push_back((v >> b) & 1 ? kConst1 : kConst0);
      return out;
    }
    const int width = q ? std::stoi(s.substr(0, q)) : 32;
    size_t p = q + 1;
    if (p < s.size() && (s[p] == 's' || s[p] == 'S')) ++p;
    if (p >= s.size()) fail(k.line, fmt::format("bad constant '{}'", s));
    const char base = static_cast<char>(std::tolower(static_cast<unsigned char>(s[p])));
    const std::string digits = s.substr(p + 1);
    std::vector<int> bits;  // LSB first
    const int per = base == 'b' ? 1 : base == 'o' ? 3 : base == 'h' ? 4 : 0;
    if (base == 'd') {
      unsigned long long v = std::stoull(digits);
      for (int b = 0; b < width; ++b) bits.push_back(b < 64 && ((v >> b) & 1) ? kConst1 : kConst0);
    } else if (per) {
      for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
        const char c = static_cast<char>(std::tolower(static_cast<unsigned char>(*it)));
        if (c == '_') continue;
        if (c == 'x' || c == 'z' || c == '?') {
          for (int b = 0; b < per; ++b) bits.push_back(kConstX);
          continue;
        }
        const int v = std::isdigit(static_cast<unsigned char>(c)) ? c - '0' : c - 'a' + 10;
        for (int b = 0; b < per; ++b) bits.push_back((v >> b) & 1 ? kConst1 : kConst0);
      }
    } else {
      fail(k.line, fmt::format("bad constant '{}'", s));
    }
    bits.resize(static_cast<size_t>(width), kConst0);
    return {bits.rbegin(), bits.rend()};
  }

  // Reads the module whose `module` keyword is token `start` into `scope`, its names prefixed by `prefix`
  // ("u_acc." inside instance u_acc). Instances of modules of the file are elaborated in place (flattened),
  // their ports joined to the connected bits.
  void elaborate(size_t start, const std::string& prefix, std::map<std::string, Decl>& scope,
                 std::vector<std::string>& port_order, std::map<std::string, bool>& dir) {
    if (++depth_ > 64) fail(t_[start].line, "module hierarchy deeper than 64 (recursive instantiation?)");
    const size_t saved_i = i_;
    auto* saved_scope = decls_;
    const std::string saved_prefix = prefix_;
    decls_ = &scope;
    prefix_ = prefix;
    i_ = start + 2;
    if (is("(")) {  // port list: names only (directions come from the declarations)
      ++i_;
      while (!is(")")) {
        if (!is(",")) port_order.push_back(cur().text);
        take();
      }
      ++i_;
    }
    expect(";");
    while (true) {
      const Tok& k = take();
      if (k.text == "endmodule") break;
      if (k.text == "input" || k.text == "output" || k.text == "inout") {
        auto names = declaration();
        for (auto& n : names) dir[n] = k.text == "input";
      } else if (k.text == "wire" || k.text == "reg" || k.text == "supply0" || k.text == "supply1") {
        declaration();
      } else if (k.text == "assign") {
        auto lhs = expr();
        expect("=");
        auto rhs = expr();
        expect(";");
        if (lhs.size() != rhs.size()) {
          // Verilog zero-extends / truncates the right side to the left side's width.
          if (rhs.size() < lhs.size()) rhs.insert(rhs.begin(), lhs.size() - rhs.size(), kConst0);
          else rhs.erase(rhs.begin(), rhs.begin() + static_cast<long>(rhs.size() - lhs.size()));
        }
        for (size_t b = 0; b < lhs.size(); ++b) join(lhs[b], rhs[b], k.line);
      } else if (k.ident) {
        instance(k);
      } else {
        fail(k.line, fmt::format("unexpected '{}'", k.text));
      }
    }
    i_ = saved_i;
    decls_ = saved_scope;
    prefix_ = saved_prefix;
    --depth_;
  }

  int find(int x) {
    while (parent_[x] != x) x = parent_[x] = parent_[parent_[x]];
    return x;
  }
  void join(int a, int b, int line) {
    if (a < 0 && b < 0) {
      if (a != b) fail(line, "assign joins two different constants");
      return;
    }
    if (a < 0) std::swap(a, b);
    if (b < 0) {  // bit a is a constant
      const int r = find(a);
      auto it = const_of_.find(r);
      if (it != const_of_.end() && it->second != b) fail(line, "net is assigned two different constants");
      const_of_[r] = b;
      return;
    }
    const int ra = find(a), rb = find(b);
    if (ra == rb) return;
    parent_[ra] = rb;
    if (auto it = const_of_.find(ra); it != const_of_.end()) {
      auto jt = const_of_.find(rb);
      if (jt != const_of_.end() && jt->second != it->second) fail(line, "net is assigned two different constants");
      const_of_[rb] = it->second;
    }
  }

  struct PendingCell {
    std::string type, name, block;
    std::vector<std::pair<std::string, int>> pins;  // pin -> bit (or constant)
  };

  void instance(const Tok& type) {
    PendingCell c;
    c.type = type.text;
    if (is("#")) fail(type.line, fmt::format("cell '{}' has parameters: not a mapped netlist", type.text));
    c.name = take().text;
    expect("(");
    std::vector<std::pair<std::string, std::vector<int>>> conns;
    while (!is(")")) {
      if (is(",")) {
        ++i_;
        continue;
      }
      expect(".");
      const Tok& pin = take();
      expect("(");
      if (is(")")) {  // unconnected
        ++i_;
        continue;
      }
      conns.emplace_back(pin.text, expr());
      expect(")");
    }
    ++i_;
    expect(";");
    if (auto m = modules_.find(type.text); m != modules_.end()) {  // a submodule: flatten it here
      const std::string path = prefix_ + c.name;
      nl_.instances.push_back(path);
      std::map<std::string, Decl> sub;
      std::vector<std::string> order;
      std::map<std::string, bool> sub_dir;
      elaborate(m->second, path + ".", sub, order, sub_dir);
      for (const auto& [port, bits] : conns) {
        auto d = sub.find(port);
        if (d == sub.end() || !sub_dir.count(port))
          fail(type.line, fmt::format("instance {} of {} has no port '{}'", path, type.text, port));
        const int w = std::abs(d->second.msb - d->second.lsb) + 1;
        if (static_cast<int>(bits.size()) != w)
          fail(type.line, fmt::format("port {}.{} has {} bits, {} connected", path, port, w, bits.size()));
        for (int b = 0; b < w; ++b) join(d->second.first_bit + (w - 1 - b), bits[static_cast<size_t>(b)], type.line);
      }
      return;
    }
    for (auto& [pin, bits] : conns) {
      if (bits.size() != 1)
        fail(type.line, fmt::format("pin {}.{} of cell '{}' connects {} bits, cells have 1-bit pins", c.name, pin,
                                    c.type, bits.size()));
      c.pins.emplace_back(pin, bits[0]);
    }
    c.block = prefix_.empty() ? "" : prefix_.substr(0, prefix_.size() - 1);
    c.name = prefix_ + c.name;
    pending_.push_back(std::move(c));
  }

  void finish() {
    std::vector<int> id(bit_names_.size(), kNoNet);  // per bit: its net, once its root has one
    for (size_t b = 0; b < bit_names_.size(); ++b) {
      const int r = find(static_cast<int>(b));
      auto ct = const_of_.find(r);
      if (ct != const_of_.end()) {
        id[b] = ct->second;
      } else {
        if (id[r] == kNoNet) {
          id[r] = nl_.num_nets();
          nl_.net_bits.emplace_back();
        }
        id[b] = id[r];
      }
      if (id[b] >= 0) nl_.net_bits[id[b]].push_back(bit_names_[b]);
      nl_.bit_net[bit_names_[b]] = id[b];
    }
    for (auto& pc : pending_) {
      Netlist::Cell c{std::move(pc.type), std::move(pc.name), {}, std::move(pc.block)};
      for (auto& [pin, bit] : pc.pins) c.pins.emplace_back(pin, bit < 0 ? bit : id[bit]);
      nl_.cells.push_back(std::move(c));
    }
  }

  std::vector<Tok> t_;
  const std::string& name_;
  size_t i_ = 0;
  Netlist nl_;
  std::map<std::string, size_t> modules_;  // module name -> token index of its `module` keyword
  std::map<std::string, Decl>* decls_ = nullptr;  // the module being read
  std::string prefix_;                            // its instance path + "." ("" for the top)
  int depth_ = 0;
  std::vector<std::string> bit_names_;
  std::vector<int> parent_;
  std::map<int, int> const_of_;  // root bit -> constant
  std::vector<PendingCell> pending_;
};

}  // namespace

Netlist parse_netlist(std::string_view text, const std::string& name, const std::string& top) {
  return Reader(tokenize(text, name), name).read(top);
}

Netlist read_netlist(const std::string& path, const std::string& top) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw NetlistError(fmt::format("netlist {}: cannot read the file", path));
  std::ostringstream ss;
  ss << in.rdbuf();
  return parse_netlist(ss.str(), path, top);
}

}  // namespace logmac::synth
