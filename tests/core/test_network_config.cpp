// How the client picks its route and its trust: NO_PROXY matching as curl and Python do it
// (names, suffixes, IPs, CIDR, ports, '*'), proxy precedence between --proxy, the profile
// and the environment, proxy URLs and their redaction, CA bundle sources, the profile keys,
// and URIs handed back by a server deployed under a context path.

#include <catch2/catch.hpp>
#include <fstream>

#include "support/temp_dir.hpp"
#include "xnatctl/auth/connection.hpp"
#include "xnatctl/config/config_file.hpp"
#include "xnatctl/error.hpp"
#include "xnatctl/http/proxy.hpp"
#include "xnatctl/http/tls_settings.hpp"
#include "xnatctl/xnat/request_paths.hpp"
#include "xnatctl/xnat/server_info.hpp"

using namespace xnatctl;
using config::Environment;
using http::no_proxy_match;

TEST_CASE("NO_PROXY: host names and domain suffixes match at a dot boundary", "[proxy]") {
  CHECK(no_proxy_match("example.org", "example.org", 443));
  CHECK(no_proxy_match("example.org", "xnat.example.org", 443));
  CHECK(no_proxy_match(".example.org", "xnat.example.org", 443));
  CHECK(no_proxy_match(".example.org", "example.org", 443));
  CHECK(no_proxy_match("*.example.org", "a.b.example.org", 443));
  CHECK_FALSE(no_proxy_match("example.org", "badexample.org", 443));
  CHECK_FALSE(no_proxy_match("xnat.example.org", "example.org", 443));
  CHECK(no_proxy_match("EXAMPLE.org", "Xnat.Example.ORG.", 443));
  CHECK(no_proxy_match("localhost", "localhost", 8080));
  CHECK_FALSE(no_proxy_match("", "localhost", 8080));
}

TEST_CASE("NO_PROXY: lists, '*', IP addresses, CIDR ranges and ports", "[proxy]") {
  CHECK(*no_proxy_match("intranet, .example.org ,10.0.0.0/8", "10.1.2.3", 80) == "10.0.0.0/8");
  CHECK(*no_proxy_match("a.org b.org", "x.b.org", 80) == "b.org");
  CHECK(no_proxy_match("*", "anything.example", 80));
  CHECK(no_proxy_match("127.0.0.1", "127.0.0.1", 80));
  CHECK_FALSE(no_proxy_match("127.0.0.1", "127.0.0.2", 80));
  CHECK(no_proxy_match("127.0.0.0/8", "127.200.0.9", 80));
  CHECK_FALSE(no_proxy_match("10.0.0.0/8", "11.0.0.1", 80));
  CHECK_FALSE(no_proxy_match("10.0.0.0/8", "ten.example.org", 80));
  CHECK(no_proxy_match("192.168.1.0/24", "192.168.1.77", 80));
  CHECK_FALSE(no_proxy_match("192.168.1.0/24", "192.168.2.1", 80));
  CHECK(no_proxy_match("::1", "::1", 80));
  CHECK(no_proxy_match("fd00::/8", "[fd12::5]", 80));
  CHECK_FALSE(no_proxy_match("fd00::/8", "10.0.0.1", 80));
  CHECK(no_proxy_match("example.org:8443", "xnat.example.org", 8443));
  CHECK_FALSE(no_proxy_match("example.org:8443", "xnat.example.org", 443));
  CHECK(no_proxy_match("[::1]:8080", "::1", 8080));
  CHECK_FALSE(no_proxy_match("10.0.0.0/99", "10.0.0.1", 80));
}

TEST_CASE("proxy URLs: scheme and port defaults, credentials decoded and redacted", "[proxy]") {
  auto p = http::parse_proxy_url("http://us%40er:p%3Ass@proxy.example.org:3128", "HTTPS_PROXY");
  CHECK(p.host == "proxy.example.org");
  CHECK(p.port == 3128);
  CHECK(p.username == "us@er");
  CHECK(p.password == "p:ss");
  CHECK(p.redacted() == "http://us@er:***@proxy.example.org:3128");
  auto bare = http::parse_proxy_url("proxy.local:8080", "HTTP_PROXY");
  CHECK(bare.port == 8080);
  CHECK(bare.username.empty());
  CHECK(bare.redacted() == "http://proxy.local:8080");
  CHECK(http::parse_proxy_url("http://proxy.local", "x").port == 80);
  try {
    http::parse_proxy_url("socks5://u:topsecret@proxy:1080", "ALL_PROXY");
    FAIL("socks5 accepted");
  } catch (const UsageError& e) {
    const std::string message = e.what();
    CHECK(message.find("ALL_PROXY") != std::string::npos);
    CHECK(message.find("topsecret") == std::string::npos);
  }
  CHECK(http::redact_url_credentials("see http://u:pw@h:1/x and https://a@b/") ==
        "see http://u:***@h:1/x and https://a@b/");
}

TEST_CASE("choose_proxy: precedence and the environment conventions", "[proxy]") {
  auto env = Environment::fixed({{"HTTPS_PROXY", "http://upper:1"},
                                 {"https_proxy", "http://lower:2"},
                                 {"HTTP_PROXY", "http://plain:3"},
                                 {"ALL_PROXY", "http://all:4"},
                                 {"NO_PROXY", "internal.org,10.0.0.0/8"}});
  http::ProxyInputs none;
  auto https = http::choose_proxy(none, env, "https", "xnat.example.org", 443);
  REQUIRE(https.proxy);
  CHECK(https.proxy->host == "lower");  // lower case wins, as in curl and Python
  CHECK(https.reason == "https_proxy");
  auto http_route = http::choose_proxy(none, env, "http", "xnat.example.org", 80);
  REQUIRE(http_route.proxy);
  CHECK(http_route.proxy->host == "plain");
  auto bypass = http::choose_proxy(none, env, "https", "a.internal.org", 443);
  CHECK_FALSE(bypass.proxy);
  CHECK(bypass.reason.find("NO_PROXY entry 'internal.org'") != std::string::npos);
  CHECK_FALSE(http::choose_proxy(none, env, "https", "10.9.9.9", 443).proxy);

  auto only_all = Environment::fixed({{"ALL_PROXY", "http://all:4"}});
  CHECK(http::choose_proxy(none, only_all, "https", "x.org", 443).proxy->host == "all");
  CHECK_FALSE(http::choose_proxy(none, Environment::fixed({}), "https", "x.org", 443).proxy);

  // Under CGI the upper-case HTTP_PROXY may come from a request header ("httpoxy").
  auto cgi = Environment::fixed({{"HTTP_PROXY", "http://evil:1"}, {"REQUEST_METHOD", "GET"}});
  CHECK_FALSE(http::choose_proxy(none, cgi, "http", "x.org", 80).proxy);

  http::ProxyInputs profile;
  profile.profile = "http://fromprofile:8";
  profile.profile_name = "prod";
  auto from_profile = http::choose_proxy(profile, env, "https", "xnat.example.org", 443);
  CHECK(from_profile.proxy->host == "fromprofile");
  CHECK(from_profile.reason == "profile 'prod' key proxy");
  CHECK_FALSE(http::choose_proxy(profile, env, "https", "x.internal.org", 443).proxy);
  profile.profile = "none";
  CHECK_FALSE(http::choose_proxy(profile, env, "https", "xnat.example.org", 443).proxy);

  http::ProxyInputs command_line;
  command_line.command_line = "http://cli:9";
  command_line.profile = "http://fromprofile:8";
  auto cli = http::choose_proxy(command_line, env, "https", "a.internal.org", 443);
  CHECK(cli.proxy->host == "cli");  // an explicit --proxy is not second-guessed by NO_PROXY
  command_line.command_line_direct = true;
  CHECK_FALSE(http::choose_proxy(command_line, env, "https", "xnat.example.org", 443).proxy);
}

TEST_CASE("choose_tls: profile ca_bundle, then the peers' variables, then the system store",
          "[tls]") {
  testing::TempDir dir;
  const auto bundle = dir.path() / "site-ca.pem";
  std::ofstream(bundle) << "not checked here\n";
  const std::string b = bundle.string();
  CHECK(http::choose_tls(true, std::nullopt, "p", Environment::fixed({})).ca_source ==
        "system store");
  auto from_profile =
      http::choose_tls(true, b, "prod", Environment::fixed({{"SSL_CERT_FILE", "/nope"}}));
  CHECK(from_profile.ca_file == b);
  CHECK(from_profile.ca_source.find("profile 'prod' key ca_bundle") == 0);
  for (const char* name : {"SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"}) {
    auto settings = http::choose_tls(true, std::nullopt, "p", Environment::fixed({{name, b}}));
    CHECK(settings.ca_file == b);
    CHECK(settings.ca_source.find(name) == 0);
  }
  auto order =
      http::choose_tls(true, std::nullopt, "p",
                       Environment::fixed({{"CURL_CA_BUNDLE", "/missing"}, {"SSL_CERT_FILE", b}}));
  CHECK(order.ca_source.find("SSL_CERT_FILE") == 0);
  auto directory = http::choose_tls(true, std::nullopt, "p",
                                    Environment::fixed({{"SSL_CERT_DIR", dir.path().string()}}));
  CHECK(directory.ca_dir == dir.path().string());
  CHECK_THROWS_AS(
      http::choose_tls(true, std::string("/no/such/ca.pem"), "p", Environment::fixed({})),
      UsageError);
  auto off = http::choose_tls(false, b, "p", Environment::fixed({}));
  CHECK_FALSE(off.verify);
  CHECK(off.ca_file.empty());
}

TEST_CASE("profile keys proxy and ca_bundle are read, resolved and planned", "[proxy][tls]") {
  testing::TempDir dir;
  const auto ca = dir.path() / "ca.pem";
  std::ofstream(ca) << "x\n";
  const auto path = dir.path() / "config.yaml";
  std::ofstream(path) << "profiles:\n  site:\n    url: https://xnat.example.org/xnat/\n"
                         "    proxy: http://u:pw@proxy.example.org:3128\n    ca_bundle: "
                      << ca.string() << "\n";
  auto file = config::ConfigFile::load(path);
  auto env = Environment::fixed({});
  auto profile = config::resolve_profile(file, env, std::string("site"));
  CHECK(profile.proxy == std::optional<std::string>("http://u:pw@proxy.example.org:3128"));
  CHECK(profile.ca_bundle == std::optional<std::string>(ca.string()));
  auth::ConnectOptions options;
  options.env = env;
  auto plan = auth::plan_network(profile, options);
  CHECK(plan.context_path == "/xnat");
  CHECK(plan.host == "xnat.example.org");
  CHECK(plan.port == 443);
  REQUIRE(plan.route.proxy);
  CHECK(plan.route.proxy->password == "pw");
  CHECK(plan.tls.ca_file == ca.string());
  options.no_proxy = true;
  CHECK_FALSE(auth::plan_network(profile, options).route.proxy);
}

TEST_CASE("server URIs become request paths under a context path", "[xnat][context-path]") {
  const std::string base = "https://xnat.example.org/xnat";
  using xnat::server_uri_to_request_path;
  CHECK(server_uri_to_request_path("/data/prearchive/projects/P/1/S", base) ==
        "/data/prearchive/projects/P/1/S");
  CHECK(server_uri_to_request_path("/xnat/data/experiments/E1", base) == "/data/experiments/E1");
  CHECK(server_uri_to_request_path("https://xnat.example.org/xnat/data/archive/x?a=1", base) ==
        "/data/archive/x?a=1");
  CHECK(server_uri_to_request_path("/xnatty/data/x", base) == "/xnatty/data/x");
  CHECK(server_uri_to_request_path("/data/x", "http://h:8080") == "/data/x");
  CHECK_THROWS_AS(server_uri_to_request_path("https://elsewhere.org/xnat/data/x", base), Error);
}

TEST_CASE("direct archive is known from the XNAT version", "[xnat]") {
  CHECK(xnat::supports_direct_archive("1.8.10") == std::optional<bool>(true));
  CHECK(xnat::supports_direct_archive("1.8.3") == std::optional<bool>(true));
  CHECK(xnat::supports_direct_archive("1.8.2.2") == std::optional<bool>(false));
  CHECK(xnat::supports_direct_archive("1.7.6") == std::optional<bool>(false));
  CHECK(xnat::supports_direct_archive("1.9") == std::optional<bool>(true));
  CHECK_FALSE(xnat::supports_direct_archive("unknown"));
}
