#include "synth/liberty_expr.hpp"

#include <fmt/format.h>

#include <cctype>

namespace logmac::synth {

namespace {

class ExprParser {
 public:
  ExprParser(std::string_view s, const std::string& what, std::vector<std::string>& vars,
             std::vector<LibExpr::Item>& code)
      : s_(s), what_(what), vars_(vars), code_(code) {}

  void parse() {
    parse_or();
    skip();
    if (i_ < s_.size()) fail(fmt::format("unexpected '{}'", s_[i_]));
  }

 private:
  using Op = LibExpr::Op;
  [[noreturn]] void fail(const std::string& why) const {
    throw LibExprError(fmt::format("{}: bad function \"{}\": {}", what_, s_, why));
  }
  void skip() {
    while (i_ < s_.size() && (std::isspace(static_cast<unsigned char>(s_[i_])) || s_[i_] == '"')) ++i_;
  }
  char peek() {
    skip();
    return i_ < s_.size() ? s_[i_] : '\0';
  }
  static bool name_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '[' || c == ']' || c == '.';
  }
  // A primary can start here (juxtaposition means AND).
  bool starts_primary() {
    const char c = peek();
    return c == '(' || c == '!' || name_char(c);
  }

  void parse_or() {
    parse_and();
    while (peek() == '+' || peek() == '|') {
      ++i_;
      parse_and();
      code_.push_back({Op::Or});
    }
  }
  void parse_and() {
    parse_xor();
    while (true) {
      const char c = peek();
      if (c == '*' || c == '&') {
        ++i_;
      } else if (!starts_primary()) {
        return;
      }
      parse_xor();
      code_.push_back({Op::And});
    }
  }
  void parse_xor() {
    parse_unary();
    while (peek() == '^') {
      ++i_;
      parse_unary();
      code_.push_back({Op::Xor});
    }
  }
  void parse_unary() {
    if (peek() == '!') {
      ++i_;
      parse_unary();
      code_.push_back({Op::Not});
      return;
    }
    parse_primary();
    while (peek() == '\'') {
      ++i_;
      code_.push_back({Op::Not});
    }
  }
  void parse_primary() {
    const char c = peek();
    if (c == '(') {
      ++i_;
      parse_or();
      if (peek() != ')') fail("missing ')'");
      ++i_;
      return;
    }
    if (!name_char(c)) fail(c ? fmt::format("unexpected '{}'", c) : std::string("unexpected end"));
    const size_t b = i_;
    while (i_ < s_.size() && name_char(s_[i_])) ++i_;
    const std::string name(s_.substr(b, i_ - b));
    if (name == "0" || name == "1") {
      code_.push_back({name == "0" ? Op::Zero : Op::One});
      return;
    }
    if (std::isdigit(static_cast<unsigned char>(name[0]))) fail(fmt::format("'{}' is not a pin name", name));
    int idx = -1;
    for (size_t k = 0; k < vars_.size(); ++k)
      if (vars_[k] == name) idx = static_cast<int>(k);
    if (idx < 0) {
      idx = static_cast<int>(vars_.size());
      vars_.push_back(name);
    }
    code_.push_back({Op::Var, idx});
  }

  std::string_view s_;
  const std::string& what_;
  std::vector<std::string>& vars_;
  std::vector<LibExpr::Item>& code_;
  size_t i_ = 0;
};

}  // namespace

LibExpr LibExpr::parse(std::string_view text, const std::string& what) {
  LibExpr e;
  ExprParser(text, what, e.vars_, e.code_).parse();
  return e;
}

std::string LibExpr::verilog() const {
  return verilog([this](int i) { return vars_[static_cast<size_t>(i)]; });
}

std::uint64_t LibExpr::eval(const std::uint64_t* v) const {
  std::uint64_t st[64];
  int n = 0;
  for (const auto& it : code_) {
    switch (it.op) {
      case Op::Var: st[n++] = v[it.var]; break;
      case Op::Zero: st[n++] = 0; break;
      case Op::One: st[n++] = ~std::uint64_t{0}; break;
      case Op::Not: st[n - 1] = ~st[n - 1]; break;
      case Op::And: --n; st[n - 1] &= st[n]; break;
      case Op::Or: --n; st[n - 1] |= st[n]; break;
      case Op::Xor: --n; st[n - 1] ^= st[n]; break;
    }
    if (n >= 64) throw LibExprError("liberty function nested too deeply");
  }
  return n ? st[n - 1] : 0;
}

std::uint64_t LibExpr::truth_table() const {
  if (vars_.size() > 6) throw LibExprError(fmt::format("a truth table of {} variables (at most 6)", vars_.size()));
  // Variable i over the 64 rows k: bit i of k.
  static constexpr std::uint64_t kColumn[6] = {0xAAAAAAAAAAAAAAAAull, 0xCCCCCCCCCCCCCCCCull, 0xF0F0F0F0F0F0F0F0ull,
                                               0xFF00FF00FF00FF00ull, 0xFFFF0000FFFF0000ull, 0xFFFFFFFF00000000ull};
  const std::uint64_t rows = vars_.size() == 6 ? ~std::uint64_t{0} : (std::uint64_t{1} << (1u << vars_.size())) - 1;
  return eval(kColumn) & rows;
}

int LibExpr::single_var(bool& inverted) const {
  inverted = false;
  if (code_.empty() || code_[0].op != Op::Var) return -1;
  for (size_t k = 1; k < code_.size(); ++k) {
    if (code_[k].op != Op::Not) return -1;
    inverted = !inverted;
  }
  return code_[0].var;
}

}  // namespace logmac::synth
