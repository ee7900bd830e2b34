// The requests of `resource upload` on the SDK's FakeHost (xnat-server-api.md §6.1, §6.2): the
// order (look up, create, upload), the query of a directory upload, and the streamed zip body
// read back entry by entry with libarchive.
#include <archive.h>
#include <archive_entry.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include "xnatctl/sdk_testing.hpp"

namespace {

namespace fs = std::filesystem;
using Exchange = xc::testing::FakeHost::HttpExchange;

std::string query_value(const Exchange& rq, const std::string& key) {
  for (const auto& [k, v] : rq.query)
    if (k == key) return v;
  return "<absent>";
}

std::map<std::string, std::string> unzip(const std::string& bytes) {
  std::map<std::string, std::string> entries;
  struct archive* a = archive_read_new();
  archive_read_support_format_zip(a);
  REQUIRE(archive_read_open_memory(a, bytes.data(), bytes.size()) == ARCHIVE_OK);
  struct archive_entry* e = nullptr;
  while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
    std::string data;
    char buffer[8192];
    for (la_ssize_t n; (n = archive_read_data(a, buffer, sizeof buffer)) > 0;)
      data.append(buffer, static_cast<size_t>(n));
    entries[archive_entry_pathname(e)] = data;
  }
  archive_read_free(a);
  return entries;
}

struct Tree {
  fs::path root;
  Tree() {
    char pattern[] = "/tmp/resource-test.XXXXXX";
    root = ::mkdtemp(pattern);
    fs::create_directories(root / "bids" / "sub-01" / "anat");
    std::ofstream(root / "bids" / "sub-01" / "anat" / "T1w.nii.gz") << std::string(100000, 'x');
    std::ofstream(root / "bids" / "dataset_description.json") << R"({"Name":"t"})";
    std::ofstream(root / "bids" / ".bidsignore") << "derivatives/\n";
  }
  ~Tree() { fs::remove_all(root); }
};

}  // namespace

TEST_CASE("a directory: look up, create the resource, one zip with extract=true") {
  Tree tree;
  xc::testing::PluginLibrary lib(RESOURCE_PLUGIN);
  xc::testing::FakeHost host;
  host.set_positionals({"XNAT_E00001", "BIDS", (tree.root / "bids").string()});
  host.on_http([](const Exchange& rq, xc_http_response& rs) -> std::string {
    rs.status = 200;
    if (rq.method == "GET") return R"({"items":[{"data_fields":{"ID":"XNAT_E00001"}}]})";
    if (rq.path == "/data/experiments/XNAT_E00001/resources/BIDS") rs.status = 409;  // exists
    return "";
  });
  const xc_status status = host.run_command(lib.descriptor(), "resource upload");
  INFO(host.last_error());
  REQUIRE(status == XC_OK);
  const auto& sent = host.http_requests();
  REQUIRE(sent.size() == 3);
  CHECK(sent[0].path == "/data/experiments/XNAT_E00001");
  CHECK(sent[1].method == "PUT");
  CHECK(sent[1].path == "/data/experiments/XNAT_E00001/resources/BIDS");
  CHECK(sent[2].path == "/data/experiments/XNAT_E00001/resources/BIDS/files/bids.zip");
  CHECK(query_value(sent[2], "extract") == "true");
  CHECK(query_value(sent[2], "overwrite") == "<absent>");
  const auto entries = unzip(sent[2].body);
  REQUIRE(entries.size() == 3);
  CHECK(entries.at("sub-01/anat/T1w.nii.gz") == std::string(100000, 'x'));
  CHECK(entries.at("dataset_description.json") == R"({"Name":"t"})");
  CHECK(entries.count(".bidsignore") == 1);
  REQUIRE(host.records().size() == 1);
  CHECK(host.records()[0].at("files") == "3");
}

TEST_CASE("a failed resource creation is an error, not ignored") {
  Tree tree;
  xc::testing::PluginLibrary lib(RESOURCE_PLUGIN);
  xc::testing::FakeHost host;
  host.set_positionals({"XNAT_E00001", "BIDS", (tree.root / "bids").string()});
  host.on_http([](const Exchange& rq, xc_http_response& rs) -> std::string {
    rs.status = 200;
    if (rq.method == "GET") return R"({"items":[{"data_fields":{"ID":"XNAT_E00001"}}]})";
    rs.status = 403;
    return "User account doesn't have permission to modify this session.";
  });
  CHECK(host.run_command(lib.descriptor(), "resource upload") == XC_AUTH);
  CHECK(host.last_error().find("cannot create the resource BIDS") != std::string::npos);
  CHECK(host.http_requests().size() == 2);  // nothing uploaded
}
