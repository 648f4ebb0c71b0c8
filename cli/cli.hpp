// The `logmac` command line: a table of subcommands, each with declared options.
#pragma once
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace logmac::cli {

// Bad command-line input: one line, exit status 2.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The reader of stdout went away (EPIPE, `| head -1`): the command stops and exits 0 without a message.
struct OutputClosed {};

// Prints to stdout, checked (util/text_io stdout_write): a failed write throws WriteError (exit 2), a
// closed pipe throws OutputClosed.
void out(std::string_view text);

struct OptDef {
  const char* name;     // "--mac"
  const char* value;    // "SPEC", or nullptr for a flag
  const char* help;
  bool repeat = false;  // may be given several times
};

// Options by the grammar of the README's "Contract": integers are decimal (no spaces, '+', leading zeros
// or 0x); a positional argument beyond `max_positional` is an error.
class Args {
 public:
  // Throws UsageError.
  Args(const char* sub, std::vector<OptDef> defs, int argc, char** argv, size_t max_positional = 0);
  bool has(const std::string& name) const { return values_.count(name) > 0; }
  std::string get(const std::string& name, const std::string& def = "") const;
  const std::vector<std::string>& all(const std::string& name) const;
  long long get_int(const std::string& name, long long def, long long lo, long long hi) const;
  double get_double(const std::string& name, double def, double lo, double hi) const;
  const std::vector<std::string>& positional() const { return positional_; }
  bool help() const { return help_; }
  std::string usage() const;

 private:
  std::string sub_;
  std::vector<OptDef> defs_;
  std::map<std::string, std::vector<std::string>> values_;
  std::vector<std::string> positional_;
  bool help_ = false;
};

struct Command {
  const char* name;
  const char* summary;
  int (*run)(int argc, char** argv);  // argv[0] is the subcommand name
};

const std::vector<Command>& commands();

// Subcommands (one file each).
int cmd_spec(int argc, char** argv);
int cmd_eval(int argc, char** argv);
int cmd_vectors(int argc, char** argv);
int cmd_bench(int argc, char** argv);
int cmd_accuracy(int argc, char** argv);
int cmd_rtl(int argc, char** argv);
int cmd_cosim(int argc, char** argv);
int cmd_pwl(int argc, char** argv);
int cmd_synth(int argc, char** argv);
int cmd_compare(int argc, char** argv);

}  // namespace logmac::cli
