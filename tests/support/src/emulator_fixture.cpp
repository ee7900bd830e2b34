#include "xnatctl/test_support/emulator_fixture.hpp"

#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace xnatctl::test_support {
namespace {

std::filesystem::path make_work_dir() {
  std::random_device rd;
  for (int attempt = 0; attempt < 100; ++attempt) {
    auto dir = std::filesystem::temp_directory_path() /
               ("xnat-emulator-test-" + std::to_string(::getpid()) + "-" + std::to_string(rd()));
    std::error_code ec;
    if (std::filesystem::create_directory(dir, ec)) return dir;
  }
  throw std::runtime_error("cannot create a temp directory for the emulator");
}

// Port file lines are `http=PORT` and `dicom=PORT`; the emulator writes it atomically
// (temp name + rename) once it serves, so a file that exists is complete.
std::optional<std::uint16_t> read_port(const std::filesystem::path& file, const std::string& key) {
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(key + "=", 0) == 0)
      return static_cast<std::uint16_t>(std::stoi(line.substr(key.size() + 1)));
  }
  return std::nullopt;
}

}  // namespace

std::filesystem::path EmulatorFixture::default_emulator_path() {
  if (const char* env = std::getenv("XNAT_EMULATOR"); env && *env) return env;
#ifdef XNATCTL_EMULATOR_PATH
  return XNATCTL_EMULATOR_PATH;
#else
  return "xnat-emulator";
#endif
}

EmulatorFixture::EmulatorFixture(EmulatorOptions options) : options_(std::move(options)) {
  work_dir_ = make_work_dir();
  data_dir_ = work_dir_ / "data";
  const auto port_file = work_dir_ / "ports";
  std::vector<std::string> args{"--data",        data_dir_.string(),
                                "--port",        "0",
                                "--port-file",   port_file.string(),
                                "--max-runtime", std::to_string(options_.max_runtime_seconds)};
  if (options_.with_dicom_receiver) {
    args.insert(args.end(), {"--dicom-port", "0"});
  }
  if (!options_.context_path.empty()) {
    args.insert(args.end(), {"--context-path", options_.context_path});
  }
  if (options_.tls && !options_.tls_cert.empty()) {
    args.insert(args.end(),
                {"--tls-cert", options_.tls_cert.string(), "--tls-key", options_.tls_key.string()});
  } else if (options_.tls) {
    const auto cert = work_dir_ / "cert.pem", key = work_dir_ / "key.pem";
    auto r = run_process("openssl",
                         {"req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
                          "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
                          "-keyout", key.string(), "-out", cert.string()},
                         std::chrono::seconds(60));
    if (r.exit_status != 0) throw std::runtime_error("openssl failed: " + r.stderr_text);
    args.insert(args.end(), {"--tls-cert", cert.string(), "--tls-key", key.string()});
  }
  args.insert(args.end(), options_.extra_args.begin(), options_.extra_args.end());
  const auto exe =
      options_.emulator_path.empty() ? default_emulator_path() : options_.emulator_path;
  process_.emplace(ChildProcess::spawn(exe, args));

  const auto deadline = std::chrono::steady_clock::now() + options_.startup_timeout;
  while (true) {
    if (std::filesystem::exists(port_file)) {
      auto http = read_port(port_file, "http");
      if (http) {
        http_port_ = *http;
        dicom_port_ = read_port(port_file, "dicom");
        break;
      }
    }
    if (!process_->running() || std::chrono::steady_clock::now() > deadline) {
      const bool exited = !process_->running();
      process_->terminate(std::chrono::seconds(2));
      const std::string err = process_->stderr_text();
      std::error_code ec;
      std::filesystem::remove_all(work_dir_, ec);
      throw std::runtime_error(std::string("xnat-emulator ") +
                               (exited ? "exited during startup" : "did not start in time") + ": " +
                               err);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

EmulatorFixture::~EmulatorFixture() {
  stop();
  std::error_code ec;
  std::filesystem::remove_all(work_dir_, ec);
}

int EmulatorFixture::stop() {
  if (stopped_ || !process_)
    return process_ && process_->exit_status() ? *process_->exit_status() : 0;
  stopped_ = true;
  return process_->terminate(std::chrono::seconds(10));
}

std::string EmulatorFixture::base_url() const {
  return (options_.tls ? "https://localhost:" : "http://127.0.0.1:") + std::to_string(http_port_) +
         options_.context_path;
}

}  // namespace xnatctl::test_support
