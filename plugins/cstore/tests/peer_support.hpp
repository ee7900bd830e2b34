// Helpers for the cstore tests that talk to real receivers.
//
// Receivers that cannot bind to loopback only (storescp and Orthanc bind every interface) must
// serve no one but the test: the first call to isolate_network() moves this test process into
// a new network namespace holding only `lo` (as root, or through a user namespace), so every
// receiver it starts afterwards is reachable from nowhere else. When the machine allows no
// namespace, tests still run on a free port and stop their receivers by PID.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "xnatctl/sdk_testing.hpp"
#include "xnatctl/test_support/child_process.hpp"

namespace cstore_test {

// True when the process now runs in a namespace of its own (idempotent).
bool isolate_network();

std::uint16_t free_port();
// Waits until something accepts TCP connections on 127.0.0.1:port.
bool wait_for_port(std::uint16_t port, int timeout_ms);

// pydicom's de-identified test files (Debian python3-pydicom), or "" when not installed.
std::filesystem::path pydicom_file(const std::string& name);

struct DicomFileInfo {
  std::string sop_class_uid, sop_instance_uid, transfer_syntax_uid, patient_comments;
  std::string dataset_bytes;  // the file's bytes after its meta information (DCMTK's view)
};
// Read with DCMTK, independently of the plugin's own parser.
DicomFileInfo read_dicom(const std::filesystem::path& file);

// A FakeHost job file for a file on disk, with the attributes the host's probe would give.
xc::testing::FakeHost::File job_file(const std::filesystem::path& file);

// DCMTK's storescp accepting every transfer syntax (+xa), writing data sets bit for bit (+B),
// unique file names, one process per association (--fork), TCP_NODELAY, bounded by `timeout`.
class Storescp {
 public:
  explicit Storescp(std::filesystem::path out_dir, std::string aet = "STORESCP",
                    std::vector<std::string> extra_args = {});
  ~Storescp();
  std::uint16_t port() const { return port_; }
  std::vector<std::filesystem::path> received() const;
  std::string log() const;  // storescp's stdout and stderr (with -v: one line per association)

 private:
  std::filesystem::path dir_;
  std::uint16_t port_ = 0;
  std::optional<xnatctl::test_support::ChildProcess> process_;
};

// A temporary directory removed at the end of the test.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// Every file result, for messages when a check fails.
std::string dump_results(const xc::testing::FakeHost& host);

}  // namespace cstore_test
