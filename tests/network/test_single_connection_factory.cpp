// Every REST path must reach the server through the one connection factory, or a new
// transport could bypass the proxy and the TLS settings without anyone noticing. This reads
// the source tree and fails when anything but core/src/http/connection_factory.cpp creates
// a Poco HTTP session or a socket of its own.

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace {

const char* const kForbidden[] = {"HTTPClientSession(",   "HTTPSClientSession(",
                                  "HTTPClientSession>(",  "HTTPSClientSession>(",
                                  "HTTPClientSession{",   "HTTPSClientSession{",
                                  "StreamSocket(",        "SecureStreamSocket::attach",
                                  "setGlobalProxyConfig", "curl_easy_init"};

}  // namespace

TEST_CASE("only the connection factory opens connections to a server", "[network][factory]") {
  const std::filesystem::path root = XNATCTL_SOURCE_DIR;
  const auto factory = (root / "core/src/http/connection_factory.cpp").lexically_normal();
  REQUIRE(std::filesystem::exists(factory));
  std::size_t files = 0;
  for (const char* area : {"core", "host", "plugins", "sdk"}) {
    for (const auto& entry : std::filesystem::recursive_directory_iterator(root / area)) {
      const auto ext = entry.path().extension();
      if (!entry.is_regular_file() || (ext != ".cpp" && ext != ".hpp" && ext != ".h")) continue;
      ++files;
      std::ifstream in(entry.path());
      std::stringstream text;
      text << in.rdbuf();
      const std::string source = text.str();
      for (const char* token : kForbidden) {
        if (source.find(token) == std::string::npos) continue;
        if (entry.path().lexically_normal() == factory) continue;
        FAIL(entry.path().string() + " contains '" + token +
             "': open connections through http::detail::ConnectionFactory");
      }
    }
  }
  CHECK(files > 50);  // the walk really saw the tree
  // And the factory itself is where sessions are made.
  std::ifstream in(factory);
  std::stringstream text;
  text << in.rdbuf();
  CHECK(text.str().find("HTTPSClientSession>(") != std::string::npos);
  CHECK(text.str().find("setProxyConfig") != std::string::npos);
}
