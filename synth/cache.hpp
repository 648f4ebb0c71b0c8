// The synthesis result cache: one directory per design and key.
//   <cache>/<module>-<key>/   the flow's files and logs (netlist.v, yosys.log, sta.log, ...), and
//     key.txt     what the key hashes: every input of the result (below). Compared on every hit, so a hash
//                 collision is never trusted.
//     result.txt  the record: one `name value` line per DesignResult field (all required), `cell TYPE COUNT`
//                 lines, `block AREA<TAB>BLOCK` and `blockenergy ZERO TIMED<TAB>BLOCK` lines, and last `checksum HEX` over everything before it.
//   <cache>/<module>-<key>.lock   held while the entry is looked up and filled: a second run of the same design
//                 waits and then reuses it.
// A missing field, a malformed or non-finite number, an unknown line, a wrong or missing checksum, cell types that
// do not add up to `cells`, or no per-block lines make the record unusable: a miss (the design runs again), never
// zeros. Stale work directories (NAME.tmp-PID-N of a process that is gone) are removed when the cache is opened.
#pragma once
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "sim/config.hpp"
#include "synth/options.hpp"
#include "synth/result.hpp"

namespace logmac::util {
class FileLock;
}

namespace logmac::synth {

// Everything a result depends on, as text: the flow's version, the estimator and model sources' hash, the spec
// (a pwl:FILE table by its content, not its path), the liberty (path and content), the tool versions, clock,
// workload, slew, simulation mode, the embedded scripts, the RTL and the checked stimulus (which carries the model's
// outputs). Throws FlowError if a pwl table cannot be read.
std::string cache_key_text(const MacConfig& cfg, const FlowOptions& opt, const std::string& rtl,
                           const std::string& stimulus_text);

class ResultCache {
 public:
  // cache_dir "" = no cache: the flow runs in work_root (or a temporary directory) and nothing is kept.
  ResultCache(std::string cache_dir, std::string work_root);
  ~ResultCache();
  ResultCache(const ResultCache&) = delete;
  ResultCache& operator=(const ResultCache&) = delete;

  // Locks the entry of (module, key text) and returns its result if the record is usable (`note` hears why
  // not); otherwise creates the work directory the flow then fills. Throws FlowError (unusable directories).
  std::optional<DesignResult> open(const std::string& module, const std::string& key_text,
                                   const std::function<void(const std::string&)>& note);
  const std::string& work_dir() const { return work_; }
  // Writes the record and the key into the work directory and moves it into the cache; returns where the files
  // are now. Throws FlowError if the record cannot be written.
  std::string store(const DesignResult& r);

 private:
  std::string cache_dir_, work_root_, key_text_, final_, work_;
  std::unique_ptr<util::FileLock> lock_;
};

}  // namespace logmac::synth
