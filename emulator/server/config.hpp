// Run-time configuration of xnat-emulator, filled from the command line and an optional YAML
// file (see cli_options.cpp and emulator/README.md).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace xnatctl::emulator {

struct UserAccount {
  std::string name, password;
};

// Prearchive codes (reference §3.10): 0 Manual, 4 AutoArchive, 5 AutoArchiveOverwrite.
struct ProjectConfig {
  std::string id;
  int prearchive_code = 0;
};

struct FaultConfig {
  int import_400_first_n = 0;           // --fault-import-400 N
  double rate_5xx = 0.0;                // --fault-5xx-rate R (0..1)
  std::uint64_t seed = 1;               // --fault-seed S
  std::int64_t reset_after_bytes = -1;  // --fault-reset-after-bytes N (-1 = off)
  int reset_times = 1;                  // --fault-reset-times K (0 = every request)
  int latency_ms = 0;                   // --fault-latency-ms MS
  int scp_abort_after = -1;             // --fault-scp-abort-after N (DICOM receiver)
  // --fault-404 PATH (repeatable): these paths (below the context path, no query) answer 404,
  // like an XNAT or proxy without /xapi/users/username and /data/auth.
  std::vector<std::string> not_found_paths;
  // --fault-redirect BASE: every request answers 302 to BASE + its URI, as a server that
  // moved from http:// to https:// does. Empty = off.
  std::string redirect_base;
};

struct EmulatorConfig {
  std::string bind_address = "127.0.0.1";
  int port = 8080;
  std::filesystem::path port_file;
  std::filesystem::path data_dir;
  bool reset_data = false;
  std::vector<UserAccount> users;
  std::vector<ProjectConfig> projects;
  int session_timeout_seconds = 900;  // XNAT pref sessionTimeout "15 minutes" (§2.2)
  double build_idle_seconds = 300;    // sessionXmlRebuilderInterval, 5 min (§3.10)
  double build_tick_seconds = 60;     // sessionXmlRebuilderRepeat, 60 s (§3.10)
  double max_runtime_seconds = 0;     // 0 = run until signalled
  bool sink = false;                  // parse and count, store nothing
  // Benchmarks: XNAT's ZipInputStream checks each entry's CRC-32 with the JVM's hardware
  // intrinsic, ~0.1 s/GiB; libarchive checks it with zlib's table-driven CRC, ~1 s/GiB on
  // the bench machine (a quarter of the emulator's time on a zip upload, perf), so a zip
  // benchmark would measure the emulator rather than the client. Off by default.
  bool skip_zip_crc = false;
  // Store DICOM objects re-serialised as XNAT does (new file meta, re-encoded header) instead
  // of byte for byte as sent; off so differential checks and benchmarks compare bytes sent.
  bool rewrite_header = false;
  std::filesystem::path tls_cert, tls_key;
  std::optional<int> dicom_port;  // absent = no DICOM receiver
  std::string dicom_aet = "XNAT";
  int http_threads = 32;
  // A connection must deliver a complete request head within this many seconds, or it is
  // closed; it occupies no handler thread while it waits (http_server.cpp).
  double header_timeout_seconds = 10;
  // Limits of resource extraction (extract=true): total bytes written per archive, and the
  // ratio of written to received bytes once past 64 MiB (a zip bomb expands 1000-fold).
  std::int64_t max_extract_bytes = std::int64_t{4} << 30;
  double max_extract_ratio = 200;
  std::string site_id = "XNAT";
  // Where XNAT is deployed in the servlet container: "" (root) or "/xnat". Every route, the
  // login redirect, the cookie path, absolute Location headers and URI columns' serverRoot
  // carry it; the URIs in response bodies do not (XNAT returns "/data/..." there).
  std::string context_path;
  // What /xapi/siteConfig/buildInfo reports: an XNAT with direct archive (1.8.3+).
  std::string xnat_version = "1.8.10";
  bool verbose = false;
  FaultConfig faults;
};

}  // namespace xnatctl::emulator
