// Child processes for tests: spawn a program with arguments and extra environment, capture its
// stdout/stderr (to temp files, so a chatty child never blocks on a full pipe), wait with a
// timeout, and kill it by PID. The destructor kills a still-running child (SIGKILL) and reaps
// it, so a failing test never leaves a process behind.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace xnatctl::test_support {

struct ChildOptions {
  std::map<std::string, std::string> extra_env;  // added to (or overriding) the parent's env
  std::filesystem::path working_dir;             // empty = inherit
  std::optional<std::string> stdin_text;         // fed via a temp file; default /dev/null
};

class ChildProcess {
 public:
  // Starts `program` (absolute path, or a name looked up on PATH) with `args` (argv[1..]).
  // Throws std::runtime_error if it cannot be started.
  static ChildProcess spawn(const std::filesystem::path& program,
                            const std::vector<std::string>& args, const ChildOptions& options = {});

  ChildProcess(ChildProcess&&) noexcept;
  ChildProcess& operator=(ChildProcess&&) noexcept;
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ~ChildProcess();

  pid_t pid() const { return pid_; }
  bool running();  // false once it has exited (reaps it)

  // Waits up to `timeout`. Returns the exit status (exit code, or 128+signal for a signalled
  // child), or nullopt if still running when the timeout passes.
  std::optional<int> wait_for(std::chrono::milliseconds timeout);

  // Sends `signal` to the child's PID (only if still running).
  void signal(int signal);
  // SIGTERM, wait up to `grace`, then SIGKILL; returns the exit status.
  int terminate(std::chrono::milliseconds grace = std::chrono::seconds(5));

  // Output captured so far (complete once the child has exited).
  std::string stdout_text() const;
  std::string stderr_text() const;
  std::optional<int> exit_status() const { return exit_status_; }

 private:
  ChildProcess() = default;
  void reset();
  pid_t pid_ = -1;
  std::optional<int> exit_status_;
  std::filesystem::path capture_dir_;
};

struct RunResult {
  int exit_status = -1;  // exit code, or 128+signal; -1 when timed out and killed
  bool timed_out = false;
  std::string stdout_text, stderr_text;
};

// Runs a program to completion (killed after `timeout`).
RunResult run_process(const std::filesystem::path& program, const std::vector<std::string>& args,
                      std::chrono::milliseconds timeout, const ChildOptions& options = {});

}  // namespace xnatctl::test_support
