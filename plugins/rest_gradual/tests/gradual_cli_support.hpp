// Helpers of the rest_gradual end-to-end tests (the real xnatctl against xnat-emulator): the
// client's environment (temp HOME, so its own journal), generated DICOM, JSON lines, and the
// server's state read independently (its storage tree, curl on its REST listings).
#pragma once

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <signal.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "support/temp_dir.hpp"
#include "xnatctl/test_support/child_process.hpp"
#include "xnatctl/test_support/emulator_fixture.hpp"

namespace gradual_cli {

namespace fs = std::filesystem;
using xnatctl::test_support::ChildOptions;
using xnatctl::test_support::ChildProcess;
using xnatctl::test_support::EmulatorFixture;
using xnatctl::test_support::EmulatorOptions;
using xnatctl::test_support::RunResult;
using xnatctl::testing::TempDir;
using Record = Poco::JSON::Object::Ptr;

inline EmulatorOptions emulator_options(std::vector<std::string> extra_args) {
  EmulatorOptions options;
  options.extra_args = std::move(extra_args);
  options.max_runtime_seconds = 240;
  return options;
}

inline ChildOptions client_env(const TempDir& home, const std::string& url) {
  ChildOptions options;
  for (const char* name : {"XNAT_TOKEN", "XNAT_PROFILE", "XNAT_VERIFY_SSL", "XNAT_TIMEOUT",
                           "XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"})
    options.extra_env[name] = "";
  options.extra_env["HOME"] = home.path().string();
  options.extra_env["XNAT_URL"] = url;
  options.extra_env["XNAT_USER"] = "admin";
  options.extra_env["XNAT_PASS"] = "admin";
  return options;
}

inline RunResult run_xnatctl(const TempDir& home, const std::string& url,
                             const std::vector<std::string>& args) {
  return xnatctl::test_support::run_process(XNATCTL_BINARY, args, std::chrono::seconds(150),
                                            client_env(home, url));
}

// `series` x `slices` small MR objects under work/name (DIR/study1/series<s>/IM<n>.dcm).
inline fs::path generate(const TempDir& work, const std::string& name, int series, int slices,
                         int seed = 1) {
  const fs::path out = work.path() / name;
  const auto made =
      xnatctl::test_support::run_process(XNAT_GEN_SESSION_BINARY,
                                         {"--out", out.string(), "--series", std::to_string(series),
                                          "--slices", std::to_string(slices), "--rows", "16",
                                          "--cols", "16", "--seed", std::to_string(seed), "-q"},
                                         std::chrono::seconds(60));
  REQUIRE(made.exit_status == 0);
  return out;
}

inline std::vector<Record> json_lines(const std::string& text) {
  std::vector<Record> records;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    INFO(line);
    Poco::JSON::Parser parser;
    records.push_back(parser.parse(line).extract<Record>());  // throws: not JSON only
  }
  return records;
}

inline std::vector<Record> of_type(const std::vector<Record>& records, const std::string& type) {
  std::vector<Record> out;
  for (const auto& r : records)
    if (r->getValue<std::string>("type") == type) out.push_back(r);
  return out;
}

// DICOM objects the emulator holds under `root` (archive/<P> or prearchive/<P>), by session
// directory (the session label's folder).
inline std::map<std::string, std::size_t> stored_objects(const fs::path& root) {
  std::map<std::string, std::size_t> per_session;
  if (!fs::exists(root)) return per_session;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    if (!entry.is_regular_file() || entry.path().parent_path().filename() != "DICOM") continue;
    // .../<session>/SCANS/<scan>/DICOM/<file>
    const fs::path session = entry.path().parent_path().parent_path().parent_path().parent_path();
    ++per_session[session.lexically_relative(root).string()];
  }
  return per_session;
}

// The HTTP status of GET `path` on the emulator, asked with curl (an independent client).
inline int http_status(const std::string& url, const std::string& path) {
  const auto r = xnatctl::test_support::run_process(
      "curl", {"-s", "-o", "/dev/null", "-w", "%{http_code}", "-u", "admin:admin", url + path},
      std::chrono::seconds(30));
  REQUIRE(r.exit_status == 0);
  return std::stoi(r.stdout_text);
}

inline std::size_t count_lines_with(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (std::size_t pos = text.find(needle); pos != std::string::npos;
       pos = text.find(needle, pos + 1))
    ++n;
  return n;
}

// Rows of the JSON listing GET `path` answers (ResultSet.Result), asked with curl; -1 when the
// answer is not 200.
inline int listed_rows(const std::string& url, const std::string& path) {
  const auto r = xnatctl::test_support::run_process(
      "curl", {"-s", "-w", "\n%{http_code}", "-u", "admin:admin", url + path},
      std::chrono::seconds(30));
  REQUIRE(r.exit_status == 0);
  const auto nl = r.stdout_text.rfind('\n');
  if (r.stdout_text.substr(nl + 1) != "200") return -1;
  Poco::JSON::Parser parser;
  const auto root = parser.parse(r.stdout_text.substr(0, nl)).extract<Record>();
  return static_cast<int>(root->getObject("ResultSet")->getArray("Result")->size());
}

// Scans of archived session `label` in `project`, and DICOM files of one of its scans.
inline int archived_scans(const std::string& url, const std::string& project,
                          const std::string& label) {
  return listed_rows(url,
                     "/data/projects/" + project + "/experiments/" + label + "/scans?format=json");
}
inline int archived_files(const std::string& url, const std::string& project,
                          const std::string& label, const std::string& scan) {
  return listed_rows(url, "/data/projects/" + project + "/experiments/" + label + "/scans/" + scan +
                              "/resources/DICOM/files?format=json");
}

}  // namespace gradual_cli
