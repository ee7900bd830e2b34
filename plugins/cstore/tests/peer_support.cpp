#include "peer_support.hpp"

#include <arpa/inet.h>
#include <dcmtk/config/osconfig.h>  // must precede every other DCMTK header
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcmetinf.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace fs = std::filesystem;

namespace cstore_test {
namespace {

bool write_file(const char* path, const std::string& text) {
  std::ofstream out(path);
  out << text;
  return static_cast<bool>(out);
}

bool loopback_up() {
  const int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  if (fd < 0) return false;
  ifreq ifr{};
  std::strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
  bool ok = ::ioctl(fd, SIOCGIFFLAGS, &ifr) == 0;
  ifr.ifr_flags = static_cast<short>(ifr.ifr_flags | IFF_UP | IFF_RUNNING);
  ok = ok && ::ioctl(fd, SIOCSIFFLAGS, &ifr) == 0;
  ::close(fd);
  return ok;
}

std::string slurp(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

bool isolate_network() {
  static const bool isolated = [] {
    if (::unshare(CLONE_NEWNET) == 0) return loopback_up();
    const uid_t uid = ::getuid();
    const gid_t gid = ::getgid();
    if (::unshare(CLONE_NEWUSER | CLONE_NEWNET) != 0) return false;
    write_file("/proc/self/setgroups", "deny");
    write_file("/proc/self/uid_map", std::to_string(uid) + " " + std::to_string(uid) + " 1");
    write_file("/proc/self/gid_map", std::to_string(gid) + " " + std::to_string(gid) + " 1");
    return loopback_up();
  }();
  return isolated;
}

std::uint16_t free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
    throw std::runtime_error("bind failed");
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

bool wait_for_port(std::uint16_t port, int timeout_ms) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    ::close(fd);
    if (ok) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

fs::path pydicom_file(const std::string& name) {
  const fs::path p = fs::path("/usr/lib/python3/dist-packages/pydicom/data/test_files") / name;
  return fs::exists(p) ? p : fs::path();
}

DicomFileInfo read_dicom(const fs::path& file) {
  DcmFileFormat ff;
  if (ff.loadFile(file.c_str()).bad()) throw std::runtime_error("cannot read " + file.string());
  DicomFileInfo info;
  OFString v;
  if (ff.getMetaInfo()->findAndGetOFString(DCM_TransferSyntaxUID, v).good())
    info.transfer_syntax_uid = v.c_str();
  if (ff.getDataset()->findAndGetOFString(DCM_SOPClassUID, v).good())
    info.sop_class_uid = v.c_str();
  if (ff.getDataset()->findAndGetOFString(DCM_SOPInstanceUID, v).good())
    info.sop_instance_uid = v.c_str();
  if (ff.getDataset()->findAndGetOFString(DCM_PatientComments, v).good())
    info.patient_comments = v.c_str();
  const std::string bytes = slurp(file);
  // 128-byte preamble + "DICM" + the meta group as DCMTK measures it.
  const std::size_t meta =
      132 + ff.getMetaInfo()->calcElementLength(EXS_LittleEndianExplicit, EET_ExplicitLength);
  info.dataset_bytes = bytes.size() > meta ? bytes.substr(meta) : std::string();
  return info;
}

xc::testing::FakeHost::File job_file(const fs::path& file) {
  const DicomFileInfo info = read_dicom(file);
  xc::testing::FakeHost::File f;
  f.path = file.string();
  f.relative_path = file.filename().string();
  f.size = fs::file_size(file);
  f.attributes = {{"SOPClassUID", info.sop_class_uid},
                  {"SOPInstanceUID", info.sop_instance_uid},
                  {"TransferSyntaxUID", info.transfer_syntax_uid}};
  return f;
}

Storescp::Storescp(fs::path out_dir, std::string aet, std::vector<std::string> extra_args)
    : dir_(std::move(out_dir)) {
  fs::create_directories(dir_);
  for (int attempt = 0; attempt < 5 && !process_; ++attempt) {
    port_ = free_port();
    std::vector<std::string> args = {"120", "storescp", "--fork", "+xa", "+B",
                                     "+uf", "-aet",     aet,      "-od", dir_.string()};
    args.insert(args.end(), extra_args.begin(), extra_args.end());
    args.push_back(std::to_string(port_));
    xnatctl::test_support::ChildOptions options;
    options.extra_env["TCP_NODELAY"] = "1";
    auto child = xnatctl::test_support::ChildProcess::spawn("timeout", args, options);
    if (wait_for_port(port_, 5000)) {
      process_.emplace(std::move(child));
    } else {
      child.terminate(std::chrono::milliseconds(500));
    }
  }
  if (!process_) throw std::runtime_error("storescp did not start");
}

Storescp::~Storescp() {
  if (process_) process_->terminate(std::chrono::milliseconds(2000));
}

std::vector<fs::path> Storescp::received() const {
  std::vector<fs::path> files;
  for (const auto& e : fs::recursive_directory_iterator(dir_))
    if (e.is_regular_file()) files.push_back(e.path());
  return files;
}

std::string Storescp::log() const {
  return process_->stdout_text() + process_->stderr_text();
}

TempDir::TempDir() {
  std::random_device rd;
  path_ = fs::temp_directory_path() /
          ("cstore_test_" + std::to_string(::getpid()) + "_" + std::to_string(rd()));
  fs::create_directories(path_);
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

std::string dump_results(const xc::testing::FakeHost& host) {
  std::ostringstream out;
  for (const auto& [index, r] : host.file_results())
    out << index << ": outcome " << r.outcome << " status " << r.status << " attempts "
        << r.attempts << " " << r.message << "\n";
  out << "error: " << host.last_error() << "\n";
  return out.str();
}

}  // namespace cstore_test
