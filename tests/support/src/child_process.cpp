#include "xnatctl/test_support/child_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace xnatctl::test_support {
namespace {

std::filesystem::path make_capture_dir() {
  std::random_device rd;
  for (int attempt = 0; attempt < 100; ++attempt) {
    auto dir = std::filesystem::temp_directory_path() /
               ("xnatctl-child-" + std::to_string(::getpid()) + "-" + std::to_string(rd()));
    std::error_code ec;
    if (std::filesystem::create_directory(dir, ec)) return dir;
  }
  throw std::runtime_error("cannot create a capture directory");
}

std::string read_all(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

int decode_status(int wait_status) {
  if (WIFEXITED(wait_status)) return WEXITSTATUS(wait_status);
  if (WIFSIGNALED(wait_status)) return 128 + WTERMSIG(wait_status);
  return -1;
}

}  // namespace

ChildProcess ChildProcess::spawn(const std::filesystem::path& program,
                                 const std::vector<std::string>& args,
                                 const ChildOptions& options) {
  ChildProcess child;
  child.capture_dir_ = make_capture_dir();
  const auto out_file = child.capture_dir_ / "stdout";
  const auto err_file = child.capture_dir_ / "stderr";
  std::string in_file = "/dev/null";
  if (options.stdin_text) {
    in_file = (child.capture_dir_ / "stdin").string();
    std::ofstream(in_file, std::ios::binary) << *options.stdin_text;
  }

  std::vector<std::string> argv_storage{program.string()};
  argv_storage.insert(argv_storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_storage) argv.push_back(a.data());
  argv.push_back(nullptr);

  // Environment: the parent's, with extra_env added or overriding.
  std::map<std::string, std::string> env_map;
  for (char** e = environ; e && *e; ++e) {
    std::string kv(*e);
    auto eq = kv.find('=');
    if (eq != std::string::npos) env_map[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  for (const auto& [k, v] : options.extra_env) env_map[k] = v;
  std::vector<std::string> env_storage;
  for (const auto& [k, v] : env_map) env_storage.push_back(k + "=" + v);
  std::vector<char*> envp;
  for (auto& e : env_storage) envp.push_back(e.data());
  envp.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, in_file.c_str(), O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0644);
  posix_spawn_file_actions_addopen(&actions, 2, err_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0644);
  if (!options.working_dir.empty()) {
    // posix_spawn_file_actions_addchdir_np is glibc >= 2.29 (Debian 12 has 2.36).
    posix_spawn_file_actions_addchdir_np(&actions, options.working_dir.c_str());
  }
  pid_t pid = -1;
  const bool search_path = program.string().find('/') == std::string::npos;
  int rc = search_path
               ? posix_spawnp(&pid, program.c_str(), &actions, nullptr, argv.data(), envp.data())
               : posix_spawn(&pid, program.c_str(), &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    std::filesystem::remove_all(child.capture_dir_);
    throw std::runtime_error("cannot start " + program.string() + ": " + std::strerror(rc));
  }
  child.pid_ = pid;
  return child;
}

ChildProcess::ChildProcess(ChildProcess&& other) noexcept
    : pid_(other.pid_),
      exit_status_(other.exit_status_),
      capture_dir_(std::move(other.capture_dir_)) {
  other.pid_ = -1;
  other.capture_dir_.clear();
}

ChildProcess& ChildProcess::operator=(ChildProcess&& other) noexcept {
  if (this != &other) {
    reset();
    pid_ = other.pid_;
    exit_status_ = other.exit_status_;
    capture_dir_ = std::move(other.capture_dir_);
    other.pid_ = -1;
    other.capture_dir_.clear();
  }
  return *this;
}

ChildProcess::~ChildProcess() {
  reset();
}

void ChildProcess::reset() {
  if (pid_ > 0 && !exit_status_) {
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
  pid_ = -1;
  if (!capture_dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(capture_dir_, ec);
    capture_dir_.clear();
  }
}

bool ChildProcess::running() {
  if (pid_ <= 0 || exit_status_) return false;
  int status = 0;
  pid_t r = ::waitpid(pid_, &status, WNOHANG);
  if (r == pid_) {
    exit_status_ = decode_status(status);
    return false;
  }
  return r == 0;
}

std::optional<int> ChildProcess::wait_for(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (running()) {
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return exit_status_;
}

void ChildProcess::signal(int sig) {
  if (running()) ::kill(pid_, sig);
}

int ChildProcess::terminate(std::chrono::milliseconds grace) {
  signal(SIGTERM);
  if (auto st = wait_for(grace)) return *st;
  signal(SIGKILL);
  if (auto st = wait_for(std::chrono::seconds(10))) return *st;
  return -1;
}

std::string ChildProcess::stdout_text() const {
  return capture_dir_.empty() ? std::string() : read_all(capture_dir_ / "stdout");
}
std::string ChildProcess::stderr_text() const {
  return capture_dir_.empty() ? std::string() : read_all(capture_dir_ / "stderr");
}

RunResult run_process(const std::filesystem::path& program, const std::vector<std::string>& args,
                      std::chrono::milliseconds timeout, const ChildOptions& options) {
  auto child = ChildProcess::spawn(program, args, options);
  RunResult result;
  if (auto st = child.wait_for(timeout)) {
    result.exit_status = *st;
  } else {
    result.timed_out = true;
    child.terminate(std::chrono::seconds(2));
  }
  result.stdout_text = child.stdout_text();
  result.stderr_text = child.stderr_text();
  return result;
}

}  // namespace xnatctl::test_support
