// Progress of a long job on stderr: the caller's one line per finished item always, and on a terminal a
// bar below them (redrawn in place) with the count and the elapsed time.
#pragma once
#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>

namespace logmac::cli {

class Progress {
 public:
  Progress(size_t total, std::string label)
      : total_(total), label_(std::move(label)), tty_(isatty(fileno(stderr)) == 1),
        t0_(std::chrono::steady_clock::now()) {
    draw();
  }
  // One finished item: its line (without newline), then the bar again. Callers serialize calls.
  void done(const std::string& line) {
    ++done_;
    fmt::print(stderr, "{}{}\n", tty_ ? "\r\x1b[K" : "", line);
    draw();
  }
  // Clears the bar (also on destruction), so that what follows starts on a clean line.
  void finish() {
    if (tty_ && !finished_) fmt::print(stderr, "\r\x1b[K");
    finished_ = true;
  }
  ~Progress() { finish(); }

 private:
  void draw() const {
    if (!tty_) return;
    constexpr int kWidth = 30;
    const int fill = total_ ? static_cast<int>(kWidth * done_ / total_) : kWidth;
    const auto s = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - t0_).count();
    fmt::print(stderr, "\r\x1b[K{} [{}{}] {}/{}  {}:{:02}", label_, std::string(fill, '#'), std::string(kWidth - fill, '.'),
               done_, total_, s / 60, s % 60);
    std::fflush(stderr);
  }
  size_t total_, done_ = 0;
  std::string label_;
  bool tty_, finished_ = false;
  std::chrono::steady_clock::time_point t0_;
};

}  // namespace logmac::cli
