// The plugin ABI, frozen. If one of these fails, an edit to sdk.h moved or resized
// something a compiled plugin relies on: that is a breaking change (bump XC_ABI_MAJOR) or a
// mistake (append instead). Offsets are for LP64 (x86_64/aarch64 Linux), the platforms we
// ship; other targets skip the layout checks but keep the hash check.

#include <Poco/Crypto/DigestEngine.h>
#include <Poco/DigestEngine.h>

#include <catch2/catch.hpp>
#include <cstddef>
#include <fstream>
#include <sstream>
#include <string>

#include "xnatctl/sdk.h"

#if defined(__LP64__)
static_assert(sizeof(xc_error) == 1032);
static_assert(offsetof(xc_error, status) == 4);
static_assert(offsetof(xc_error, message) == 8);
static_assert(sizeof(xc_str) == 16);
static_assert(sizeof(xc_kv) == 16);
// since 1.1: each struct that grew keeps its 1.0 size as the offset of its first new member.
static_assert(offsetof(xc_option_desc, implicit_value) == 72);
static_assert(sizeof(xc_option_desc) == 80);
static_assert(offsetof(xc_option_desc, short_name) == 16);
static_assert(offsetof(xc_option_desc, type) == 24);
static_assert(offsetof(xc_option_desc, flags) == 28);
static_assert(offsetof(xc_option_desc, default_value) == 32);
static_assert(offsetof(xc_option_desc, help) == 48);
static_assert(offsetof(xc_option_desc, env_var) == 56);
static_assert(offsetof(xc_option_desc, profile_key) == 64);
static_assert(sizeof(xc_positional_desc) == 32);
static_assert(offsetof(xc_positional_desc, flags) == 24);
static_assert(sizeof(xc_http_request) == 112);
static_assert(offsetof(xc_http_request, method) == 8);
static_assert(offsetof(xc_http_request, path) == 16);
static_assert(offsetof(xc_http_request, query) == 24);
static_assert(offsetof(xc_http_request, headers) == 40);
static_assert(offsetof(xc_http_request, body_size) == 56);
static_assert(offsetof(xc_http_request, body_read) == 64);
static_assert(offsetof(xc_http_request, body_rewind) == 72);
static_assert(offsetof(xc_http_request, response_write) == 88);
static_assert(offsetof(xc_http_request, flags) == 104);
static_assert(sizeof(xc_http_response) == 140);
static_assert(offsetof(xc_http_response, status) == 4);
static_assert(offsetof(xc_http_response, attempts) == 8);
static_assert(offsetof(xc_http_response, content_type) == 12);
static_assert(sizeof(xc_job_info) == 88);
static_assert(offsetof(xc_job_info, server_url) == 8);
static_assert(offsetof(xc_job_info, source_kind) == 48);
static_assert(offsetof(xc_job_info, workers) == 64);
static_assert(offsetof(xc_job_info, flags) == 68);
static_assert(offsetof(xc_job_info, file_count) == 72);
static_assert(offsetof(xc_job_info, total_bytes) == 80);
static_assert(offsetof(xc_job_file, object_name) == 40);
static_assert(sizeof(xc_job_file) == 48);
static_assert(offsetof(xc_job_file, size) == 24);
static_assert(offsetof(xc_job_file, display_name) == 32);
static_assert(sizeof(xc_body) == 48);
static_assert(offsetof(xc_body, size) == 8);
static_assert(offsetof(xc_body, read) == 16);
static_assert(offsetof(xc_body, close) == 32);
static_assert(offsetof(xc_body, user) == 40);
static_assert(sizeof(xc_file_result) == 32);
static_assert(offsetof(xc_file_result, outcome) == 4);
static_assert(offsetof(xc_file_result, status) == 8);
static_assert(offsetof(xc_file_result, attempts) == 12);
static_assert(offsetof(xc_file_result, uri) == 16);
static_assert(offsetof(xc_file_result, message) == 24);
static_assert(sizeof(xc_host_api) == 176);
static_assert(offsetof(xc_host_api, http_send) == 80);
static_assert(offsetof(xc_host_api, cancelled) == 88);
static_assert(offsetof(xc_host_api, wait) == 96);
static_assert(offsetof(xc_host_api, job_info) == 104);
static_assert(offsetof(xc_host_api, job_invocation) == 128);
static_assert(offsetof(xc_host_api, job_file_open) == 136);
static_assert(offsetof(xc_host_api, job_archive_open) == 152);
static_assert(offsetof(xc_host_api, report) == 160);
static_assert(offsetof(xc_host_api, progress) == 168);
static_assert(sizeof(xc_transport_desc) == 88);
static_assert(offsetof(xc_transport_desc, create) == 56);
static_assert(offsetof(xc_transport_desc, destroy) == 72);
static_assert(offsetof(xc_transport_desc, describe) == 80);
static_assert(offsetof(xc_host_api, abi_major) == 4);
static_assert(offsetof(xc_host_api, abi_minor) == 6);
static_assert(offsetof(xc_host_api, log) == 8);
static_assert(offsetof(xc_host_api, option_get) == 16);
static_assert(offsetof(xc_host_api, config_get) == 40);
static_assert(offsetof(xc_host_api, output_mode) == 48);
static_assert(offsetof(xc_host_api, confirm) == 72);
static_assert(offsetof(xc_host_api, http_send) == 80);
static_assert(sizeof(xc_command_desc) == 72);
static_assert(offsetof(xc_command_desc, path) == 8);
static_assert(offsetof(xc_command_desc, positionals) == 32);
static_assert(offsetof(xc_command_desc, options) == 48);
static_assert(offsetof(xc_command_desc, run) == 64);
static_assert(offsetof(xc_transport_desc, command) == 24);
static_assert(offsetof(xc_transport_desc, capabilities) == 32);
static_assert(offsetof(xc_transport_desc, options) == 40);
static_assert(sizeof(xc_route) == 452);
static_assert(offsetof(xc_route, transport) == 4);
static_assert(offsetof(xc_route, project) == 68);
static_assert(offsetof(xc_route, session) == 324);
static_assert(sizeof(xc_router_desc) == 32);
static_assert(offsetof(xc_router_desc, route) == 24);
static_assert(sizeof(xc_plugin_desc) == 96);
static_assert(offsetof(xc_plugin_desc, abi_major) == 4);
static_assert(offsetof(xc_plugin_desc, abi_minor) == 6);
static_assert(offsetof(xc_plugin_desc, id) == 8);
static_assert(offsetof(xc_plugin_desc, commands) == 32);
static_assert(offsetof(xc_plugin_desc, transports) == 48);
static_assert(offsetof(xc_plugin_desc, routers) == 64);
static_assert(offsetof(xc_plugin_desc, init) == 80);
static_assert(offsetof(xc_plugin_desc, shutdown) == 88);
#endif

namespace {

std::string sha256_of(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  Poco::Crypto::DigestEngine engine("SHA256");
  engine.update(bytes.str());
  return Poco::DigestEngine::digestToHex(engine.digest());
}

// The recorded hash for "<major>.<minor>" in sdk_h.sha256 ("1.0 <hex>" per line).
std::string recorded_hash(const std::string& version) {
  std::ifstream in(XNATCTL_SDK_HASH_FILE);
  REQUIRE(in);
  std::string v, hash;
  while (in >> v >> hash) {
    if (v == version) return hash;
  }
  return {};
}

}  // namespace

TEST_CASE("sdk.h is exactly the header recorded for this ABI version", "[abi]") {
  const std::string version = std::to_string(XC_ABI_MAJOR) + "." + std::to_string(XC_ABI_MINOR);
  const std::string actual = sha256_of(XNATCTL_SDK_HEADER);
  INFO(
      "sdk.h changed. Every edit is an ABI change: append members (bump XC_ABI_MINOR) or make a "
      "breaking change (bump XC_ABI_MAJOR), then add a line '<major>.<minor> "
      << actual << "' to tests/abi/sdk_h.sha256. See sdk/ABI.md.");
  CHECK(recorded_hash(version) == actual);
}

TEST_CASE("the frozen 1.0 header old-plugin tests compile against is the recorded 1.0", "[abi]") {
  // tests/abi/sdk_1_0 stands for every plugin built before 1.1 (abi_compat_test).
  CHECK(recorded_hash("1.0") == sha256_of(XNATCTL_SDK_1_0_HEADER));
}

TEST_CASE("members of 1.1 are beyond every 1.0 struct_size", "[abi]") {
  xc_option_desc option{};
  option.struct_size = offsetof(xc_option_desc, implicit_value);  // what 1.0 plugins set
  CHECK(XC_HAS_MEMBER(&option, xc_option_desc, profile_key));
  CHECK_FALSE(XC_HAS_MEMBER(&option, xc_option_desc, implicit_value));
  xc_job_file file{};
  file.struct_size = offsetof(xc_job_file, object_name);
  CHECK(XC_HAS_MEMBER(&file, xc_job_file, display_name));
  CHECK_FALSE(XC_HAS_MEMBER(&file, xc_job_file, object_name));
}

TEST_CASE("descriptor sizes let old readers skip what they do not know", "[abi]") {
  // A reader accepts any struct at least as large as the 1.0 layout; growth happens only at
  // the end, so the 1.0 members keep their offsets.
  CHECK(offsetof(xc_plugin_desc, struct_size) == 0);
  CHECK(offsetof(xc_host_api, struct_size) == 0);
  CHECK(offsetof(xc_command_desc, struct_size) == 0);
  CHECK(offsetof(xc_transport_desc, struct_size) == 0);
  CHECK(offsetof(xc_option_desc, struct_size) == 0);
  xc_http_response small{};
  small.struct_size =
      offsetof(xc_http_response, content_type);  // as if from a future, shorter layout
  CHECK_FALSE(XC_HAS_MEMBER(&small, xc_http_response, content_type));
  small.struct_size = sizeof(xc_http_response);
  CHECK(XC_HAS_MEMBER(&small, xc_http_response, content_type));
}
