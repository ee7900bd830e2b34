#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <fstream>

#include "support/temp_dir.hpp"
#include "xnatctl/config/config_file.hpp"
#include "xnatctl/config/paths.hpp"
#include "xnatctl/config/resolve.hpp"
#include "xnatctl/config/url.hpp"
#include "xnatctl/error.hpp"

using namespace xnatctl;
using config::ConfigFile;
using config::Environment;
using testing::TempDir;

namespace {

std::filesystem::path write(const std::filesystem::path& path, const std::string& text) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream(path) << text;
  return path;
}

const char* kTwoProfiles = R"(default_profile: prod
output_format: json
profiles:
  prod:
    url: https://xnat.example.org/
    username: alice
    password: s3cret
    verify_ssl: true
    timeout: 600
    default_project: PROJ1
    workers: 8
    overwrite: append
    direct_archive: false
    archive_mode: zip
  dev:
    url: http://localhost:8080
    verify_ssl: no
    extract: true
)";

std::string error_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("a missing config file is an empty configuration", "[config]") {
  TempDir dir;
  auto file = ConfigFile::load(dir.path() / "config.yaml");
  CHECK_FALSE(file.exists());
  CHECK(file.config().profiles.empty());
  CHECK_FALSE(file.config().default_profile);
}

TEST_CASE("config.yaml profiles are read with every documented key", "[config]") {
  TempDir dir;
  auto file = ConfigFile::load(write(dir.path() / "config.yaml", kTwoProfiles));
  const auto& config = file.config();
  CHECK(config.default_profile == "prod");
  CHECK(config.output_format == "json");
  REQUIRE(config.profiles.size() == 2);
  const auto* prod = config.find("prod");
  REQUIRE(prod);
  CHECK(prod->url == "https://xnat.example.org/");
  CHECK(prod->username == "alice");
  CHECK(prod->password == "s3cret");
  CHECK(prod->verify_ssl == true);
  CHECK(prod->timeout == 600);
  CHECK(prod->default_project == "PROJ1");
  CHECK(prod->workers == 8);
  CHECK(prod->overwrite == "append");
  CHECK(prod->direct_archive == false);
  CHECK(prod->archive_mode == "zip");
  CHECK(config.find("dev")->verify_ssl == false);
}

TEST_CASE("malformed YAML is reported in one line naming the file and the line", "[config]") {
  TempDir dir;
  auto path = write(dir.path() / "config.yaml", "profiles:\n  prod:\n    url: [unclosed\n");
  auto message = error_of([&] { ConfigFile::load(path); });
  CHECK_THAT(message, Catch::StartsWith(path.string() + ":"));
  CHECK_THAT(message, Catch::Matches(".*config.yaml:[0-9]+: .*"));
  CHECK(message.find('\n') == std::string::npos);
  try {
    ConfigFile::load(path);
  } catch (const Error& e) {
    CHECK(e.code() == ExitCode::kUsage);
  }
}

TEST_CASE("a wrongly typed value names its key and line", "[config]") {
  TempDir dir;
  auto path = write(dir.path() / "config.yaml",
                    "profiles:\n  prod:\n    url: http://x\n    timeout: soon\n");
  auto message = error_of([&] { ConfigFile::load(path); });
  CHECK_THAT(message, Catch::Contains("config.yaml:4: "));
  CHECK_THAT(message, Catch::Contains("profiles.prod.timeout"));
}

TEST_CASE("saving keeps unknown keys and writes the file with mode 0600", "[config]") {
  TempDir dir;
  auto path = write(dir.path() / "cfg" / "config.yaml", kTwoProfiles);
  auto file = ConfigFile::load(path);
  config::Profile staging;
  staging.name = "staging";
  staging.url = "https://staging.example.org";
  staging.verify_ssl = false;
  file.put_profile(staging);
  REQUIRE(file.remove_profile("prod"));
  file.set_default_profile("staging");
  file.save();

  struct stat info {};
  REQUIRE(::stat(path.c_str(), &info) == 0);
  CHECK((info.st_mode & 0777) == 0600);
  auto reloaded = ConfigFile::load(path);
  CHECK(reloaded.config().default_profile == "staging");
  CHECK(reloaded.config().find("prod") == nullptr);
  CHECK(reloaded.config().find("staging")->verify_ssl == false);
  std::ifstream in(path);
  std::string text((std::istreambuf_iterator<char>(in)), {});
  CHECK_THAT(text, Catch::Contains("extract: true"));
}

TEST_CASE("the config directory follows HOME, or XDG_CONFIG_HOME when set", "[config]") {
  CHECK(config::config_file_path(Environment::fixed({{"HOME", "/home/u"}})) ==
        "/home/u/.config/xnatctl/config.yaml");
  CHECK(config::config_file_path(Environment::fixed(
            {{"HOME", "/home/u"}, {"XDG_CONFIG_HOME", "/x"}})) == "/x/xnatctl/config.yaml");
  CHECK_THROWS_AS(config::config_directory(Environment::fixed({})), Error);
}

TEST_CASE("server URLs are validated and lose trailing slashes", "[config]") {
  CHECK(config::normalize_server_url("https://xnat.example.org/") == "https://xnat.example.org");
  CHECK(config::normalize_server_url("http://h:8080/xnat//") == "http://h:8080/xnat");
  CHECK_THROWS_AS(config::normalize_server_url("ftp://h"), UsageError);
  CHECK_THROWS_AS(config::normalize_server_url("xnat.example.org"), UsageError);
  try {
    config::normalize_server_url("https://bob:hunter2@x.org");
    FAIL("credentials in a URL must be refused");
  } catch (const UsageError& e) {
    CHECK(std::string(e.what()).find("hunter2") == std::string::npos);
  }
}

TEST_CASE("profile resolution: command line > environment > profile > default", "[config]") {
  TempDir dir;
  auto file = ConfigFile::load(write(dir.path() / "config.yaml", kTwoProfiles));
  auto resolve = [&](std::map<std::string, std::string> env,
                     std::optional<std::string> cli = std::nullopt) {
    return config::resolve_profile(file, Environment::fixed(std::move(env)), cli);
  };

  SECTION("no environment: the config's default profile") {
    auto p = resolve({});
    CHECK(p.name == "prod");
    CHECK(p.url == "https://xnat.example.org");
    CHECK(p.username == "alice");
    CHECK(p.password == "s3cret");
    CHECK(p.timeout == std::chrono::seconds(600));
    CHECK(p.connect_timeout == std::chrono::seconds(30));
    CHECK(p.default_project == "PROJ1");
    CHECK_FALSE(p.token);
  }
  SECTION("XNAT_PROFILE alone selects the profile") {
    auto p = resolve({{"XNAT_PROFILE", "dev"}});
    CHECK(p.name == "dev");
    CHECK(p.url == "http://localhost:8080");
    CHECK_FALSE(p.verify_ssl);
  }
  SECTION("--profile beats XNAT_PROFILE") {
    CHECK(resolve({{"XNAT_PROFILE", "dev"}}, "prod").name == "prod");
  }
  SECTION("an explicitly named profile must exist") {
    CHECK_THROWS_WITH(resolve({{"XNAT_PROFILE", "nope"}}),
                      Catch::Contains("profile 'nope' not found"));
    CHECK_THROWS_AS(resolve({}, "nope"), UsageError);
  }
  SECTION("XNAT_URL alone replaces the URL of the profile in use, whatever its name") {
    auto p = resolve({{"XNAT_URL", "http://127.0.0.1:9/"}});
    CHECK(p.name == "prod");
    CHECK(p.url == "http://127.0.0.1:9");
    CHECK(p.default_project == "PROJ1");  // the rest of the profile stays
  }
  SECTION("XNAT_USER alone replaces only the username") {
    auto p = resolve({{"XNAT_USER", "bob"}});
    CHECK(p.username == "bob");
    CHECK(p.password == "s3cret");
  }
  SECTION("XNAT_PASS alone replaces only the password") {
    auto p = resolve({{"XNAT_PASS", "other"}});
    CHECK(p.username == "alice");
    CHECK(p.password == "other");
  }
  SECTION("XNAT_TOKEN alone supplies a token") {
    CHECK(resolve({{"XNAT_TOKEN", "ABC"}}).token == "ABC");
  }
  SECTION("XNAT_VERIFY_SSL alone turns verification off, and must be a boolean") {
    CHECK_FALSE(resolve({{"XNAT_VERIFY_SSL", "false"}}).verify_ssl);
    CHECK(resolve({{"XNAT_PROFILE", "dev"}, {"XNAT_VERIFY_SSL", "1"}}).verify_ssl);
    CHECK_THROWS_WITH(resolve({{"XNAT_VERIFY_SSL", "maybe"}}), Catch::Contains("XNAT_VERIFY_SSL"));
  }
  SECTION("XNAT_TIMEOUT alone sets the timeout, and bounds the connect timeout") {
    auto p = resolve({{"XNAT_TIMEOUT", "5"}});
    CHECK(p.timeout == std::chrono::seconds(5));
    CHECK(p.connect_timeout == std::chrono::seconds(5));
    CHECK_THROWS_WITH(resolve({{"XNAT_TIMEOUT", "soon"}}), Catch::Contains("XNAT_TIMEOUT"));
    CHECK_THROWS_AS(resolve({{"XNAT_TIMEOUT", "-3"}}), UsageError);
  }
}

TEST_CASE("without any config file XNAT_URL alone is enough", "[config]") {
  TempDir dir;
  auto file = ConfigFile::load(dir.path() / "config.yaml");
  auto p = config::resolve_profile(file, Environment::fixed({{"XNAT_URL", "https://x.org/"}}),
                                   std::nullopt);
  CHECK(p.name == "default");
  CHECK_FALSE(p.in_config);
  CHECK(p.url == "https://x.org");
  CHECK(p.verify_ssl);
  CHECK(p.timeout == config::kDefaultTimeout);
  CHECK_THROWS_WITH(config::resolve_profile(file, Environment::fixed({}), std::nullopt),
                    Catch::Contains("config init"));
}
