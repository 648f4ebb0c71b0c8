#include "sim/config.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "sim/registry.hpp"
#include "util/text_io.hpp"
#include "util/hash.hpp"

namespace logmac {

namespace {

template <size_t... I>
const VariantInfo& info_at(int index, std::index_sequence<I...>) {
  static const VariantInfo* table[] = {&std::tuple_element_t<I, AllModels>::info()...};
  return *table[index];
}

std::string variant_names() {
  std::string s;
  for (int i = 0; i < kNumVariants; ++i) s += (i ? ", " : "") + std::string(variant_info(i).name);
  return s;
}

std::string key_names(const VariantInfo& vi) {
  std::string s;
  for (const auto& k : vi.keys) s += (s.empty() ? "" : ", ") + std::string(k.name);
  return s;
}

std::string choice_names(const KeyDef& k) {
  std::string s;
  for (const auto* c : k.choices) s += (s.empty() ? "" : "|") + std::string(c);
  return s;
}

std::string value_text(const MacConfig& c, const KeyDef& k) {
  switch (k.kind) {
    case KeyKind::Int: return std::to_string(c.*k.int_field);
    case KeyKind::Choice: return k.choices.at(c.*k.int_field);
    case KeyKind::Text: return c.*k.text_field;
  }
  return {};
}

std::vector<const KeyDef*> sorted_keys(const VariantInfo& vi) {
  std::vector<const KeyDef*> ks;
  for (const auto& k : vi.keys) ks.push_back(&k);
  std::sort(ks.begin(), ks.end(), [](auto* a, auto* b) { return std::string_view(a->name) < b->name; });
  return ks;
}

// A table file's content as 8 hex digits, for names and cache keys of user tables (read with the table limits).
std::string file_hash(const std::string& path) {
  const std::uint64_t h = util::fnv1a(read_text_file(path, kMaxTableFileBytes, "table"));
  return fmt::format("{:08x}", static_cast<std::uint32_t>(h ^ (h >> 32)));
}

}  // namespace

const VariantInfo& variant_info(int index) {
  return info_at(index, std::make_index_sequence<kNumVariants>{});
}

KeyDef int_key(const char* name, int MacConfig::*field, int lo, int hi, const char* help, int def) {
  KeyDef k{name, KeyKind::Int};
  k.int_field = field;
  k.lo = lo;
  k.hi = hi;
  k.def = def;
  k.help = help;
  return k;
}

KeyDef choice_key(const char* name, int MacConfig::*field, std::vector<const char*> choices, const char* help) {
  KeyDef k{name, KeyKind::Choice};
  k.int_field = field;
  k.choices = std::move(choices);
  k.help = help;
  return k;
}

KeyDef text_key(const char* name, std::string MacConfig::*field, const char* help) {
  KeyDef k{name, KeyKind::Text};
  k.text_field = field;
  k.help = help;
  return k;
}

KeyDef pipe_key() { return int_key("pipe", &MacConfig::pipe, 0, 2, "registers between product and accumulator", 1); }
KeyDef wacc_key(int lo, const char* help) { return int_key("wacc", &MacConfig::wacc, lo, 62, help); }
KeyDef facc_key() { return int_key("facc", &MacConfig::facc, 0, 60, "accumulator fraction bits"); }
KeyDef ovf_key() { return choice_key("ovf", &MacConfig::ovf, {"sat", "wrap"}, "accumulator overflow"); }

void spec_fail(const MacConfig& c, const std::string& what) {
  throw SpecError(fmt::format("{}: {}", c.variant, what));
}

void require_range(const MacConfig& c, const char* key, int value, int lo, int hi) {
  if (value < lo || value > hi)
    spec_fail(c, lo > hi ? fmt::format("{}={} cannot be satisfied with the other keys", key, value)
                         : fmt::format("{}={} is out of range (allowed {}..{})", key, value, lo, hi));
}

int linear_wacc_for(long double max_product_lsb) {
  // bits of 1024 * max, plus a sign bit
  const long double v = std::ceil(max_product_lsb * 1024.0L);
  return static_cast<int>(std::floor(std::log2(std::max(v, 1.0L)))) + 2;
}

static MacConfig parse_spec_unchecked(std::string_view spec);

MacConfig parse_spec(std::string_view spec) {
  try {
    return parse_spec_unchecked(spec);
  } catch (const SpecError& e) {
    throw SpecError(fmt::format("bad MAC spec '{}': {}", printable(spec, 160), e.what()));
  }
}

// Grammar (README "Contract"): VARIANT[:KEY=VALUE{,KEY=VALUE}], no empty items, every key at most once,
// integers by parse_int_strict; user text in messages goes through printable().
static MacConfig parse_spec_unchecked(std::string_view spec) {
  MacConfig c;
  const auto colon = spec.find(':');
  c.variant = std::string(spec.substr(0, colon));
  for (int i = 0; i < kNumVariants; ++i)
    if (c.variant == variant_info(i).name) c.variant_index = i;
  if (c.variant_index < 0)
    throw SpecError(fmt::format("unknown variant '{}' (allowed: {})", printable(c.variant), variant_names()));
  const VariantInfo& vi = variant_info(c.variant_index);
  std::set<std::string> given;
  std::string_view rest = colon == std::string_view::npos ? std::string_view{} : spec.substr(colon + 1);
  if (colon != std::string_view::npos && rest.empty()) spec_fail(c, "nothing after ':' (give key=value,...)");
  bool more = !rest.empty();
  while (more) {
    const auto comma = rest.find(',');
    const std::string_view item = rest.substr(0, comma);
    more = comma != std::string_view::npos;
    rest = more ? rest.substr(comma + 1) : std::string_view{};
    if (item.empty()) spec_fail(c, "empty item (a stray ','): give key=value,key=value");
    const auto eq = item.find('=');
    const std::string key(item.substr(0, eq));
    if (key.empty()) spec_fail(c, fmt::format("'{}' has no key before '='", printable(item)));
    const KeyDef* kd = nullptr;
    for (const auto& k : vi.keys)
      if (key == k.name) kd = &k;
    if (!kd) spec_fail(c, fmt::format("unknown key '{}' (allowed: {})", printable(key), key_names(vi)));
    if (eq == std::string_view::npos || eq + 1 == item.size()) spec_fail(c, fmt::format("key '{}' has no value", key));
    if (!given.insert(key).second) spec_fail(c, fmt::format("key '{}' is given twice", key));
    const std::string val(item.substr(eq + 1));
    switch (kd->kind) {
      case KeyKind::Int: {
        long long v = 0;
        const bool well_formed = parse_int_strict(val, v);
        if (!well_formed || v < kd->lo || v > kd->hi)
          spec_fail(c, fmt::format("{}={} is not an integer in {}..{}{}", key, printable(val), kd->lo, kd->hi,
                                   well_formed ? "" : fmt::format(" ({})", kIntegerGrammar)));
        c.*kd->int_field = static_cast<int>(v);
        break;
      }
      case KeyKind::Choice: {
        int idx = -1;
        for (size_t i = 0; i < kd->choices.size(); ++i)
          if (val == kd->choices[i]) idx = static_cast<int>(i);
        if (idx < 0)
          spec_fail(c, fmt::format("{}={} is not allowed (allowed: {})", key, printable(val), choice_names(*kd)));
        c.*kd->int_field = idx;
        break;
      }
      case KeyKind::Text: c.*kd->text_field = val; break;
    }
  }
  if (!given.count("w")) spec_fail(c, fmt::format("key 'w' is required (allowed keys: {})", key_names(vi)));
  for (const auto& k : vi.keys) {
    if (given.count(k.name)) continue;
    if (k.kind == KeyKind::Choice) c.*k.int_field = 0;
    if (k.kind == KeyKind::Int && k.def != kDerived) c.*k.int_field = k.def;
  }
  vi.derive(c);
  c.latency = c.pipe + 1;
  return c;
}

std::string MacConfig::canonical() const {
  const VariantInfo& vi = variant_info(variant_index);
  std::string s = variant + ":";
  bool first = true;
  for (const KeyDef* k : sorted_keys(vi)) {
    s += fmt::format("{}{}={}", first ? "" : ",", k->name, value_text(*this, *k));
    first = false;
  }
  return s;
}

std::string MacConfig::module_name() const {
  const VariantInfo& vi = variant_info(variant_index);
  std::string s = "logmac_" + variant;
  for (const auto& k : vi.keys) {
    std::string v = value_text(*this, k);
    if (k.kind == KeyKind::Text && v.rfind("pwl:", 0) == 0 && v != "pwl:qaa") v = "pwlf" + file_hash(v.substr(4));
    std::string clean;
    for (char ch : v) {
      if (std::isalnum(static_cast<unsigned char>(ch))) clean += ch;
      else if (ch == '-') clean += 'm';
    }
    s += "_" + (k.kind == KeyKind::Int ? std::string(k.name) : std::string()) + clean;
  }
  return s;
}

std::string MacConfig::to_json() const {
  const VariantInfo& vi = variant_info(variant_index);
  std::string s = fmt::format("{{\n  \"spec\": \"{}\",\n  \"variant\": \"{}\",\n  \"module\": \"{}\",\n  \"keys\": {{",
                              json_escape(canonical()), variant, module_name());
  bool first = true;
  for (const KeyDef* k : sorted_keys(vi)) {
    const std::string v = value_text(*this, *k);
    s += fmt::format("{}\n    \"{}\": {}", first ? "" : ",", k->name,
                     k->kind == KeyKind::Int ? v : "\"" + json_escape(v) + "\"");
    first = false;
  }
  s += fmt::format("\n  }},\n  \"wa\": {},\n  \"wb\": {},\n  \"wacc\": {},\n  \"facc\": {},\n  \"latency\": {}", wa, wb,
                   wacc, facc, latency);
  if (!pow2_frac.empty()) s += fmt::format(",\n  \"pow2_frac\": [{}]", fmt::join(pow2_frac, ", "));
  if (delta_unit) s += fmt::format(",\n  \"delta_table_size\": {}", delta_unit->plus.size());
  s += "\n}\n";
  return s;
}

}  // namespace logmac
