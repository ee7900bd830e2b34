// A running xnat-emulator for tests. Starts the emulator with a fresh temp --data dir,
// --port 0, --port-file and --max-runtime (so a crashed test never leaves it running), waits
// for the port file, and stops it by PID (SIGTERM, then SIGKILL) in the destructor.
//
//   xnatctl::test_support::EmulatorOptions options;
//   options.extra_args = {"--project", "P1:4"};
//   xnatctl::test_support::EmulatorFixture emu(options);
//   auto url = emu.base_url();   // "http://127.0.0.1:PORT"; default user admin:admin
//
// The emulator binary is found from the XNAT_EMULATOR environment variable, else the path
// compiled in by tests/support/CMakeLists.txt (the build tree's xnat-emulator).
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "xnatctl/test_support/child_process.hpp"

namespace xnatctl::test_support {

struct EmulatorOptions {
  std::vector<std::string> extra_args;  // e.g. {"--project", "P1", "--user", "u:p"}
  bool with_dicom_receiver = false;     // adds --dicom-port 0
  bool tls = false;                     // generates a self-signed cert with openssl, serves HTTPS
  // With tls: serve this certificate and key instead (e.g. from a TestCa).
  std::filesystem::path tls_cert, tls_key;
  std::string context_path;       // --context-path, e.g. "/xnat"; part of base_url()
  int max_runtime_seconds = 300;  // --max-runtime: the emulator exits by itself after this
  std::chrono::milliseconds startup_timeout{20000};
  std::filesystem::path emulator_path;  // empty = XNAT_EMULATOR env or the compiled-in path
};

class EmulatorFixture {
 public:
  explicit EmulatorFixture(EmulatorOptions options = {});  // throws std::runtime_error on failure
  ~EmulatorFixture();
  EmulatorFixture(const EmulatorFixture&) = delete;
  EmulatorFixture& operator=(const EmulatorFixture&) = delete;

  // "http://127.0.0.1:PORT" or "https://localhost:PORT", then the context path.
  std::string base_url() const;
  std::uint16_t http_port() const { return http_port_; }
  std::optional<std::uint16_t> dicom_port() const { return dicom_port_; }
  const std::filesystem::path& data_dir() const { return data_dir_; }
  const std::filesystem::path& work_dir() const { return work_dir_; }
  // PEM of the self-signed certificate when options.tls (for the client's CA file).
  std::filesystem::path tls_cert_file() const { return work_dir_ / "cert.pem"; }
  ChildProcess& process() { return *process_; }

  // Stops the emulator now (SIGTERM, grace, SIGKILL); returns its exit status.
  int stop();

  static std::filesystem::path default_emulator_path();

 private:
  EmulatorOptions options_;
  std::filesystem::path work_dir_, data_dir_;
  std::optional<ChildProcess> process_;
  std::uint16_t http_port_ = 0;
  std::optional<std::uint16_t> dicom_port_;
  bool stopped_ = false;
};

}  // namespace xnatctl::test_support
