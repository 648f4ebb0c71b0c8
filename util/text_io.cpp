#include "util/text_io.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>

namespace logmac {

namespace {

// Length of the well-formed UTF-8 sequence at s[i] (1..4), or 0. C1 controls (U+0080..U+009F) count as
// malformed here: a terminal may act on them.
size_t utf8_length(std::string_view s, size_t i) {
  const auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = b(i);
  size_t n;
  unsigned cp;
  if (c >= 0xc2 && c <= 0xdf) n = 2, cp = c & 0x1f;
  else if (c >= 0xe0 && c <= 0xef) n = 3, cp = c & 0x0f;
  else if (c >= 0xf0 && c <= 0xf4) n = 4, cp = c & 0x07;
  else return 0;
  if (i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    if ((b(i + k) & 0xc0) != 0x80) return 0;
    cp = (cp << 6) | (b(i + k) & 0x3f);
  }
  const bool overlong = (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000);
  if (overlong || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) || (cp >= 0x80 && cp <= 0x9f)) return 0;
  return n;
}

std::string errno_text(int err) { return std::strerror(err); }

}  // namespace

namespace {
std::string escape(std::string_view s, size_t max, bool double_backslash) {
  std::string o;
  size_t i = 0;
  for (; i < s.size() && o.size() < max; ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == '\\' && double_backslash) {
      o += "\\\\";
    } else if (c >= 0x20 && c < 0x7f) {
      o += static_cast<char>(c);
    } else if (c == '\n') {
      o += "\\n";
    } else if (c == '\t') {
      o += "\\t";
    } else if (c == '\r') {
      o += "\\r";
    } else if (const size_t n = c >= 0x80 ? utf8_length(s, i) : 0) {
      o.append(s.substr(i, n));
      i += n - 1;
    } else {
      o += fmt::format("\\x{:02x}", c);
    }
  }
  if (i < s.size()) o += fmt::format("...[{} bytes]", s.size());
  return o;
}
}  // namespace

std::string printable(std::string_view s, size_t max) { return escape(s, max, true); }

// The parts of a message that came from the user went through printable() already: no second escaping
// of their backslashes, only of what slipped through.
std::string one_line(std::string_view s) { return escape(s, 900, false); }

std::string json_escape(std::string_view s) {
  std::string o;
  for (char ch : s) {
    if (static_cast<unsigned char>(ch) < 0x20) {
      o += fmt::format("\\u{:04x}", static_cast<unsigned char>(ch));
      continue;
    }
    if (ch == '"' || ch == '\\') o += '\\';
    o += ch;
  }
  return o;
}

bool parse_int_strict(std::string_view s, long long& v) {
  const bool neg = !s.empty() && s[0] == '-';
  const std::string_view digits = s.substr(neg ? 1 : 0);
  if (digits.empty() || digits.size() > 18) return false;  // 18 digits always fit in a long long
  if (digits[0] == '0' && (digits.size() > 1 || neg)) return false;  // "0" only; no "-0", "007"
  long long x = 0;
  for (char ch : digits) {
    if (ch < '0' || ch > '9') return false;
    x = x * 10 + (ch - '0');
  }
  v = neg ? -x : x;
  return true;
}

// ---- reading ----

std::string read_text_file(const std::string& path, size_t max_bytes, const char* what) {
  auto fail = [&](const std::string& why) {
    throw InputError(fmt::format("{} '{}': {}", what, printable(path, 200), why));
  };
  // O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused below anyway.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd < 0) fail(fmt::format("cannot read: {}", errno_text(errno)));
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0) fail(fmt::format("cannot stat: {}", errno_text(errno)));
  if (S_ISDIR(st.st_mode)) fail("is a directory, not a file");
  if (!S_ISREG(st.st_mode)) fail("is not a regular file (a device, FIFO or socket)");
  if (static_cast<unsigned long long>(st.st_size) > max_bytes)
    fail(fmt::format("{} bytes is larger than the limit of {} bytes", st.st_size, max_bytes));
  std::string text;
  text.resize(static_cast<size_t>(st.st_size));
  size_t got = 0;
  for (;;) {  // the file may grow or shrink while we read: read until EOF, never past the limit
    if (got == text.size()) text.resize(std::min(max_bytes + 1, std::max<size_t>(text.size() * 2, 4096)));
    if (got == text.size()) fail(fmt::format("larger than the limit of {} bytes", max_bytes));
    const ssize_t n = ::read(fd, text.data() + got, text.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail(fmt::format("cannot read: {}", errno_text(errno)));
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  text.resize(got);
  long long line = 1;
  size_t line_start = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\0') fail(fmt::format("line {}: a NUL byte (not a text file?)", line));
    if (text[i] == '\n') {
      ++line;
      line_start = i + 1;
    } else if (i - line_start >= kMaxLineBytes) {
      fail(fmt::format("line {} is longer than {} bytes", line, kMaxLineBytes));
    }
  }
  return text;
}

bool LineReader::fill() {
  if (eof_) return false;
  if (pos_ > 0) {
    buf_.erase(0, pos_);
    pos_ = 0;
  }
  const size_t old = buf_.size();
  buf_.resize(old + 65536);
  ssize_t n;
  do n = ::read(fd_, buf_.data() + old, 65536);
  while (n < 0 && errno == EINTR);
  if (n < 0) {
    const int err = errno;
    buf_.resize(old);
    throw InputError(fmt::format("cannot read {}: {}", name_, errno_text(err)));
  }
  buf_.resize(old + static_cast<size_t>(n));
  if (n == 0) eof_ = true;
  return n > 0;
}

bool LineReader::next(std::string& line) {
  size_t scanned = pos_;
  for (;;) {
    const size_t nl = buf_.find('\n', scanned);
    const size_t end = nl == std::string::npos ? buf_.size() : nl;
    if (end - pos_ > kMaxLineBytes)
      throw InputError(fmt::format("{}:{}: line longer than {} bytes", name_, lineno_ + 1, kMaxLineBytes));
    if (nl != std::string::npos) {
      line.assign(buf_, pos_, nl - pos_);
      pos_ = nl + 1;
      ++lineno_;
      return true;
    }
    scanned = buf_.size() - pos_;  // fill() moves the unread part to the front
    if (!fill()) {
      if (pos_ >= buf_.size()) return false;
      line.assign(buf_, pos_, std::string::npos);  // a last line without newline
      pos_ = buf_.size();
      ++lineno_;
      return true;
    }
  }
}

// ---- writing ----

AtomicFile::AtomicFile(std::filesystem::path path) : path_(std::move(path)) {
  struct stat st {};
  if (::stat(path_.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) fail("open", EISDIR);
    in_place_ = !S_ISREG(st.st_mode);  // /dev/null, /dev/full, a FIFO: there is nothing to replace
  }
  if (in_place_) {
    fd_ = ::open(path_.c_str(), O_WRONLY | O_CLOEXEC | O_NOCTTY);
    if (fd_ < 0) fail("open", errno);
    return;
  }
  static std::atomic<unsigned> counter{0};
  tmp_ = path_;
  tmp_ += fmt::format(".tmp-{}-{}", ::getpid(), counter++);
  fd_ = ::open(tmp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
  if (fd_ < 0) {
    const int err = errno;
    tmp_.clear();
    fail("create", err);
  }
}

AtomicFile::~AtomicFile() { discard(); }

void AtomicFile::discard() noexcept {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  if (!tmp_.empty()) ::unlink(tmp_.c_str());
  tmp_.clear();
}

void AtomicFile::fail(const char* step, int err) {
  discard();
  throw WriteError(fmt::format("cannot write '{}' ({}): {}", printable(path_.string(), 200), step, errno_text(err)));
}

void AtomicFile::write(std::string_view data) {
  if (fd_ < 0) throw WriteError(fmt::format("cannot write '{}': already closed", printable(path_.string(), 200)));
  while (!data.empty()) {
    const ssize_t n = ::write(fd_, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail("write", errno);
    if (n == 0) fail("write", EIO);
    data.remove_prefix(static_cast<size_t>(n));
  }
}

void AtomicFile::commit() {
  if (fd_ < 0) throw WriteError(fmt::format("cannot write '{}': already closed", printable(path_.string(), 200)));
  // Devices do not sync (EINVAL/ENOTSUP/EROFS); a regular file must, or its data may not be on disk.
  if (::fsync(fd_) != 0 && !(in_place_ && (errno == EINVAL || errno == ENOTSUP || errno == EROFS))) fail("sync", errno);
  const int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) fail("close", errno);
  if (in_place_) return;
  if (::rename(tmp_.c_str(), path_.c_str()) != 0) fail("rename", errno);
  tmp_.clear();
}

void write_file_atomic(const std::filesystem::path& path, std::string_view text) {
  AtomicFile f(path);
  f.write(text);
  f.commit();
}

bool write_file_atomic(const std::filesystem::path& path, std::string_view text, std::string& why) {
  try {
    write_file_atomic(path, text);
    return true;
  } catch (const WriteError& e) {
    why = e.what();
    return false;
  }
}

// ---- standard output ----

namespace {
std::atomic<bool> g_stdout_gone{false};

bool stdout_failed(int err) {
  std::clearerr(stdout);
  if (err == EPIPE) {
    g_stdout_gone = true;
    return false;
  }
  throw WriteError(fmt::format("cannot write to standard output: {}", errno_text(err)));
}
}  // namespace

bool stdout_closed() { return g_stdout_gone; }

bool stdout_write(std::string_view s) {
  if (g_stdout_gone) return false;
  errno = 0;
  if (std::fwrite(s.data(), 1, s.size(), stdout) != s.size() || std::ferror(stdout))
    return stdout_failed(errno ? errno : EIO);
  return true;
}

bool stdout_flush() {
  if (g_stdout_gone) return false;
  errno = 0;
  if (std::fflush(stdout) != 0 || std::ferror(stdout)) return stdout_failed(errno ? errno : EIO);
  return true;
}

}  // namespace logmac
