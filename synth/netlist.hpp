// Reader for the gate-level Verilog that yosys writes after technology mapping (write_verilog -noattr
// -noexpr): port/wire declarations, cell instances with named pin connections, and `assign` aliases.
// Every bit of every wire becomes a net; bits joined by `assign` (or by a port of a submodule) are one net.
// A hierarchical netlist (instances of modules of the same file) is flattened: the names inside instance
// u_acc become "u_acc.NAME", and each cell records the instance it belongs to (its block).
#pragma once
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace logmac::synth {

struct NetlistError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Net ids are >= 0. A pin or bit tied to a constant has one of the negative ids kConst*; kNoNet names no net.
constexpr int kConst0 = -1, kConst1 = -2, kConstX = -3;
constexpr int kNoNet = -4;

struct Netlist {
  struct Port {
    std::string name;
    bool input = true;
    int msb = 0, lsb = 0;  // a scalar port has msb == lsb == 0 and `scalar` set
    bool scalar = true;
    int width() const { return (msb > lsb ? msb - lsb : lsb - msb) + 1; }
  };
  struct Cell {
    std::string type, name;                         // name: with the instance path ("u_acc._12_")
    std::vector<std::pair<std::string, int>> pins;  // pin name -> net id (or constant)
    std::string block;                              // instance path of its module ("" for the top module)
  };

  std::string top;
  std::vector<Port> ports;
  std::vector<Cell> cells;
  std::vector<std::vector<std::string>> net_bits;  // names of the bits of each net ("a_i[3]", "_12_")
  std::unordered_map<std::string, int> bit_net;    // bit name -> net id
  std::vector<std::string> instances;              // submodule instance paths ("u_acc", "u_acc.u_delta")

  int num_nets() const { return static_cast<int>(net_bits.size()); }
  int net_of(const std::string& bit) const {  // kNoNet if unknown, kConst* if tied to a constant
    auto it = bit_net.find(bit);
    return it == bit_net.end() ? kNoNet : it->second;
  }
};

// Parses the module named `top` (or the only/last module if empty). Throws NetlistError naming the line.
Netlist parse_netlist(std::string_view text, const std::string& name, const std::string& top = "");
Netlist read_netlist(const std::string& path, const std::string& top = "");

}  // namespace logmac::synth
