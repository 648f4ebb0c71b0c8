// Boolean expressions of the Liberty format (pin `function`, ff/latch `next_state`, `clocked_on`, `clear`, ...):
// parsed once into postfix form over named variables, then printed as Verilog or evaluated.
// Grammar (Liberty reference: inversion binds first, then XOR, then AND, then OR):
//   or  := and  (('+' | '|') and)*
//   and := xor  (('*' | '&' | juxtaposition) xor)*
//   xor := unary ('^' unary)*
//   unary := '!' unary | primary '\''*
//   primary := NAME | '0' | '1' | '(' or ')'
#pragma once
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace logmac::synth {

struct LibExprError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class LibExpr {
 public:
  enum class Op : std::uint8_t { Var, Zero, One, Not, And, Or, Xor };
  struct Item {
    Op op;
    int var = -1;  // Op::Var: index into vars()
  };

  // Throws LibExprError naming `what` (e.g. "cell NAND2X1 pin Y") for a malformed expression.
  static LibExpr parse(std::string_view text, const std::string& what);

  const std::vector<std::string>& vars() const { return vars_; }  // in order of first appearance
  const std::vector<Item>& postfix() const { return code_; }
  bool empty() const { return code_.empty(); }

  // Verilog expression; `name(i)` spells variable i (the default: its own name).
  std::string verilog() const;
  template <class F>
  std::string verilog(F&& name) const {
    std::vector<std::string> st;
    for (const auto& it : code_) {
      switch (it.op) {
        case Op::Var: st.push_back(name(it.var)); break;
        case Op::Zero: st.push_back("1'b0"); break;
        case Op::One: st.push_back("1'b1"); break;
        case Op::Not: st.back() = "~" + paren(st.back()); break;
        default: {
          std::string b = std::move(st.back());
          st.pop_back();
          const char* o = it.op == Op::And ? " & " : it.op == Op::Or ? " | " : " ^ ";
          st.back() = "(" + st.back() + o + b + ")";
        }
      }
    }
    return st.empty() ? std::string("1'b0") : st.back();
  }

  // Value for the variables' bits in `v` (bit i = variable i); 64 independent evaluations in parallel.
  std::uint64_t eval(const std::uint64_t* v) const;
  // Truth table over the variables (bit k = value for variable bits k); at most 6 variables.
  std::uint64_t truth_table() const;

  // The single variable the expression is (possibly inverted): "CLK" -> (CLK, false), "!R" -> (R, true);
  // -1 if it is anything else.
  int single_var(bool& inverted) const;

 private:
  // Wraps anything but a name or a parenthesized expression (so that `~` applies to all of it).
  static std::string paren(const std::string& s) {
    if (!s.empty() && s[0] == '(') return s;
    for (char c : s)
      if (!(c == '_' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))) return "(" + s + ")";
    return s;
  }
  std::vector<std::string> vars_;
  std::vector<Item> code_;
};

}  // namespace logmac::synth
