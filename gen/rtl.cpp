#include "gen/rtl.hpp"

#include <fmt/format.h>

#include <stdexcept>

#include "sim/registry.hpp"
#include "util/text_io.hpp"
#include "gen/variants.hpp"

namespace logmac::gen {

namespace {

// One entry per variant, in the order of AllModels (sim/registry.hpp).
const VariantRtl& variant_rtl(int index) {
  static const VariantRtl table[] = {fxp_rtl(), pot_rtl(), apot_rtl(), log2lin_rtl(), lns_rtl(), lns2lin_rtl()};
  static_assert(std::size(table) == kNumVariants, "one generator part per registered variant");
  const VariantRtl& g = table[index];
  if (std::string_view(g.name) != variant_info(index).name)
    throw std::logic_error(fmt::format("gen: generator table entry {} is '{}', registry has '{}'", index, g.name,
                                       variant_info(index).name));
  return g;
}

struct Port {
  const char* name;
  const char* dir;
  int width;
};

std::vector<Port> ports(const MacConfig& c) {
  return {{"clk_i", "input", 1},  {"rst_ni", "input", 1}, {"en_i", "input", 1},     {"clr_i", "input", 1},
          {"a_i", "input", c.wa}, {"b_i", "input", c.wb}, {"acc_o", "output", c.wacc}};
}

std::string json_string(std::string_view s) { return "\"" + json_escape(s) + "\""; }

// A pipeline stage: the valid bit (reset), clr and the product (loaded only with a valid MAC: a valid bit
// qualifies them, so they need no reset).
Module pipeline_module(const std::string& name, int pb) {
  Module m(name);
  m.keep_hierarchy();
  m.note("Pipeline stage: valid_q follows valid_i (reset to 0); clr and the product load only when valid_i is set,");
  m.note("so they hold their value in idle cycles and need no reset (valid_q qualifies them).");
  m.port("input", "clk_i", 1);
  m.port("input", "rst_ni", 1);
  m.port("input", "valid_i", 1);
  m.port("input", "clr_i", 1);
  m.port("input", kProdIn, pb);
  m.port("output", "valid_o", 1);
  m.port("output", "clr_o", 1);
  m.port("output", "prod_o", pb);
  const std::string PW = m.width("PW", pb, "product bits");
  m("reg valid_q;");
  m("reg clr_q;");
  m("reg {}prod_q;", vrange(PW));
  m("always @(posedge clk_i or negedge rst_ni) begin");
  m("  if (!rst_ni) valid_q <= 1'b0;");
  m("  else valid_q <= valid_i;");
  m("end");
  m("always @(posedge clk_i) begin");
  m("  if (valid_i) begin");
  m("    clr_q <= clr_i;");
  m("    prod_q <= {};", kProdIn);
  m("  end");
  m("end");
  m("assign valid_o = valid_q;");
  m("assign clr_o = clr_q;");
  m("assign prod_o = prod_q;");
  return m;
}

}  // namespace

RtlDesign generate_rtl(const MacConfig& c, const std::string& command) {
  const VariantRtl& g = variant_rtl(c.variant_index);
  const u64 reset = with_model(c, [](const auto& m) { return m.reset(); });
  RtlDesign d;
  d.module = c.module_name();
  const std::string& top = d.module;

  // The blocks.
  // Synthesis keeps the blocks whose outputs are registered (product with pipe >= 1, pipeline stages, accumulator):
  // a boundary inside a combinational path would stop abc from optimizing across it (the delta unit inside the
  // accumulator's path: lns:w=16,delta=exact 15.1 ns instead of 10.5 ns), so those blocks are mapped with their
  // parent.
  Module product(top + "_product");
  if (c.pipe) product.keep_hierarchy();
  product.port("input", "a_i", c.wa);
  product.port("input", "b_i", c.wb);
  const int pb = g.product(c, product);
  product.port("output", kProdOut, pb);

  std::vector<Module> sub;
  Module acc(top + "_acc");
  acc.keep_hierarchy();
  acc.port("input", "clk_i", 1);
  acc.port("input", "rst_ni", 1);
  acc.port("input", "valid_i", 1);
  acc.port("input", kClrIn, 1);
  acc.port("input", kProdIn, pb);
  acc.port("output", "acc_o", c.wacc);
  const std::string W = acc.width("WACC", c.wacc, "accumulator bits");
  const std::string R = acc.param(fmt::format("[{}-1:0]", W), "ACC_RESET", hexlit(c.wacc, reset), "value after reset");
  acc("reg {}{};", vrange(W), kAccQ);
  g.accumulate(c, acc, pb, sub);
  acc("always @(posedge clk_i or negedge rst_ni) begin");
  acc("  if (!rst_ni) {} <= {};", kAccQ, R);
  acc("  else if (valid_i) {} <= {};", kAccQ, kAccD);
  acc("end");
  acc("assign acc_o = {};", kAccQ);

  // The top level: product, `pipe` register stages, accumulator.
  Module shell(top);
  shell.note("The MAC: product -> {} pipeline stage(s) -> accumulator.", c.pipe);
  const auto ps = ports(c);
  for (const auto& p : ps) shell.port(p.dir, p.name, p.width);
  shell("wire {}prod;", vrange(pb));
  shell("{}_product u_product (.a_i(a_i), .b_i(b_i), .{}(prod));", top, kProdOut);
  std::string valid = "en_i", clr = "clr_i", prod = "prod";
  for (int k = 1; k <= c.pipe; ++k) {
    const std::string s = fmt::format("s{}_", k);
    shell("wire {}valid, {}clr;", s, s);
    shell("wire {}{}prod;", vrange(pb), s);
    shell("{}_pipe u_pipe{} (", top, k);
    shell("  .clk_i(clk_i), .rst_ni(rst_ni), .valid_i({}), .clr_i({}), .{}({}),", valid, clr, kProdIn, prod);
    shell("  .valid_o({}valid), .clr_o({}clr), .prod_o({}prod)", s, s, s);
    shell(");");
    valid = s + "valid";
    clr = s + "clr";
    prod = s + "prod";
  }
  shell("{}_acc u_acc (", top);
  shell("  .clk_i(clk_i), .rst_ni(rst_ni), .valid_i({}), .{}({}), .{}({}),", valid, kClrIn, clr, kProdIn, prod);
  shell("  .acc_o(acc_o)");
  shell(");");

  std::string& o = d.verilog;
  o += fmt::format("// {}.v: generated by {}. Do not edit; regenerate with the command below.\n", d.module,
                   kGeneratorVersion);
  o += fmt::format("// command: {}\n", command);
  o += fmt::format("// spec:    {}\n", c.canonical());
  o += fmt::format("// variant: {}\n", variant_info(c.variant_index).summary);
  o += fmt::format("// widths:  wa={} wb={} wacc={} facc={}\n", c.wa, c.wb, c.wacc, c.facc);
  o += fmt::format(
      "// timing:  product combinational, {} register stage(s), then acc_q: operands sampled at rising edge k\n"
      "//          show on acc_o after edge k+{} (latency {}). en_i=0 holds the accumulator; clr_i=1 starts a new\n"
      "//          dot product (acc = a*b). rst_ni (asynchronous, active low) sets acc_q = {}.\n",
      c.pipe, c.pipe, c.latency, hexlit(c.wacc, reset));
  std::string blocks = "u_product";
  if (c.pipe) blocks += c.pipe == 1 ? ", u_pipe1" : fmt::format(", u_pipe1..u_pipe{}", c.pipe);
  blocks += ", u_acc";
  if (!sub.empty()) blocks += ", u_acc.u_delta";
  o += fmt::format("// blocks:  {}: one module each (named after this one + _product, _pipe,\n", blocks);
  o += "//          _acc, _delta); synthesis keeps the (* keep_hierarchy *) ones, whose outputs are registered,\n";
  o += "//          and reports area, energy and timing per block; the others are mapped with their parent.\n";
  o += "\n";
  // The top module first (tools that expect one module per file name find it), then its blocks.
  o += shell.text();
  o += "\n// The blocks share the design's one file (its name is the top module's).\n";
  o += "// verilator lint_off DECLFILENAME\n";
  o += "\n" + product.text();
  if (c.pipe) o += "\n" + pipeline_module(top + "_pipe", pb).text();
  o += "\n" + acc.text();
  for (const auto& m : sub) o += "\n" + m.text();

  std::string j = c.to_json();
  const auto end = j.rfind('}');
  j.erase(j.find_last_not_of(" \n", end - 1) + 1);
  j += fmt::format(",\n  \"acc_reset\": {},\n  \"ports\": [", reset);
  for (size_t i = 0; i < ps.size(); ++i)
    j += fmt::format("{}\n    {{\"name\": \"{}\", \"dir\": \"{}\", \"width\": {}}}", i ? "," : "", ps[i].name,
                     ps[i].dir, ps[i].width);
  j += fmt::format("\n  ],\n  \"file\": {},\n  \"generator\": {},\n  \"command\": {}\n}}\n",
                   json_string(d.module + ".v"), json_string(kGeneratorVersion), json_string(command));
  d.json = std::move(j);
  return d;
}

}  // namespace logmac::gen
