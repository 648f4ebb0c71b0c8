#include "synth/liberty.hpp"

#include <fmt/format.h>

#include <cctype>
#include <cstring>
#include <charconv>
#include <cmath>
#include <fstream>
#include <map>

#include "util/text_io.hpp"

namespace logmac::synth {

namespace {

// ---- generic syntax: groups `name (args) { ... }`, simple `name : value ;`, complex `name (args) ;` ----
struct Group {
  std::string type;
  std::vector<std::string> args;
  std::vector<std::pair<std::string, std::string>> simple;
  std::vector<std::pair<std::string, std::vector<std::string>>> complex;
  std::vector<Group> groups;
  int line = 0;

  const std::string* attr(std::string_view n) const {
    for (const auto& [k, v] : simple)
      if (k == n) return &v;
    return nullptr;
  }
  const std::vector<std::string>* cattr(std::string_view n) const {
    for (const auto& [k, v] : complex)
      if (k == n) return &v;
    return nullptr;
  }
};

struct Token {
  enum Kind { Word, String, Punct, End } kind;
  std::string text;
  int line;
};

class Lexer {
 public:
  // A liberty file is text: a NUL or another control byte (tools downstream choke on them) is an error.
  Lexer(std::string_view s, const std::string& name) : s_(s), name_(name) {
    int line = 1;
    for (const char c : s) {
      const auto u = static_cast<unsigned char>(c);
      if (c == '\n') ++line;
      else if ((u < 0x20 && !std::isspace(u)) || u == 0x7f)
        fail(line, u ? fmt::format("control byte 0x{:02x} (not a text file?)", u) : "a NUL byte (not a text file?)");
    }
  }
  [[noreturn]] void fail(int line, const std::string& what) const {
    throw LibertyError(fmt::format("liberty {}:{}: {}", printable(name_, 200), line, printable(what, 200)));
  }
  Token next() {
    skip();
    if (i_ >= s_.size()) return {Token::End, "", line_};
    const char c = s_[i_];
    if (c == '"') {
      const int l = line_;
      std::string t;
      for (++i_; i_ < s_.size() && s_[i_] != '"'; ++i_) {
        if (s_[i_] == '\\' && i_ + 1 < s_.size() && (s_[i_ + 1] == '\n' || s_[i_ + 1] == '\r')) continue;
        if (s_[i_] == '\n') ++line_;
        t += s_[i_];
      }
      if (i_ >= s_.size()) fail(l, "unterminated string");
      ++i_;
      return {Token::String, t, l};
    }
    if (std::strchr("(){}:;,", c)) {
      ++i_;
      return {Token::Punct, std::string(1, c), line_};
    }
    const size_t b = i_;
    while (i_ < s_.size() && !std::isspace(static_cast<unsigned char>(s_[i_])) && !std::strchr("(){}:;,\"", s_[i_]) &&
           !(s_[i_] == '/' && i_ + 1 < s_.size() && s_[i_ + 1] == '*'))
      ++i_;
    return {Token::Word, std::string(s_.substr(b, i_ - b)), line_};
  }

 private:
  void skip() {
    while (i_ < s_.size()) {
      const char c = s_[i_];
      if (c == '\n') {
        ++line_;
        ++i_;
      } else if (std::isspace(static_cast<unsigned char>(c)) || c == '\\') {
        ++i_;  // a backslash continues a line
      } else if (c == '/' && i_ + 1 < s_.size() && s_[i_ + 1] == '*') {
        const size_t e = s_.find("*/", i_ + 2);
        if (e == std::string_view::npos) fail(line_, "unterminated comment");
        for (size_t k = i_; k < e; ++k) line_ += s_[k] == '\n';
        i_ = e + 2;
      } else if (c == '/' && i_ + 1 < s_.size() && s_[i_ + 1] == '/') {
        while (i_ < s_.size() && s_[i_] != '\n') ++i_;
      } else {
        return;
      }
    }
  }
  std::string_view s_;
  const std::string& name_;
  size_t i_ = 0;
  int line_ = 1;
};

class Parser {
 public:
  Parser(std::string_view s, const std::string& name) : lex_(s, name) { tok_ = lex_.next(); }

  Group parse_top() {
    if (tok_.kind != Token::Word) lex_.fail(tok_.line, "expected 'library (NAME) {'");
    Group g = parse_statement_group();
    if (g.type != "library") lex_.fail(g.line, fmt::format("expected a library group, found '{}'", g.type));
    return g;
  }

 private:
  void advance() { tok_ = lex_.next(); }
  bool is(const char* p) const { return tok_.kind == Token::Punct && tok_.text == p; }
  void expect(const char* p) {
    if (!is(p)) lex_.fail(tok_.line, fmt::format("expected '{}', found '{}'", p, tok_.text));
    advance();
  }

  // At a word that starts a group: parse `type (args) { body }`.
  Group parse_statement_group() {
    Group g;
    g.type = tok_.text;
    g.line = tok_.line;
    advance();
    g.args = parse_args();
    expect("{");
    parse_body(g);
    return g;
  }

  std::vector<std::string> parse_args() {
    expect("(");
    std::vector<std::string> args;
    std::string cur;
    bool have = false;
    while (!is(")")) {
      if (tok_.kind == Token::End) lex_.fail(tok_.line, "unexpected end of file in '(...)'");
      if (is(",")) {
        args.push_back(cur);
        cur.clear();
        have = false;
      } else {
        if (have) cur += ' ';
        cur += tok_.text;
        have = true;
      }
      advance();
    }
    if (have || !args.empty()) args.push_back(cur);
    advance();
    return args;
  }

  void parse_body(Group& g) {
    while (!is("}")) {
      if (tok_.kind == Token::End) lex_.fail(g.line, fmt::format("group '{}' is not closed", g.type));
      if (is(";")) {
        advance();
        continue;
      }
      if (tok_.kind != Token::Word) lex_.fail(tok_.line, fmt::format("unexpected '{}'", tok_.text));
      const std::string name = tok_.text;
      const int line = tok_.line;
      advance();
      if (is(":")) {
        advance();
        std::string v;
        while (!is(";") && !is("}") && tok_.kind != Token::End && (v.empty() || tok_.line == line)) {
          if (!v.empty()) v += ' ';
          v += tok_.text;
          advance();
        }
        if (v.empty()) lex_.fail(line, fmt::format("attribute '{}' has no value", name));
        if (is(";")) advance();
        g.simple.emplace_back(name, v);
      } else if (is("(")) {
        auto args = parse_args();
        if (is("{")) {
          advance();
          Group sub;
          sub.type = name;
          sub.args = std::move(args);
          sub.line = line;
          parse_body(sub);
          g.groups.push_back(std::move(sub));
        } else {
          if (is(";")) advance();
          g.complex.emplace_back(name, std::move(args));
        }
      } else {
        lex_.fail(line, fmt::format("expected ':' or '(' after '{}'", name));
      }
    }
    advance();
  }

  Lexer lex_;
  Token tok_;
};

// ---- semantic layer ----
struct Units {
  double time_ns = 1, cap_pf = 1, volt = 1, leak_nw = 1;
  double energy_pj() const { return cap_pf * volt * volt; }
};

// `what` has its user text through printable() already.
[[noreturn]] void fail_at(const std::string& name, int line, const std::string& what) {
  throw LibertyError(fmt::format("liberty {}:{}: {}", printable(name, 200), line, what));
}

double to_number(const std::string& s, const std::string& name, int line) {
  double v = 0;
  const char* b = s.data();
  const char* e = b + s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(*b))) ++b;
  if (b < e && *b == '+') ++b;
  auto [p, ec] = std::from_chars(b, e, v);
  if (ec != std::errc() || p != e || !std::isfinite(v))
    fail_at(name, line, fmt::format("'{}' is not a number", printable(s)));
  return v;
}

// A physical quantity that cannot be negative (area, capacitance, leakage, an index of load or slew).
double non_negative(const std::string& s, const char* what, const std::string& name, int line) {
  const double v = to_number(s, name, line);
  if (v < 0) fail_at(name, line, fmt::format("{} {} is negative (not physical)", what, printable(s)));
  return v;
}

// A table index (load or slew): non-negative and strictly increasing.
std::vector<double> index_list(const std::vector<std::string>& args, const char* what, const std::string& name,
                               int line);

std::vector<double> number_list(const std::vector<std::string>& args, const std::string& name, int line) {
  std::vector<double> out;
  for (const auto& a : args) {
    std::string cur;
    for (char c : a + ",") {
      if (c == ',' || std::isspace(static_cast<unsigned char>(c))) {
        if (!cur.empty()) out.push_back(to_number(cur, name, line));
        cur.clear();
      } else {
        cur += c;
      }
    }
  }
  return out;
}

// "1ns" -> (1, "ns")
double unit_value(const std::string& s, const std::map<std::string, double>& suffixes, const std::string& name,
                  int line, const char* what) {
  size_t k = 0;
  while (k < s.size() && (std::isdigit(static_cast<unsigned char>(s[k])) || s[k] == '.')) ++k;
  const double mult = k ? to_number(s.substr(0, k), name, line) : 1.0;
  if (!(mult > 0)) fail_at(name, line, fmt::format("{} '{}' must be positive", what, printable(s)));
  std::string suf = s.substr(k);
  for (auto& c : suf) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  auto it = suffixes.find(suf);
  if (it == suffixes.end()) fail_at(name, line, fmt::format("unknown {} '{}'", what, printable(s)));
  return mult * it->second;
}

std::vector<double> index_list(const std::vector<std::string>& args, const char* what, const std::string& name,
                               int line) {
  std::vector<double> v = number_list(args, name, line);
  for (size_t i = 0; i < v.size(); ++i) {
    if (v[i] < 0) fail_at(name, line, fmt::format("{} value {} is negative (not physical)", what, v[i]));
    if (i && !(v[i] > v[i - 1])) fail_at(name, line, fmt::format("{} is not strictly increasing", what));
  }
  return v;
}

Lut::Var var_of(const std::string& v) {
  if (v == "total_output_net_capacitance") return Lut::Var::Load;
  if (v == "input_transition_time" || v == "input_net_transition") return Lut::Var::Slew;
  return Lut::Var::None;
}

struct Template {
  Lut::Var v1 = Lut::Var::None, v2 = Lut::Var::None;
  std::vector<double> i1, i2;  // raw (library units)
};

double scale_of(Lut::Var v, const Units& u) { return v == Lut::Var::Load ? u.cap_pf : v == Lut::Var::Slew ? u.time_ns : 1; }

Lut make_lut(const Group& g, const std::map<std::string, Template>& templates, const Units& u, const std::string& name) {
  Lut t;
  Template tp;
  const std::string tname = g.args.empty() ? "scalar" : g.args[0];
  if (tname != "scalar") {
    auto it = templates.find(tname);
    if (it == templates.end()) fail_at(name, g.line, fmt::format("unknown table template '{}'", printable(tname)));
    tp = it->second;
  }
  t.var1 = tp.v1;
  t.var2 = tp.v2;
  t.index1 = tp.i1;
  t.index2 = tp.i2;
  if (auto* i = g.cattr("index_1")) t.index1 = index_list(*i, "index_1", name, g.line);
  if (auto* i = g.cattr("index_2")) t.index2 = index_list(*i, "index_2", name, g.line);
  const auto* vals = g.cattr("values");
  if (!vals) fail_at(name, g.line, fmt::format("table '{}' has no values", printable(g.type)));
  t.values = number_list(*vals, name, g.line);
  if (tname == "scalar" || t.var1 == Lut::Var::None) {
    t.index1.clear();
    t.index2.clear();
  } else if (t.var2 == Lut::Var::None) {
    t.index2.clear();
  }
  const size_t n1 = std::max<size_t>(1, t.index1.size()), n2 = std::max<size_t>(1, t.index2.size());
  if (t.values.size() != n1 * n2)
    fail_at(name, g.line, fmt::format("table '{}' has {} values, its indexes need {}", printable(g.type),
                                      t.values.size(), n1 * n2));
  for (auto& x : t.index1) x *= scale_of(t.var1, u);
  for (auto& x : t.index2) x *= scale_of(t.var2, u);
  for (auto& x : t.values) x *= u.energy_pj();
  return t;
}

// Position of x in a sorted index: segment i and fraction (may be < 0 or > 1: linear extrapolation).
void locate(const std::vector<double>& idx, double x, size_t& i, double& frac) {
  if (idx.size() < 2) {
    i = 0;
    frac = 0;
    return;
  }
  i = 0;
  while (i + 2 < idx.size() && x > idx[i + 1]) ++i;
  const double d = idx[i + 1] - idx[i];
  frac = d != 0 ? (x - idx[i]) / d : 0;
}

}  // namespace

double Lut::lookup(double load_pf, double slew_ns) const {
  if (values.empty()) return 0;
  if (values.size() == 1) return values[0];
  auto pick = [&](Var v) { return v == Var::Load ? load_pf : slew_ns; };
  size_t i, j = 0;
  double fi, fj = 0;
  locate(index1, pick(var1), i, fi);
  const size_t n2 = std::max<size_t>(1, index2.size());
  if (index2.size() >= 2) locate(index2, pick(var2), j, fj);
  auto at = [&](size_t a, size_t b) { return values[a * n2 + b]; };
  const size_t i1 = index1.size() >= 2 ? i + 1 : i, j1 = index2.size() >= 2 ? j + 1 : j;
  const double lo = at(i, j) + (at(i, j1) - at(i, j)) * fj;
  const double hi = at(i1, j) + (at(i1, j1) - at(i1, j)) * fj;
  return lo + (hi - lo) * fi;
}

const LibPin* LibCell::pin(std::string_view n) const {
  for (const auto& p : pins)
    if (p.name == n) return &p;
  return nullptr;
}

const LibCell* Library::cell(std::string_view n) const {
  for (const auto& c : cells)
    if (c.name == n) return &c;
  return nullptr;
}

Library parse_liberty(std::string_view text, const std::string& name) {
  Parser parser(text, name);
  const Group top = parser.parse_top();
  Library lib;
  lib.name = top.args.empty() ? "" : top.args[0];
  lib.path = name;

  Units u;
  if (auto* s = top.attr("time_unit"))
    u.time_ns = unit_value(*s, {{"ns", 1}, {"ps", 1e-3}, {"us", 1e3}}, name, top.line, "time_unit");
  if (auto* s = top.attr("voltage_unit")) u.volt = unit_value(*s, {{"v", 1}, {"mv", 1e-3}}, name, top.line, "voltage_unit");
  if (auto* s = top.attr("leakage_power_unit"))
    u.leak_nw = unit_value(*s, {{"nw", 1}, {"pw", 1e-3}, {"fw", 1e-6}, {"uw", 1e3}, {"mw", 1e6}, {"w", 1e9}}, name,
                           top.line, "leakage_power_unit");
  if (auto* c = top.cattr("capacitive_load_unit")) {
    if (c->size() != 2) fail_at(name, top.line, "capacitive_load_unit needs (VALUE, UNIT)");
    std::string unit = (*c)[1];
    for (auto& ch : unit) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    const double base = unit == "pf" ? 1.0 : unit == "ff" ? 1e-3 : unit == "nf" ? 1e3 : -1;
    if (base < 0) fail_at(name, top.line, fmt::format("unknown capacitive_load_unit '{}'", printable((*c)[1])));
    u.cap_pf = to_number((*c)[0], name, top.line) * base;
    if (!(u.cap_pf > 0)) fail_at(name, top.line, "capacitive_load_unit must be positive");
  }
  if (auto* s = top.attr("nom_voltage")) lib.voltage = to_number(*s, name, top.line) * u.volt;
  if (lib.voltage <= 0)
    for (const auto& g : top.groups)
      if (g.type == "operating_conditions")
        if (auto* s = g.attr("voltage")) lib.voltage = to_number(*s, name, g.line) * u.volt;
  if (lib.voltage <= 0) fail_at(name, top.line, "no positive nom_voltage or operating_conditions voltage");

  std::map<std::string, Template> templates;
  for (const auto& g : top.groups) {
    if (g.type != "power_lut_template" && g.type != "lu_table_template") continue;
    Template t;
    if (auto* s = g.attr("variable_1")) t.v1 = var_of(*s);
    if (auto* s = g.attr("variable_2")) t.v2 = var_of(*s);
    if (auto* i = g.cattr("index_1")) t.i1 = index_list(*i, "index_1", name, g.line);
    if (auto* i = g.cattr("index_2")) t.i2 = index_list(*i, "index_2", name, g.line);
    if (!g.args.empty()) templates[g.args[0]] = t;
  }

  for (const auto& cg : top.groups) {
    if (cg.type != "cell") continue;
    LibCell cell;
    if (cg.args.empty()) fail_at(name, cg.line, "cell without a name");
    cell.name = cg.args[0];
    if (auto* s = cg.attr("area")) cell.area = non_negative(*s, "area", name, cg.line);
    if (auto* s = cg.attr("dont_use")) cell.dont_use = *s == "true";
    double leak_sum = 0;
    int leak_n = 0;
    for (const auto& g : cg.groups)
      if (g.type == "leakage_power")
        if (auto* v = g.attr("value")) {
          leak_sum += non_negative(*v, "leakage_power value", name, g.line);
          ++leak_n;
        }
    if (auto* s = cg.attr("cell_leakage_power"))
      cell.leakage = non_negative(*s, "cell_leakage_power", name, cg.line) * u.leak_nw;
    else if (leak_n) cell.leakage = leak_sum / leak_n * u.leak_nw;

    for (const auto& g : cg.groups) {
      if (g.type == "ff" || g.type == "latch") {
        LibSequential s;
        s.latch = g.type == "latch";
        if (g.args.size() >= 1) s.iq = g.args[0];
        if (g.args.size() >= 2) s.iqn = g.args[1];
        auto get = [&](const char* k) { return g.attr(k) ? *g.attr(k) : std::string(); };
        s.next_state = get(s.latch ? "data_in" : "next_state");
        s.clocked_on = get(s.latch ? "enable" : "clocked_on");
        s.clear = get("clear");
        s.preset = get("preset");
        s.clear_preset_var1 = get("clear_preset_var1");
        s.clear_preset_var2 = get("clear_preset_var2");
        cell.seq.push_back(s);
      } else if (g.type == "pin") {
        for (const auto& pname : g.args) {
          LibPin p;
          p.name = pname;
          if (auto* d = g.attr("direction")) {
            if (*d == "input") p.dir = PinDir::Input;
            else if (*d == "output") p.dir = PinDir::Output;
            else if (*d == "inout") p.dir = PinDir::Inout;
            else p.dir = PinDir::Internal;
          }
          const std::string* c = g.attr("capacitance");
          const std::string* rc = g.attr("rise_capacitance");
          const std::string* fc = g.attr("fall_capacitance");
          p.rise_cap = rc ? non_negative(*rc, "rise_capacitance", name, g.line) * u.cap_pf : 0;
          p.fall_cap = fc ? non_negative(*fc, "fall_capacitance", name, g.line) * u.cap_pf : 0;
          if (c) p.cap = non_negative(*c, "capacitance", name, g.line) * u.cap_pf;
          else if (rc && fc) p.cap = (p.rise_cap + p.fall_cap) / 2;
          else if (rc) p.cap = p.rise_cap;  // only one of them: the load is still there
          else if (fc) p.cap = p.fall_cap;
          if (!rc) p.rise_cap = p.cap;
          if (!fc) p.fall_cap = p.cap;
          if (auto* f = g.attr("function")) p.function = *f;
          if (auto* ck = g.attr("clock")) p.clock = *ck == "true";
          for (const auto& ip : g.groups) {
            if (ip.type != "internal_power") continue;
            InternalPower pw;
            if (auto* r = ip.attr("related_pin")) pw.related_pin = *r;
            if (auto* w = ip.attr("when")) pw.when = *w;
            for (const auto& t : ip.groups) {
              if (t.type == "rise_power") pw.rise = make_lut(t, templates, u, name);
              else if (t.type == "fall_power") pw.fall = make_lut(t, templates, u, name);
              else if (t.type == "power") pw.rise = pw.fall = make_lut(t, templates, u, name);
            }
            p.power.push_back(std::move(pw));
          }
          cell.pins.push_back(std::move(p));
        }
      }
    }
    lib.cells.push_back(std::move(cell));
  }
  if (lib.cells.empty()) fail_at(name, top.line, "the library has no cells");
  return lib;
}

Library read_liberty(const std::string& path) {
  std::string text;
  try {  // a regular file of bounded size: not a directory, device or FIFO
    text = read_text_file(path, kMaxLibertyFileBytes, "liberty");
  } catch (const InputError& e) {
    throw LibertyError(e.what());
  }
  return parse_liberty(text, path);
}

}  // namespace logmac::synth
