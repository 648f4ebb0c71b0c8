// The utility layer (util/): hashes against the published FNV-1a test vectors, the child-process runner against
// what the shell and the kernel report, the file lock, the parallel loop and the cache locations.
#include <doctest/doctest.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "temp_dir.hpp"
#include "util/file.hpp"
#include "util/file_lock.hpp"
#include "util/hash.hpp"
#include "util/parallel.hpp"
#include "util/paths.hpp"
#include "util/process.hpp"

using namespace logmac::util;
namespace fs = std::filesystem;

namespace {
ProcessOptions shell(const std::string& script) {
  ProcessOptions o;
  o.argv = {"sh", "-c", script};
  return o;
}

// An environment variable set for one scope.
struct ScopedEnv {
  std::string name, old;
  bool had;
  ScopedEnv(const char* n, const char* value) : name(n) {
    const char* o = std::getenv(n);
    had = o != nullptr;
    if (had) old = o;
    if (value) setenv(n, value, 1);
    else unsetenv(n);
  }
  ~ScopedEnv() {
    if (had) setenv(name.c_str(), old.c_str(), 1);
    else unsetenv(name.c_str());
  }
};
}  // namespace

TEST_SUITE("util") {
  TEST_CASE("fnv1a: the published 64-bit test vectors; files hash as their bytes") {
    CHECK(fnv1a("") == 0xcbf29ce484222325ull);
    CHECK(fnv1a("a") == 0xaf63dc4c8601ec8cull);
    CHECK(fnv1a("foobar") == 0x85944171f73967e8ull);
    CHECK(fnv1a("bar", fnv1a("foo")) == fnv1a("foobar"));  // continues from a running value
    CHECK(hex64(0xaf63dc4c8601ec8cull) == "af63dc4c8601ec8c");
    TempDir t;
    std::ofstream(t.path / "f") << "foobar";
    CHECK(fnv1a_file(t.path / "f") == 0x85944171f73967e8ull);
    CHECK_FALSE(fnv1a_file(t.path / "missing").has_value());
  }

  TEST_CASE("Hasher: field boundaries count, 128-bit hex, deterministic") {
    const std::string ab_c = Hasher().add("ab").add("c").hex();
    CHECK(ab_c.size() == 32);
    CHECK(ab_c.find_first_not_of("0123456789abcdef") == std::string::npos);
    CHECK(ab_c != Hasher().add("a").add("bc").hex());
    CHECK(ab_c != Hasher().add("abc").hex());
    CHECK(ab_c == Hasher().add("ab").add("c").hex());
    CHECK(Hasher().add(std::uint64_t{12}).hex() == Hasher().add("12").hex());
  }

  TEST_CASE("run_process: exit status, captured output, working directory, environment") {
    TempDir t;
    ProcessOptions o = shell("echo out; echo err >&2; pwd; echo \"$LOGMAC_TEST_VAR\"; exit 3");
    o.out = Sink::Capture;
    o.err = Sink::Capture;
    o.dir = t.path.string();
    o.env = {{"LOGMAC_TEST_VAR", "forty two"}};
    const ProcessResult r = run_process(o);
    CHECK(r.exit_status == 3);
    CHECK(r.status() == 3);
    CHECK_FALSE(r.ok());
    CHECK(r.describe() == "exit status 3");
    CHECK(r.out == "out\n" + fs::canonical(t.path).string() + "\nforty two\n");
    CHECK(r.err == "err\n");
    // Large output on both streams does not deadlock on full pipes.
    ProcessOptions big = shell("i=0; while [ $i -lt 20000 ]; do echo line$i; echo e$i >&2; i=$((i+1)); done");
    big.out = big.err = Sink::Capture;
    const ProcessResult b = run_process(big);
    CHECK(b.ok());
    CHECK(b.out.size() > 20000 * 5);
    CHECK(b.err.size() > 20000 * 2);
  }

  TEST_CASE("run_process: a log file collects stdout and stderr, appended") {
    TempDir t;
    const std::string log = (t.path / "tool.log").string();
    CHECK(run_process(logged({"sh", "-c", "echo one; echo two >&2"}, "", log)).ok());
    CHECK(run_process(logged({"sh", "-c", "echo three"}, "", log)).ok());
    CHECK(read_file(log) == "one\ntwo\nthree\n");
    CHECK(tail_lines(log, 2) == "    two\n    three\n");
  }

  TEST_CASE("run_process: signals, programs that cannot start") {
    const ProcessResult r = run_process(shell("kill -SEGV $$"));
    CHECK(r.signal == SIGSEGV);
    CHECK(r.status() == 128 + SIGSEGV);
    CHECK(r.describe().find("signal 11") != std::string::npos);
    ProcessOptions missing;
    missing.argv = {"logmac-no-such-program"};
    CHECK_THROWS_WITH_AS(run_process(missing), doctest::Contains("logmac-no-such-program"), ProcessError);
    ProcessOptions bad_dir = shell("true");
    bad_dir.dir = "/nonexistent/dir";
    CHECK_THROWS_WITH_AS(run_process(bad_dir), doctest::Contains("working directory"), ProcessError);
    ProcessOptions bad_log = shell("true");
    bad_log.out = Sink::File;
    bad_log.out_file = "/nonexistent/dir/log";
    CHECK_THROWS_AS(run_process(bad_log), ProcessError);
    CHECK(first_output_line({"sh", "-c", "echo v1.2; echo more"}) == "v1.2");
    CHECK(shell_word("lns:w=16,f=8,delta=pwl:/a/b.csv") == "lns:w=16,f=8,delta=pwl:/a/b.csv");
    CHECK(shell_word("a b") == "'a b'");
    CHECK(shell_word("it's") == "'it'\\''s'");
    CHECK(shell_word("") == "''");
    // What the shell reads back is the word itself.
    ProcessOptions echo = shell("printf '%s' " + shell_word("x 'y' $z"));
    echo.out = Sink::Capture;
    CHECK(run_process(echo).out == "x 'y' $z");
    CHECK(first_output_line({"sh", "-c", "echo v1.2; exit 1"}).empty());
    CHECK(first_output_line({"logmac-no-such-program"}).empty());
  }

  TEST_CASE("run_process: the time limit stops the whole process group") {
    TempDir t;
    const fs::path pid_file = t.path / "grandchild.pid";
    // The child starts a grandchild that would outlive it, then waits; both must be gone at the limit.
    ProcessOptions o = shell("sleep 60 & echo $! > '" + pid_file.string() + "'; wait");
    o.time_limit_s = 0.5;
    const auto t0 = std::chrono::steady_clock::now();
    const ProcessResult r = run_process(o);
    const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    CHECK(r.timed_out);
    CHECK_FALSE(r.ok());
    CHECK(r.describe() == "stopped at the time limit of 0.5 s");
    CHECK(took >= 0.5);
    CHECK(took < 10);
    const auto pid_text = read_file(pid_file);
    REQUIRE(pid_text.has_value());
    const pid_t grandchild = std::stoi(*pid_text);
    // Killed (a zombie until init reaps it at most): poll briefly until it is gone or a zombie.
    bool gone = false;
    for (int i = 0; i < 200 && !gone; ++i) {
      std::ifstream stat("/proc/" + std::to_string(grandchild) + "/stat");
      std::string pid, comm, state;
      gone = !(stat >> pid >> comm >> state) || state == "Z";
      if (!gone) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    CHECK(gone);
  }

  TEST_CASE("kill_child_groups reaches a running child (what an interrupt handler calls)") {
    std::atomic<bool> started{false};
    ProcessResult r;
    std::thread runner([&] {
      started = true;
      r = run_process(shell("sleep 30"));
    });
    int killed = 0;
    for (int i = 0; i < 500 && killed == 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      if (started) killed = kill_child_groups(SIGTERM);
    }
    runner.join();
    CHECK(killed == 1);
    CHECK(r.signal == SIGTERM);
    CHECK(kill_child_groups(SIGTERM) == 0);  // none left registered
  }

  TEST_CASE("stale temporaries: the names logmac gives them, removed only when their process is gone") {
    CHECK(temporary_owner("out.csv.tmp-1234-0") == 1234);
    CHECK(temporary_owner("logmac_x-0123abcd.tmp-77") == 77);
    CHECK(temporary_owner("run-4321-1732790000123456789") == 4321);
    for (const char* other : {"out.csv", "run-", "run-12", "x.tmp", "x.tmp-", "x.tmp-12-", "x.tmp-12-a", ".tmp-5-0",
                              "run-ab-1", "x.tmp-1x-0", "result.txt", "logmac_x-0123abcd.lock"})
      CHECK_MESSAGE(temporary_owner(other) == 0, other);
    TempDir t;
    ProcessOptions echo_pid;  // a process that has ended
    echo_pid.argv = {"sh", "-c", "echo $$"};
    echo_pid.out = Sink::Capture;
    const pid_t dead = static_cast<pid_t>(std::stol(run_process(echo_pid).out));
    REQUIRE(kill(dead, 0) != 0);
    const std::string mine = std::to_string(getpid()), gone = std::to_string(dead);
    for (const std::string& name : std::vector<std::string>{"a.tmp-" + gone + "-0", "b.tmp-" + gone, "run-" + gone + "-5", "c.tmp-" + mine + "-1",
                                    "run-" + mine + "-2", "keep.txt", "run-1-1"})
      fs::create_directories(t.path / name / "inside");
    CHECK(remove_stale_temporaries(t.path) == 3);
    std::set<std::string> left;
    for (const auto& e : fs::directory_iterator(t.path)) left.insert(e.path().filename().string());
    // Ours (alive), a plain name and init's (PID 1, alive) stay.
    CHECK(left == std::set<std::string>{"c.tmp-" + mine + "-1", "run-" + mine + "-2", "keep.txt", "run-1-1"});
  }

  TEST_CASE("FileLock: a second holder waits until the first releases") {
    TempDir t;
    const fs::path lock_path = t.path / "entry.lock";
    std::atomic<bool> waited{false}, second_has_it{false};
    auto first = std::make_unique<FileLock>(lock_path);
    std::thread second([&] {
      FileLock l(lock_path, [&] { waited = true; });
      second_has_it = true;
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    CHECK_FALSE(second_has_it.load());
    first.reset();
    second.join();
    CHECK(waited.load());
    CHECK(second_has_it.load());
    CHECK_THROWS_AS(FileLock("/nonexistent/dir/x.lock"), FileLockError);
  }

  TEST_CASE("parallel_for: every index once, progress under a lock, first exception rethrown") {
    for (int jobs : {0, 1, 3, 64}) {
      const size_t n = 1000;
      std::vector<std::atomic<int>> hits(n);
      std::vector<size_t> finished_seen;
      std::set<std::thread::id> threads;
      std::mutex mu;
      parallel_for(
          n, jobs,
          [&](size_t i) {
            hits[i]++;
            std::lock_guard lock(mu);
            threads.insert(std::this_thread::get_id());
          },
          [&](size_t, size_t finished) { finished_seen.push_back(finished); });
      for (auto& h : hits) CHECK(h == 1);
      REQUIRE(finished_seen.size() == n);
      for (size_t k = 0; k < n; ++k) CHECK(finished_seen[k] == k + 1);
      if (jobs == 1) CHECK(*threads.begin() == std::this_thread::get_id());
    }
    parallel_for(0, 4, [](size_t) { FAIL("no index"); });
    // One thread: items run in order and stop at the failing one.
    std::atomic<int> ran{0};
    CHECK_THROWS_WITH_AS(parallel_for(100, 1,
                                      [&](size_t i) {
                                        ++ran;
                                        if (i == 3) throw std::runtime_error("item 3 failed");
                                      }),
                         "item 3 failed", std::runtime_error);
    CHECK(ran == 4);
    // Two threads: item 0 fails at once; the other thread, busy with item 1 meanwhile, starts no new item.
    ran = 0;
    CHECK_THROWS_WITH_AS(parallel_for(100, 2,
                                      [&](size_t i) {
                                        ++ran;
                                        if (i == 0) throw std::runtime_error("item 0 failed");
                                        std::this_thread::sleep_for(std::chrono::milliseconds(200));
                                      }),
                         "item 0 failed", std::runtime_error);
    CHECK(ran <= 3);
    CHECK(hardware_jobs() >= 1);
  }

  TEST_CASE("cache locations: LOGMAC_CACHE_DIR, the build tree, XDG_CACHE_HOME, ~/.cache") {
    CHECK(in_build_tree());  // build/tests/logmac_unit_tests
    CHECK(executable_path().filename() == "logmac_unit_tests");
    CHECK(cache_root(true, "/tmp/lc", "/tmp/xdg", "/home/u") == fs::path("/tmp/lc"));
    CHECK(cache_root(false, "/tmp/lc", "/tmp/xdg", "/home/u") == fs::path("/tmp/lc"));
    CHECK(cache_root(true, nullptr, "/tmp/xdg", "/home/u") == fs::weakly_canonical(executable_path()).parent_path().parent_path());
    CHECK(cache_root(false, nullptr, "/tmp/xdg", "/home/u") == fs::path("/tmp/xdg/logmac"));
    CHECK(cache_root(false, "", "", "/home/u") == fs::path("/home/u/.cache/logmac"));  // empty: not set
    CHECK(cache_root(false, nullptr, "relative/dir", "/home/u") == fs::path("/home/u/.cache/logmac"));  // ignored
    ScopedEnv root("LOGMAC_CACHE_DIR", "/tmp/lc");
    CHECK(default_cache_dir("synth-cache") == fs::path("/tmp/lc/synth-cache"));
  }

  TEST_CASE("runtime_library: this build tree's file for a binary of the tree") {
    CHECK(runtime_library("/some/build/lib.a") == fs::path("/some/build/lib.a"));
  }

  TEST_CASE("unusable_dir_reason: creatable and writable, or one line why not") {
    TempDir t;
    CHECK(unusable_dir_reason(t.path / "a" / "b") == "");
    CHECK(fs::is_directory(t.path / "a" / "b"));
    std::ofstream(t.path / "file") << "x";
    CHECK(unusable_dir_reason(t.path / "file").find("cannot create") != std::string::npos);
    CHECK(unusable_dir_reason("/proc/nope/x") != "");
    CHECK_FALSE(read_file(t.path / "missing").has_value());
  }
}
