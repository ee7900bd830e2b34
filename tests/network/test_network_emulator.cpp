// The real xnatctl against the real xnat-emulator through Debian's tinyproxy, with a test CA,
// and under a context path. Each test starts its own emulator and proxy on free loopback
// ports (both bounded in time, both stopped by PID) and a temp HOME; the proxy's log is the
// witness of what passed through it.

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <map>

#include "support/temp_dir.hpp"
#include "xnatctl/http/body.hpp"
#include "xnatctl/http/client.hpp"
#include "xnatctl/test_support/child_process.hpp"
#include "xnatctl/test_support/emulator_fixture.hpp"
#include "xnatctl/test_support/test_ca.hpp"
#include "xnatctl/test_support/tinyproxy_fixture.hpp"
#include "xnatctl/xnat/request_paths.hpp"

using namespace xnatctl;
using test_support::EmulatorFixture;
using test_support::RunResult;
using test_support::TinyproxyFixture;
using Env = std::map<std::string, std::string>;

namespace {

constexpr const char* kProxyPassword = "Pr0xy-s3cret";

// Every variable that could change the route or the trust is cleared, so the tests do not
// depend on the machine's environment; `extra` then sets what a test wants.
RunResult run_xnatctl(const testing::TempDir& home, const std::vector<std::string>& args,
                      const Env& extra = {}) {
  test_support::ChildOptions options;
  for (const char* name :
       {"XNAT_URL",      "XNAT_USER",       "XNAT_PASS",          "XNAT_TOKEN",
        "XNAT_PROFILE",  "XNAT_VERIFY_SSL", "XNAT_TIMEOUT",       "XDG_CONFIG_HOME",
        "HTTP_PROXY",    "http_proxy",      "HTTPS_PROXY",        "https_proxy",
        "ALL_PROXY",     "all_proxy",       "NO_PROXY",           "no_proxy",
        "SSL_CERT_FILE", "SSL_CERT_DIR",    "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE",
        "REQUEST_METHOD"}) {
    options.extra_env[name] = "";
  }
  options.extra_env["HOME"] = home.path().string();
  options.extra_env["XNAT_USER"] = "admin";
  options.extra_env["XNAT_PASS"] = "admin";
  for (const auto& [k, v] : extra) options.extra_env[k] = v;
  return test_support::run_process(XNATCTL_BINARY, args, std::chrono::seconds(90), options);
}

void write_config(const testing::TempDir& home, const std::string& yaml) {
  const auto dir = home.path() / ".config" / "xnatctl";
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "config.yaml") << yaml;
}

test_support::EmulatorOptions plain(std::vector<std::string> args = {"--project", "P1:4"}) {
  test_support::EmulatorOptions options;
  options.extra_args = std::move(args);
  options.max_runtime_seconds = 200;
  return options;
}

test_support::EmulatorOptions with_certificate(const test_support::IssuedCertificate& cert) {
  auto options = plain();
  options.tls = true;
  options.tls_cert = cert.cert;
  options.tls_key = cert.key;
  return options;
}

std::string host_port(const EmulatorFixture& emulator, const std::string& host) {
  return host + ":" + std::to_string(emulator.http_port());
}

std::size_t count_containing(const std::vector<std::string>& lines, const std::string& text) {
  std::size_t n = 0;
  for (const auto& line : lines) n += line.find(text) != std::string::npos ? 1 : 0;
  return n;
}

// A small DICOM-zip-like upload without the generator: the emulator's import service takes a
// tar of DICOM files; the smallest honest body is pydicom's test file, when present.
std::optional<std::filesystem::path> a_dicom_tar(const testing::TempDir& work) {
  const std::filesystem::path source =
      "/usr/lib/python3/dist-packages/pydicom/data/test_files/MR_small.dcm";
  if (!std::filesystem::exists(source)) return std::nullopt;
  std::filesystem::create_directories(work.path() / "dicom");
  std::filesystem::copy_file(source, work.path() / "dicom" / "MR_small.dcm",
                             std::filesystem::copy_options::overwrite_existing);
  const auto tar = work.path() / "session.tar";
  auto packed = test_support::run_process(
      "tar", {"-cf", tar.string(), "-C", (work.path() / "dicom").string(), "."},
      std::chrono::seconds(60));
  if (packed.exit_status != 0) return std::nullopt;
  return tar;
}

}  // namespace

TEST_CASE("proxy: login, whoami and listings of an http server go through HTTP_PROXY",
          "[network][proxy]") {
  REQUIRE(TinyproxyFixture::available());
  EmulatorFixture emulator(plain());
  TinyproxyFixture proxy;
  testing::TempDir home;
  const Env env{{"XNAT_URL", emulator.base_url()}, {"HTTP_PROXY", proxy.url()}};

  auto login = run_xnatctl(home, {"auth", "login", "-v"}, env);
  INFO(login.stderr_text);
  REQUIRE(login.exit_status == 0);
  CHECK_THAT(login.stderr_text, Catch::Contains("through proxy " + proxy.url() + " (HTTP_PROXY)"));
  auto whoami = run_xnatctl(home, {"whoami", "-q"}, env);
  CHECK(whoami.exit_status == 0);
  CHECK(whoami.stdout_text == "admin\n");
  auto sessions = run_xnatctl(home, {"session", "list", "-P", "P1", "-o", "json"}, env);
  INFO(sessions.stderr_text);
  CHECK(sessions.exit_status == 0);
  CHECK(sessions.stdout_text == "[]\n");

  const auto requests = proxy.requests();
  INFO(proxy.log_text());
  const std::string origin = "http://" + host_port(emulator, "127.0.0.1");
  CHECK(count_containing(requests, "POST " + origin + "/data/JSESSION") == 1);
  // auth login asks who it logged in as, and so does whoami.
  CHECK(count_containing(requests, "GET " + origin + "/xapi/users/username") == 2);
  CHECK(count_containing(requests, "GET " + origin + "/data/projects/P1/experiments") == 1);
  CHECK(count_containing(requests, "CONNECT") == 0);
}

TEST_CASE("proxy: an https server is reached through a CONNECT tunnel, trusted via ca_bundle",
          "[network][proxy][tls]") {
  REQUIRE(TinyproxyFixture::available());
  testing::TempDir pki, home;
  test_support::TestCa ca(pki.path());
  auto cert = ca.issue("server", {"DNS:localhost", "IP:127.0.0.1"});
  EmulatorFixture emulator(with_certificate(cert));
  TinyproxyFixture proxy;
  write_config(home, "default_profile: site\nprofiles:\n  site:\n    url: " + emulator.base_url() +
                         "\n    ca_bundle: " + ca.cert().string() + "\n");
  const Env env{{"HTTPS_PROXY", proxy.url()}};

  auto whoami = run_xnatctl(home, {"whoami", "-q"}, env);
  INFO(whoami.stderr_text);
  REQUIRE(whoami.exit_status == 0);
  CHECK(whoami.stdout_text == "admin\n");
  auto sessions = run_xnatctl(home, {"session", "list", "-P", "P1", "-q"}, env);
  CHECK(sessions.exit_status == 0);

  const auto requests = proxy.requests();
  INFO(proxy.log_text());
  CHECK(count_containing(requests, "CONNECT " + host_port(emulator, "localhost")) >= 2);
  // TLS runs end to end: the proxy never sees a path, a cookie or a password.
  CHECK(proxy.log_text().find("/data/") == std::string::npos);
  CHECK(proxy.log_text().find("JSESSION") == std::string::npos);

  auto doctor = run_xnatctl(home, {"doctor", "-o", "json"}, env);
  INFO(doctor.stdout_text << doctor.stderr_text);
  REQUIRE(doctor.exit_status == 0);
  auto report = Poco::JSON::Parser().parse(doctor.stdout_text).extract<Poco::JSON::Object::Ptr>();
  CHECK_THAT(report->getValue<std::string>("route"),
             Catch::Contains("proxy " + proxy.url() + " (from HTTPS_PROXY)") &&
                 Catch::Contains("CONNECT"));
  CHECK_THAT(report->getValue<std::string>("tls"),
             Catch::Contains("profile 'site' key ca_bundle") && Catch::Contains("host name"));
  CHECK(report->getValue<std::string>("login") == "ok, as admin");
  CHECK(report->getValue<std::string>("xnat_version") == "1.8.10");
  CHECK_THAT(report->getValue<std::string>("direct_archive"), Catch::StartsWith("available"));
  auto table = run_xnatctl(home, {"doctor"}, env);
  CHECK_THAT(table.stdout_text, Catch::Contains("Route:") && Catch::Contains("Context path:"));
  UNSCOPED_INFO(table.stdout_text);
}

TEST_CASE("proxy: NO_PROXY entries, --no-proxy and 'proxy: none' bypass the proxy",
          "[network][proxy]") {
  REQUIRE(TinyproxyFixture::available());
  EmulatorFixture emulator(plain());
  TinyproxyFixture proxy;
  testing::TempDir home;
  const std::string by_ip = emulator.base_url();
  const std::string by_name = "http://" + host_port(emulator, "localhost");
  struct Case {
    std::string url, no_proxy;
  };
  for (const Case& c :
       {Case{by_ip, "127.0.0.1"}, Case{by_ip, "10.0.0.0/8, 127.0.0.0/8"}, Case{by_ip, "*"},
        Case{by_ip, "127.0.0.1:" + std::to_string(emulator.http_port())},
        Case{by_name, "localhost"}, Case{by_name, ".localhost"},
        Case{by_name, "example.org,LOCALHOST"}}) {
    auto r =
        run_xnatctl(home, {"whoami", "-q"},
                    {{"XNAT_URL", c.url}, {"HTTP_PROXY", proxy.url()}, {"no_proxy", c.no_proxy}});
    INFO(c.url << " NO_PROXY=" << c.no_proxy << ": " << r.stderr_text);
    CHECK(r.exit_status == 0);
  }
  CHECK(proxy.requests().empty());

  auto not_matching = run_xnatctl(
      home, {"whoami", "-q"},
      {{"XNAT_URL", by_ip}, {"HTTP_PROXY", proxy.url()}, {"NO_PROXY", "127.0.0.2,1.0.0.1"}});
  CHECK(not_matching.exit_status == 0);
  const auto through = proxy.requests().size();
  CHECK(through > 0);

  auto flag = run_xnatctl(home, {"whoami", "-q", "--no-proxy"},
                          {{"XNAT_URL", by_ip}, {"HTTP_PROXY", proxy.url()}});
  CHECK(flag.exit_status == 0);
  write_config(home, "profiles:\n  default:\n    url: " + by_ip + "\n    proxy: none\n");
  auto profile_none = run_xnatctl(home, {"whoami", "-q"}, {{"HTTP_PROXY", proxy.url()}});
  INFO(profile_none.stderr_text);
  CHECK(profile_none.exit_status == 0);
  CHECK(proxy.requests().size() == through);
}

TEST_CASE("proxy: --proxy beats the environment, a profile proxy beats the environment",
          "[network][proxy]") {
  REQUIRE(TinyproxyFixture::available());
  EmulatorFixture emulator(plain());
  TinyproxyFixture proxy;
  testing::TempDir home;
  // Nothing listens on port 9 of loopback: a route through it fails at once.
  const Env dead{{"XNAT_URL", emulator.base_url()}, {"HTTP_PROXY", "http://127.0.0.1:9"}};
  auto refused = run_xnatctl(
      home, {"whoami"}, {{"XNAT_URL", emulator.base_url()}, {"HTTP_PROXY", "http://127.0.0.1:9"}});
  CHECK(refused.exit_status != 0);
  CHECK_THAT(refused.stderr_text, Catch::Contains("via proxy http://127.0.0.1:9"));
  auto cli = run_xnatctl(home, {"whoami", "-q", "--proxy", proxy.url()}, dead);
  INFO(cli.stderr_text);
  CHECK(cli.exit_status == 0);
  const auto after_cli = proxy.requests().size();
  CHECK(after_cli > 0);

  write_config(home, "profiles:\n  default:\n    url: " + emulator.base_url() +
                         "\n    proxy: " + proxy.url() + "\n");
  auto profile = run_xnatctl(home, {"whoami", "-q"}, {{"HTTP_PROXY", "http://127.0.0.1:9"}});
  INFO(profile.stderr_text);
  CHECK(profile.exit_status == 0);
  CHECK(proxy.requests().size() > after_cli);
  CHECK(run_xnatctl(home, {"whoami", "--proxy", "x", "--no-proxy"}).exit_status == 2);
}

TEST_CASE("proxy: credentials from the proxy URL, never printed", "[network][proxy][tls]") {
  REQUIRE(TinyproxyFixture::available());
  testing::TempDir pki, home;
  test_support::TestCa ca(pki.path());
  auto cert = ca.issue("server", {"DNS:localhost", "IP:127.0.0.1"});
  EmulatorFixture http_server(plain());
  EmulatorFixture https_server(with_certificate(cert));
  test_support::TinyproxyOptions options;
  options.username = "alice";
  options.password = kProxyPassword;
  TinyproxyFixture proxy(options);
  const std::string with_credentials =
      "http://alice:" + std::string(kProxyPassword) + "@127.0.0.1:" + std::to_string(proxy.port());

  // Plain HTTP: the proxy answers 407 itself.
  auto http_refused = run_xnatctl(
      home, {"whoami"}, {{"XNAT_URL", http_server.base_url()}, {"HTTP_PROXY", proxy.url()}});
  CHECK(http_refused.exit_status == 1);
  CHECK_THAT(http_refused.stderr_text,
             Catch::StartsWith("error: ") && Catch::Contains("proxy requires credentials"));
  // HTTPS: the proxy refuses the CONNECT.
  auto tunnel_refused = run_xnatctl(home, {"whoami"},
                                    {{"XNAT_URL", https_server.base_url()},
                                     {"HTTPS_PROXY", proxy.url()},
                                     {"SSL_CERT_FILE", ca.cert().string()}});
  CHECK(tunnel_refused.exit_status == 1);
  CHECK_THAT(tunnel_refused.stderr_text,
             Catch::Contains("refused the tunnel") && Catch::Contains("requires credentials"));
  CHECK(tunnel_refused.stderr_text.find('\n') == tunnel_refused.stderr_text.size() - 1);

  for (const auto& [url, variable] : {std::pair{http_server.base_url(), "HTTP_PROXY"},
                                      std::pair{https_server.base_url(), "HTTPS_PROXY"}}) {
    const Env env{
        {"XNAT_URL", url}, {variable, with_credentials}, {"SSL_CERT_FILE", ca.cert().string()}};
    auto ok = run_xnatctl(home, {"auth", "login", "-vv"}, env);
    INFO(url << ": " << ok.stderr_text);
    CHECK(ok.exit_status == 0);
    CHECK_THAT(ok.stderr_text, Catch::Contains("alice:***@127.0.0.1"));
    auto doctor = run_xnatctl(home, {"doctor"}, env);
    CHECK(doctor.exit_status == 0);
    CHECK_THAT(doctor.stdout_text, Catch::Contains("alice:***@"));
    for (const auto* result : {&ok, &doctor}) {
      CHECK(result->stdout_text.find(kProxyPassword) == std::string::npos);
      CHECK(result->stderr_text.find(kProxyPassword) == std::string::npos);
    }
  }
  // A wrong password is refused and not echoed either.
  auto wrong = run_xnatctl(
      home, {"whoami"},
      {{"XNAT_URL", https_server.base_url()},
       {"HTTPS_PROXY", "http://alice:nope-nope@127.0.0.1:" + std::to_string(proxy.port())},
       {"SSL_CERT_FILE", ca.cert().string()}});
  CHECK(wrong.exit_status == 1);
  CHECK_THAT(wrong.stderr_text, Catch::Contains("did not accept the credentials"));
  CHECK(wrong.stderr_text.find("nope-nope") == std::string::npos);

  // The same URL kept in a profile: used, and shown by `config show` only redacted.
  write_config(home, "profiles:\n  default:\n    url: " + https_server.base_url() +
                         "\n    proxy: " + with_credentials +
                         "\n    ca_bundle: " + ca.cert().string() + "\n");
  auto from_profile = run_xnatctl(home, {"whoami", "-q"});
  INFO(from_profile.stderr_text);
  CHECK(from_profile.exit_status == 0);
  auto shown = run_xnatctl(home, {"config", "show", "-o", "json"});
  CHECK(shown.exit_status == 0);
  CHECK_THAT(shown.stdout_text, Catch::Contains("http://alice:***@127.0.0.1:"));
  CHECK(shown.stdout_text.find(kProxyPassword) == std::string::npos);
}

TEST_CASE("tls: a site CA is trusted through ca_bundle and the peers' variables, refused without",
          "[network][tls]") {
  testing::TempDir pki, home;
  test_support::TestCa ca(pki.path());
  auto cert = ca.issue("server", {"DNS:localhost", "IP:127.0.0.1"});
  EmulatorFixture emulator(with_certificate(cert));
  const std::string url = emulator.base_url();

  auto refused = run_xnatctl(home, {"whoami"}, {{"XNAT_URL", url}});
  CHECK(refused.exit_status == 1);
  CHECK_THAT(refused.stderr_text, Catch::StartsWith("error: ") && Catch::Contains("unknown CA") &&
                                      Catch::Contains("trusted: system store") &&
                                      Catch::Contains("ca_bundle") &&
                                      Catch::Contains("SSL_CERT_FILE"));
  for (const char* variable : {"SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"}) {
    auto trusted =
        run_xnatctl(home, {"whoami", "-q"}, {{"XNAT_URL", url}, {variable, ca.cert().string()}});
    INFO(variable << ": " << trusted.stderr_text);
    CHECK(trusted.exit_status == 0);
    CHECK(trusted.stdout_text == "admin\n");
  }
  // Another CA in the bundle is still refused, naming where the trust came from.
  testing::TempDir other_pki;
  test_support::TestCa other(other_pki.path(), "some other CA");
  auto wrong_ca =
      run_xnatctl(home, {"whoami"}, {{"XNAT_URL", url}, {"SSL_CERT_FILE", other.cert().string()}});
  CHECK(wrong_ca.exit_status == 1);
  CHECK_THAT(wrong_ca.stderr_text,
             Catch::Contains("unknown CA") && Catch::Contains("SSL_CERT_FILE ("));
  auto missing =
      run_xnatctl(home, {"whoami"}, {{"XNAT_URL", url}, {"SSL_CERT_FILE", "/no/such/ca.pem"}});
  CHECK(missing.exit_status == 2);
  CHECK_THAT(missing.stderr_text,
             Catch::Contains("SSL_CERT_FILE: CA bundle '/no/such/ca.pem' does not exist"));

  // The profile's ca_bundle, which wins over the variables.
  write_config(home, "profiles:\n  default:\n    url: " + url +
                         "\n    ca_bundle: " + ca.cert().string() + "\n");
  auto profile = run_xnatctl(home, {"whoami", "-q"}, {{"SSL_CERT_FILE", other.cert().string()}});
  INFO(profile.stderr_text);
  CHECK(profile.exit_status == 0);
  std::filesystem::remove(home.path() / ".config" / "xnatctl" / "config.yaml");

  // verify_ssl: false accepts it, with one warning per command.
  auto insecure =
      run_xnatctl(home, {"whoami", "-q"}, {{"XNAT_URL", url}, {"XNAT_VERIFY_SSL", "false"}});
  CHECK(insecure.exit_status == 0);
  CHECK(count_containing({insecure.stderr_text}, "warning: TLS certificate verification is off") ==
        1);
  CHECK(insecure.stderr_text.find("warning:") == insecure.stderr_text.rfind("warning:"));
}

TEST_CASE("tls: a certificate for another host name is refused, loopback included",
          "[network][tls]") {
  testing::TempDir pki, home;
  test_support::TestCa ca(pki.path());
  auto other_name = ca.issue("other", {"DNS:xnat.other.example"});
  EmulatorFixture emulator(with_certificate(other_name));
  const Env trusted{{"SSL_CERT_FILE", ca.cert().string()}};
  for (const std::string host : {"localhost", "127.0.0.1"}) {
    Env env = trusted;
    env["XNAT_URL"] = "https://" + host_port(emulator, host);
    auto r = run_xnatctl(home, {"whoami"}, env);
    INFO(r.stderr_text);
    CHECK(r.exit_status == 1);
    CHECK_THAT(r.stderr_text,
               Catch::Contains("certificate is for another host name, not " + host) &&
                   Catch::Contains("xnat.other.example"));
  }
  // A certificate naming only the DNS name is not valid for the IP address either.
  EmulatorFixture by_name(with_certificate(ca.issue("named", {"DNS:localhost"})));
  Env env = trusted;
  env["XNAT_URL"] = "https://" + host_port(by_name, "127.0.0.1");
  auto ip = run_xnatctl(home, {"whoami"}, env);
  CHECK(ip.exit_status == 1);
  CHECK_THAT(ip.stderr_text, Catch::Contains("another host name"));
  env["XNAT_URL"] = "https://" + host_port(by_name, "localhost");
  CHECK(run_xnatctl(home, {"whoami", "-q"}, env).exit_status == 0);
}

TEST_CASE("tls: an expired certificate is named as expired", "[network][tls]") {
  testing::TempDir pki, home;
  test_support::TestCa ca(pki.path());
  EmulatorFixture emulator(with_certificate(ca.issue("expired", {"DNS:localhost"}, true)));
  auto r = run_xnatctl(home, {"whoami"},
                       {{"XNAT_URL", emulator.base_url()}, {"SSL_CERT_FILE", ca.cert().string()}});
  INFO(r.stderr_text);
  CHECK(r.exit_status == 1);
  CHECK_THAT(r.stderr_text, Catch::Contains("certificate has expired"));
}

TEST_CASE("context path: login, listings and an upload under /xnat", "[network][context-path]") {
  auto options = plain();
  options.context_path = "/xnat";
  EmulatorFixture emulator(options);
  testing::TempDir home, work;
  const std::string url = emulator.base_url();
  REQUIRE(url.substr(url.size() - 5) == "/xnat");

  // Without the context path there is no XNAT: the path really matters.
  http::ClientOptions root_options;
  root_options.base_url = "http://" + host_port(emulator, "127.0.0.1");
  http::Client root(root_options);
  http::Request probe;
  probe.path = "/data/JSESSION";
  probe.authenticate = false;
  CHECK(root.fetch(probe).status == 404);

  // An upload through the import service, and the URI it returns followed up.
  auto tar = a_dicom_tar(work);
  REQUIRE(tar);
  http::ClientOptions client_options;
  client_options.base_url = url;
  http::Client client(client_options);
  http::Request upload;
  upload.method = "POST";
  upload.path = "/data/services/import";
  upload.authenticate = false;
  upload.headers = {{"Authorization", "Basic YWRtaW46YWRtaW4="},
                    {"Content-Type", "application/x-tar"}};
  upload.query = {{"import-handler", "DICOM-zip"},
                  {"dest", "/archive/projects/P1/subjects/SUB1/experiments/SESS1"},
                  {"inbody", "true"}};
  upload.body = http::file_body(*tar);
  auto uploaded = client.fetch(upload);
  INFO(uploaded.body);
  REQUIRE(uploaded.status == 200);
  std::string returned = uploaded.body.substr(0, uploaded.body.find_first_of("\r\n"));
  http::Request follow;
  follow.path = xnat::server_uri_to_request_path(returned, url);
  follow.authenticate = false;
  follow.headers = upload.headers;
  follow.query = {{"format", "json"}};
  CHECK(client.fetch(follow).status == 200);
  // The same URI as an absolute URL with the context path, as a Location header gives it.
  follow.path = xnat::server_uri_to_request_path(url + returned, url);
  CHECK(client.fetch(follow).status == 200);

  const Env env{{"XNAT_URL", url + "/"}};
  auto login = run_xnatctl(home, {"auth", "login"}, env);
  INFO(login.stderr_text);
  REQUIRE(login.exit_status == 0);
  auto whoami = run_xnatctl(home, {"whoami", "-q"}, env);
  CHECK(whoami.stdout_text == "admin\n");
  auto sessions = run_xnatctl(home, {"session", "list", "-P", "P1", "-o", "json"}, env);
  INFO(sessions.stderr_text);
  REQUIRE(sessions.exit_status == 0);
  auto rows = Poco::JSON::Parser().parse(sessions.stdout_text).extract<Poco::JSON::Array::Ptr>();
  REQUIRE(rows->size() == 1);
  CHECK(rows->getObject(0)->getValue<std::string>("label") == "SESS1");
  auto scans = run_xnatctl(home, {"scan", "list", "-P", "P1", "-E", "SESS1", "-q"}, env);
  CHECK(scans.exit_status == 0);
  CHECK_FALSE(scans.stdout_text.empty());
  auto doctor = run_xnatctl(home, {"doctor", "-o", "json"}, env);
  REQUIRE(doctor.exit_status == 0);
  auto report = Poco::JSON::Parser().parse(doctor.stdout_text).extract<Poco::JSON::Object::Ptr>();
  CHECK(report->getValue<std::string>("context_path") == "/xnat");
  // The token cache is keyed by the URL with its context path: a login there is not reused
  // for the server root.
  auto cache = home.path() / ".config" / "xnatctl" / "sessions" / "default.json";
  REQUIRE(std::filesystem::exists(cache));
  std::ifstream in(cache);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK_THAT(text, Catch::Contains(url));
}

TEST_CASE("doctor: a failed login is reported with the route, and exits non-zero",
          "[network][doctor]") {
  EmulatorFixture emulator(plain());
  testing::TempDir home;
  auto r =
      run_xnatctl(home, {"doctor"}, {{"XNAT_URL", emulator.base_url()}, {"XNAT_PASS", "wrong"}});
  CHECK(r.exit_status == 3);
  CHECK_THAT(r.stdout_text, Catch::Contains("Route:") &&
                                Catch::Contains("direct (no proxy configured") &&
                                Catch::Contains("Login:") && Catch::Contains("FAILED"));
  CHECK_THAT(r.stderr_text, Catch::StartsWith("error: "));
}
