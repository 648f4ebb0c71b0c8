// Text input and output every command shares, with the contract's limits (README "Contract"): user text
// echoed in one-line messages, the integer grammar, bounded reads of regular files and of stdin, and
// checked writes (atomic files, standard output). Namespace logmac, not logmac::util: it is the contract's
// vocabulary (InputError, WriteError, printable) that every layer's parsers and writers name unqualified.
#pragma once
#include <cstddef>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>

namespace logmac {

// ---- limits of text input ----
constexpr std::size_t kMaxLineBytes = 65536;            // one line of a vector file, table or stdin
constexpr std::size_t kMaxTableFileBytes = 1 << 20;     // a pwl:FILE table (a 64-segment table is ~3 KB)
constexpr std::size_t kMaxLibertyFileBytes = 256 << 20;  // a liberty library (osu018: 250 KB)
constexpr std::size_t kMaxEchoBytes = 64;               // user text quoted in a message is cut after this

// Bad input read from a file or stream (exit status 2): one line naming the source and what is wrong.
struct InputError : std::runtime_error {
  using std::runtime_error::runtime_error;
};
// A failed write (exit status 2): one line naming the path and the reason.
struct WriteError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// ---- messages ----
// User text made safe for a one-line message: control bytes, DEL, C1 controls and bytes that are not
// UTF-8 as \n, \t, \r or \xNN, a backslash doubled; longer than max bytes: cut, with "...[N bytes]".
std::string printable(std::string_view s, std::size_t max = kMaxEchoBytes);
// A whole message made one line (the last line of defence in main): control bytes escaped as in
// printable() (backslashes kept as they are), cut after 900 bytes.
std::string one_line(std::string_view s);

// The body of a JSON string (quotes and backslashes escaped, control characters as \u00XX).
std::string json_escape(std::string_view s);

// ---- the integer grammar of specs, options and tables ----
// "0" or an optional '-' and decimal digits without leading zeros: no spaces, '+', 0x, or exponent.
inline constexpr const char* kIntegerGrammar = "decimal digits, optional leading '-', no leading zeros";
// True and v set if s follows the grammar and fits in a long long.
bool parse_int_strict(std::string_view s, long long& v);

// ---- reading ----
// The whole of a regular file of at most max_bytes; `what` names it in messages ("table", "liberty").
// A directory, device, FIFO or socket, a missing or unreadable file, a NUL byte or a line longer than
// kMaxLineBytes is an InputError. Never blocks on a FIFO.
std::string read_text_file(const std::string& path, std::size_t max_bytes, const char* what);

// Lines of a stream (stdin), with bounded memory: a line longer than kMaxLineBytes or a read error
// (e.g. a directory on stdin) is an InputError naming `name` and the line number.
class LineReader {
 public:
  LineReader(int fd, std::string name) : fd_(fd), name_(std::move(name)) {}
  bool next(std::string& line);  // false at the end of the input
  long long line_number() const { return lineno_; }

 private:
  bool fill();
  int fd_;
  std::string name_;
  std::string buf_;
  std::size_t pos_ = 0;
  bool eof_ = false;
  long long lineno_ = 0;
};

// ---- writing ----
// A file written through a temporary file next to it (path.tmp-PID-N) that is synced, closed and renamed
// onto path by commit(), so that no reader ever sees half a file. A target that exists and is not a
// regular file (/dev/null, /dev/full, a FIFO) is written in place. Every write, the sync, close and
// rename are checked: a failure throws WriteError and removes the temporary file; so does destruction
// without commit().
class AtomicFile {
 public:
  explicit AtomicFile(std::filesystem::path path);
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;
  ~AtomicFile();
  void write(std::string_view data);
  void commit();

 private:
  [[noreturn]] void fail(const char* step, int err);
  void discard() noexcept;
  std::filesystem::path path_, tmp_;
  int fd_ = -1;
  bool in_place_ = false;
};

// One call of AtomicFile. The bool form sets `why` to the one-line reason instead of throwing.
void write_file_atomic(const std::filesystem::path& path, std::string_view text);
bool write_file_atomic(const std::filesystem::path& path, std::string_view text, std::string& why);

// Standard output, checked: returns false (and drops the text) once the reader has gone away (EPIPE,
// as after `| head -1`); any other failure (a full disk, /dev/full) throws WriteError.
bool stdout_write(std::string_view s);
bool stdout_flush();
bool stdout_closed();

}  // namespace logmac
