#include "util/process.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <pthread.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <chrono>
#include <csignal>
#include <cstring>
#include <mutex>

extern char** environ;

namespace logmac::util {

namespace {

// ---- registry of live child groups (read by signal handlers: lock-free, fixed size) ----
constexpr int kMaxGroups = 1024;
std::array<std::atomic<pid_t>, kMaxGroups> g_groups{};

void register_group(pid_t pgid) {
  for (auto& slot : g_groups) {
    pid_t empty = 0;
    if (slot.compare_exchange_strong(empty, pgid)) return;
  }
  // Full: the child still runs and is waited for; only an interrupt would not reach it.
}

void unregister_group(pid_t pgid) {
  for (auto& slot : g_groups) {
    pid_t mine = pgid;
    if (slot.compare_exchange_strong(mine, 0)) return;
  }
}

void on_fatal_signal(int sig) {
  kill_child_groups(SIGKILL);
  std::signal(sig, SIG_DFL);
  raise(sig);
}

std::atomic<int> g_interrupt{0};

std::atomic<int> g_starting{0};  // run_process calls between fork and registering the child's group

void on_interrupt(int sig) {
  const int killed = kill_child_groups(SIGKILL);
  if (killed == 0 && g_starting.load() == 0) {  // no child: nothing to wait for, end now (the default action)
    std::signal(sig, SIG_DFL);
    raise(sig);
    return;
  }
  int none = 0;
  if (!g_interrupt.compare_exchange_strong(none, sig)) {  // a second signal: no more waiting
    std::signal(sig, SIG_DFL);
    raise(sig);
    return;
  }
  alarm(kInterruptGraceS);
}

void on_grace_expired(int) {
  kill_child_groups(SIGKILL);
  const int sig = g_interrupt.load();
  std::signal(sig, SIG_DFL);
  raise(sig);
}

void throw_if_interrupted() {
  if (const int sig = g_interrupt.load()) throw Interrupted{sig};
}

// ---- the child side: only async-signal-safe calls between fork and exec ----
enum Stage : int { kStageDir = 1, kStageOut, kStageErr, kStageExec };

[[noreturn]] void child_fail(int report_fd, int stage) {
  const int report[2] = {stage, errno};
  [[maybe_unused]] const ssize_t n = write(report_fd, report, sizeof report);
  _exit(127);
}

int open_sink(Sink s, const std::string& file, int capture_fd) {
  switch (s) {
    case Sink::Null: return open("/dev/null", O_WRONLY);
    case Sink::File: return open(file.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    case Sink::Capture: return capture_fd;
    default: return -2;  // Inherit / Stdout: nothing to open
  }
}

// dup2 onto `to` and close the original (pipe ends are O_CLOEXEC, so they need no close).
void move_fd(int fd, int to) {
  if (fd < 0 || fd == to) return;
  dup2(fd, to);
  if (fcntl(fd, F_GETFD) >= 0 && !(fcntl(fd, F_GETFD) & FD_CLOEXEC)) close(fd);
}

struct Pipe {
  int r = -1, w = -1;
  void open() {
    int fd[2];
    if (pipe2(fd, O_CLOEXEC) != 0) throw ProcessError(fmt::format("cannot create a pipe: {}", std::strerror(errno)));
    r = fd[0];
    w = fd[1];
  }
  static void close_fd(int& fd) {
    if (fd >= 0) close(fd);
    fd = -1;
  }
  ~Pipe() {
    close_fd(r);
    close_fd(w);
  }
};

std::vector<std::string> child_environment(const ProcessOptions& opt) {
  std::vector<std::string> env;
  for (char** e = environ; e && *e; ++e) {
    const std::string_view entry(*e);
    bool overridden = false;
    for (const auto& [k, v] : opt.env) overridden |= entry.size() > k.size() && entry.starts_with(k) && entry[k.size()] == '=';
    if (!overridden) env.emplace_back(entry);
  }
  for (const auto& [k, v] : opt.env) env.push_back(k + "=" + v);
  return env;
}

std::vector<char*> pointers(std::vector<std::string>& strings) {
  std::vector<char*> p;
  for (auto& s : strings) p.push_back(s.data());
  p.push_back(nullptr);
  return p;
}

const char* stage_text(int stage) {
  switch (stage) {
    case kStageDir: return "cannot enter the working directory";
    case kStageOut: return "cannot open its output file";
    case kStageErr: return "cannot open its error file";
    default: return "cannot execute it";
  }
}

}  // namespace

std::string ProcessResult::describe() const {
  if (timed_out) return fmt::format("stopped at the time limit of {:g} s", time_limit_s);
  if (signal) return fmt::format("killed by signal {} ({})", signal, strsignal(signal));
  return fmt::format("exit status {}", exit_status);
}

int kill_child_groups(int sig) {
  int n = 0;
  for (auto& slot : g_groups) {
    const pid_t pgid = slot.load();
    if (pgid > 0 && kill(-pgid, sig) == 0) ++n;
  }
  return n;
}

void install_child_cleanup_handlers() {
  static std::once_flag once;
  std::call_once(once, [] {
    for (int sig : {SIGINT, SIGTERM, SIGHUP}) {
      struct sigaction old {};
      if (sigaction(sig, nullptr, &old) != 0 || old.sa_handler != SIG_DFL || (old.sa_flags & SA_SIGINFO)) continue;
      struct sigaction sa {};
      sa.sa_handler = on_fatal_signal;
      sigemptyset(&sa.sa_mask);
      sigaction(sig, &sa, nullptr);
    }
  });
}

int interrupted() { return g_interrupt.load(); }

void die_by_signal(int sig) {
  kill_child_groups(SIGKILL);
  std::signal(sig, SIG_DFL);
  sigset_t s;
  sigemptyset(&s);
  sigaddset(&s, sig);
  pthread_sigmask(SIG_UNBLOCK, &s, nullptr);
  raise(sig);
  _exit(128 + sig);
}

void install_interrupt_unwinding() {
  struct sigaction sa {};
  sa.sa_handler = on_interrupt;
  sigemptyset(&sa.sa_mask);
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) sigaddset(&sa.sa_mask, sig);
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) sigaction(sig, &sa, nullptr);
  struct sigaction alrm {};
  alrm.sa_handler = on_grace_expired;
  sigemptyset(&alrm.sa_mask);
  sigaction(SIGALRM, &alrm, nullptr);
}

double effective_time_limit(double limit_s) {
  const char* env = std::getenv("LOGMAC_TIME_LIMIT");
  if (!env || !*env) return limit_s;
  char* end = nullptr;
  const double cap = std::strtod(env, &end);
  if (*end || !(cap > 0) || !std::isfinite(cap))
    throw ProcessError(fmt::format("LOGMAC_TIME_LIMIT must be a positive number of seconds, not '{}'",
                                   std::string(env).substr(0, 32)));
  return limit_s > 0 ? std::min(limit_s, cap) : cap;
}

ProcessResult run_process(const ProcessOptions& opt_in) {
  if (opt_in.argv.empty()) throw ProcessError("run_process: no program given");
  ProcessOptions opt = opt_in;
  opt.time_limit_s = effective_time_limit(opt.time_limit_s);
  install_child_cleanup_handlers();
  throw_if_interrupted();
  std::vector<std::string> argv_s = opt.argv, env_s = child_environment(opt);
  std::vector<char*> argv = pointers(argv_s), envp = pointers(env_s);
  Pipe report, out_pipe, err_pipe;
  report.open();
  if (opt.out == Sink::Capture) out_pipe.open();
  if (opt.err == Sink::Capture) err_pipe.open();

  const auto t0 = std::chrono::steady_clock::now();
  // Signals are blocked across fork: a child must not run our handlers (or a test framework's) between fork
  // and exec. It restores the default actions, then the mask; a signal sent meanwhile then acts on it as usual.
  sigset_t all, old_mask;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old_mask);
  ++g_starting;
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid == 0) {
    // Killed with us even when we cannot clean up (SIGKILL); what it started is stopped by our handlers or ends.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    for (int sig = 1; sig < NSIG; ++sig) {
      struct sigaction sa {};
      if (sigaction(sig, nullptr, &sa) == 0 && sa.sa_handler != SIG_IGN && sa.sa_handler != SIG_DFL) {
        sa.sa_handler = SIG_DFL;
        sa.sa_flags = 0;
        sigaction(sig, &sa, nullptr);
      }
    }
    pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
    setpgid(0, 0);
    if (!opt.dir.empty() && chdir(opt.dir.c_str()) != 0) child_fail(report.w, kStageDir);
    move_fd(open("/dev/null", O_RDONLY), 0);
    const int out = open_sink(opt.out, opt.out_file, out_pipe.w);
    if (out == -1) child_fail(report.w, kStageOut);
    move_fd(out, 1);
    if (opt.err == Sink::Stdout) {
      dup2(1, 2);
    } else {
      const int err = open_sink(opt.err, opt.err_file, err_pipe.w);
      if (err == -1) child_fail(report.w, kStageErr);
      move_fd(err, 2);
    }
    execvpe(argv[0], argv.data(), envp.data());
    child_fail(report.w, kStageExec);
  }
  const int fork_errno = errno;
  if (pid > 0) {
    setpgid(pid, pid);  // also here: no race with a signal sent before the child ran
    register_group(pid);
  }
  --g_starting;
  pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
  if (pid > 0 && g_interrupt.load()) kill(-pid, SIGKILL);  // interrupted between the check above and register
  if (pid < 0) throw ProcessError(fmt::format("cannot start {}: {}", opt.argv[0], std::strerror(fork_errno)));
  Pipe::close_fd(report.w);
  Pipe::close_fd(out_pipe.w);
  Pipe::close_fd(err_pipe.w);

  ProcessResult res;
  res.time_limit_s = opt.time_limit_s;
  // The child reports a failure before exec on `report`; exec closes it (O_CLOEXEC) when it succeeds.
  int failure[2] = {0, 0};
  ssize_t got;
  while ((got = read(report.r, failure, sizeof failure)) < 0 && errno == EINTR) {
  }
  // A descriptor that polls readable when the child exits (glibc 2.36's <sys/pidfd.h> lacks extern "C");
  // -1 on old kernels: then waitid every 20 ms.
  const int pidfd = got == 0 ? static_cast<int>(syscall(SYS_pidfd_open, pid, 0)) : -1;
  const std::chrono::steady_clock::time_point deadline =
      t0 + std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::duration<double>(opt.time_limit_s));
  bool exited = got > 0, term_sent = false;
  std::chrono::steady_clock::time_point kill_at{};
  int fds_open = (out_pipe.r >= 0) + (err_pipe.r >= 0);
  while (!exited || fds_open > 0) {
    std::vector<pollfd> pfd;
    if (out_pipe.r >= 0) pfd.push_back({out_pipe.r, POLLIN, 0});
    if (err_pipe.r >= 0) pfd.push_back({err_pipe.r, POLLIN, 0});
    if (!exited && pidfd >= 0) pfd.push_back({pidfd, POLLIN, 0});
    int wait_ms = exited || pidfd >= 0 ? -1 : 20;
    const auto now = std::chrono::steady_clock::now();
    if (!exited && opt.time_limit_s > 0) {
      const auto until = term_sent ? kill_at : deadline;
      const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(until - now).count() + 1;
      wait_ms = wait_ms < 0 ? static_cast<int>(std::max<long long>(0, ms))
                            : static_cast<int>(std::clamp<long long>(ms, 0, wait_ms));
    }
    if (poll(pfd.data(), pfd.size(), wait_ms) < 0 && errno != EINTR) break;
    for (const auto& p : pfd) {
      if (!(p.revents & (POLLIN | POLLHUP | POLLERR)) || p.fd == pidfd) continue;
      char buf[1 << 14];
      const ssize_t n = read(p.fd, buf, sizeof buf);
      if (n > 0) {
        (p.fd == out_pipe.r ? res.out : res.err).append(buf, static_cast<size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        Pipe::close_fd(p.fd == out_pipe.r ? out_pipe.r : err_pipe.r);
        --fds_open;
      }
    }
    if (!exited) {
      siginfo_t info{};
      exited = waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid == pid;
      const auto t = std::chrono::steady_clock::now();
      if (!exited && opt.time_limit_s > 0 && !term_sent && t >= deadline) {
        res.timed_out = true;
        term_sent = true;
        kill(-pid, SIGTERM);
        kill_at = t + std::chrono::seconds(2);
      } else if (!exited && term_sent && t >= kill_at) {
        kill(-pid, SIGKILL);
        kill_at = t + std::chrono::hours(1);
      }
    }
    // Once the child has exited, what it left behind in its group goes too (it would hold the pipes open).
    if (exited) kill(-pid, SIGKILL);
  }
  if (pidfd >= 0) close(pidfd);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  unregister_group(pid);
  throw_if_interrupted();  // the child was killed by the interrupt handler: its result means nothing
  res.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (got > 0)
    throw ProcessError(fmt::format("cannot run '{}': {}: {}", opt.argv[0], stage_text(failure[0]),
                                   std::strerror(failure[1])));
  if (WIFEXITED(status)) res.exit_status = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) res.signal = WTERMSIG(status);
  return res;
}

ProcessOptions logged(std::vector<std::string> argv, std::string dir, const std::string& log, double time_limit_s) {
  ProcessOptions o;
  o.argv = std::move(argv);
  o.dir = std::move(dir);
  o.out = Sink::File;
  o.out_file = log;
  o.err = Sink::Stdout;
  o.time_limit_s = time_limit_s;
  return o;
}

std::string shell_word(const std::string& word) {
  if (!word.empty() && word.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./:=,+-@%") ==
                           std::string::npos)
    return word;
  std::string q = "'";
  for (char ch : word) q += ch == '\'' ? std::string("'\\''") : std::string(1, ch);
  return q + "'";
}

std::string first_output_line(const std::vector<std::string>& argv) {
  ProcessOptions o;
  o.argv = argv;
  o.out = Sink::Capture;
  o.err = Sink::Null;
  o.time_limit_s = 60;
  try {
    const ProcessResult r = run_process(o);
    if (!r.ok()) return "";
    return r.out.substr(0, r.out.find('\n'));
  } catch (const ProcessError&) {
    return "";
  }
}

}  // namespace logmac::util
