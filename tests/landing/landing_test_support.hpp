#pragma once

// Shared by the landing tests: an emulator with project P1 (prearchive code 0, idle build at
// XNAT's default 300 s, so only an explicit commit archives anything during a test), a logged-in
// core client, generated sessions as Jobs, and a stand-in for a REST transport that sends
// chosen job files as one tar to the import service and reports them stored with the URI the
// server answered.

#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <vector>

#include "upload_test_support.hpp"
#include "xnatctl/auth/jsession.hpp"
#include "xnatctl/http/client.hpp"
#include "xnatctl/test_support/child_process.hpp"
#include "xnatctl/test_support/emulator_fixture.hpp"
#include "xnatctl/upload/byte_source.hpp"
#include "xnatctl/upload/discovery.hpp"
#include "xnatctl/upload/landing.hpp"
#include "xnatctl/xnat/listings.hpp"

namespace landing_test {

namespace fs = std::filesystem;
using namespace xnatctl;

inline test_support::EmulatorOptions emulator_options() {
  test_support::EmulatorOptions options;
  options.extra_args = {"--project", "P1"};
  options.max_runtime_seconds = 150;
  return options;
}

inline std::unique_ptr<http::Client> admin_client(const std::string& url) {
  http::ClientOptions options;
  options.base_url = url;
  options.retry.initial_delay = std::chrono::milliseconds(1);
  options.retry.max_delay = std::chrono::milliseconds(10);
  auto client = std::make_unique<http::Client>(options);
  auth::JSessionProvider::Options session;
  session.credentials = [] { return auth::Credentials{"admin", "admin"}; };
  client->set_session_provider(std::make_shared<auth::JSessionProvider>(session));
  return client;
}

// xnat-gen-session into `dir` (one study; seed decides the UIDs), discovered as a Job for
// P1 / subject / session.
inline upload::Job generated_job(const fs::path& dir, const std::string& subject,
                                 const std::string& session, int series, int slices, int seed) {
  upload_test::gen_session(dir, 1, series, slices, seed);
  auto discovery = upload::discover(dir);
  upload::Job job;
  job.target = {"", "P1", subject, session};
  job.transport = "test";
  job.source = discovery.source;
  job.source_kind = discovery.kind;
  job.files = std::move(discovery.files);
  REQUIRE(job.files.size() == static_cast<std::size_t>(series * slices));
  return job;
}

// The job's files of the series numbered `series_number` (as text).
inline std::vector<std::size_t> files_of_series(const upload::Job& job,
                                                const std::string& series_number) {
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < job.files.size(); ++i)
    if (job.files[i].attributes.series_number == series_number) out.push_back(i);
  return out;
}

// A copy of `job` holding only `indices` (another upload of part of the same study).
inline upload::Job subset(const upload::Job& job, const std::vector<std::size_t>& indices) {
  upload::Job out = job;
  out.files.clear();
  for (auto i : indices) out.files.push_back(job.files[i]);
  return out;
}

inline std::vector<std::size_t> all_files(const upload::Job& job) {
  std::vector<std::size_t> out(job.files.size());
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = i;
  return out;
}

// Sends `indices` as one DICOM-zip tar with the request rest_zip makes for the job's
// destination (xnat-server-api.md §3, §11): Direct-Archive=true, or dest=/prearchive/projects/P.
// Returns outcomes indexed like job.files.
inline std::vector<upload::FileOutcome> send_tar(http::Client& client, const upload::Job& job,
                                                 const std::vector<std::size_t>& indices) {
  auto body = upload::open_archive_body(job, indices, upload::ArchiveFormat::kTar);
  std::shared_ptr<upload::ByteSource> source(std::move(body));
  http::Request request;
  request.method = "POST";
  request.path = "/data/services/import";
  request.headers = {{"Content-Type", "application/x-tar"}};
  request.query = {{"import-handler", "DICOM-zip"},
                   {"PROJECT_ID", job.target.project},
                   {"SUBJECT_ID", job.target.subject},
                   {"EXPT_LABEL", job.target.session}};
  if (job.settings.destination == upload::Destination::kArchive) {
    request.query.emplace_back("Direct-Archive", "true");
  } else {
    request.query.emplace_back("dest", "/prearchive/projects/" + job.target.project);
  }
  http::RequestBody rb;
  rb.content_length = source->size();
  rb.read = [source](char* buffer, std::size_t size) { return source->read(buffer, size); };
  rb.rewind = [source] {
    source->rewind();
    return true;
  };
  request.body = std::move(rb);
  auto response = client.fetch(request);
  INFO(response.body);
  REQUIRE(response.status == 200);
  std::vector<upload::FileOutcome> outcomes(job.files.size());
  for (auto i : indices) {
    outcomes[i].outcome = upload::Outcome::kStored;
    outcomes[i].protocol_status = 200;
    outcomes[i].uri = response.body;
  }
  return outcomes;
}

inline bool listed(http::Client& client, const std::string& label) {
  for (const auto& s : xnat::list_sessions(client, "P1", std::nullopt))
    if (s.label == label) return true;
  return false;
}

inline std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

#ifdef XNATCTL_BINARY
// The real xnatctl with a temp HOME (its own journal and config) against `url` as admin.
inline test_support::RunResult run_xnatctl(const fs::path& home, const std::string& url,
                                           const std::vector<std::string>& args) {
  test_support::ChildOptions options;
  for (const char* name : {"XNAT_TOKEN", "XNAT_PROFILE", "XNAT_VERIFY_SSL", "XNAT_TIMEOUT",
                           "XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"})
    options.extra_env[name] = "";
  options.extra_env["HOME"] = home.string();
  options.extra_env["XNAT_URL"] = url;
  options.extra_env["XNAT_USER"] = "admin";
  options.extra_env["XNAT_PASS"] = "admin";
  return test_support::run_process(XNATCTL_BINARY, args, std::chrono::seconds(60), options);
}
#endif

}  // namespace landing_test
