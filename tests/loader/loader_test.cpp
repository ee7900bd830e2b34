// The plugin host as an administrator and a plugin author meet it: a private install tree
// (bin/xnatctl + lib/.../plugins + etc/xnatctl/plugins.yaml) per test, the real binary run
// as a child process, and fixture plugins that each get one thing wrong.
//
// Private install trees rather than --plugin-dir, because the host ignores user-supplied
// plugin paths when it runs as root (which CI does); the root rule itself is tested below.

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "install_tree.hpp"
#include "xnatctl/sdk.h"
#include "xnatctl/test_support/child_process.hpp"
#include "xnatctl/test_support/emulator_fixture.hpp"

namespace fs = std::filesystem;
using xnatctl::loader_test::contains;
using xnatctl::loader_test::InstallTree;
using xnatctl::loader_test::kBundled;
using xnatctl::loader_test::plugin_states;
using xnatctl::test_support::RunResult;

TEST_CASE("the five bundled plugins load and are enabled", "[loader]") {
  InstallTree tree;
  tree.bundled();
  const auto states = plugin_states(tree.run({"plugin", "list", "-o", "json"}));
  REQUIRE(states.size() == kBundled.size());
  for (const auto& id : kBundled) CHECK(states.at(id).first == "enabled");
}

TEST_CASE("an administrator's disabled+locked cstore cannot be used or re-enabled",
          "[loader][policy]") {
  InstallTree tree;
  tree.bundled();
  tree.system_policy("plugins:\n  disabled: [cstore]\n  locked: [cstore]\n");
  tree.user_config("plugins:\n  enabled: [cstore, rest_zip, rest_gradual, resource, prearchive]\n");

  const auto states = plugin_states(tree.run({"plugin", "list", "-o", "json"}));
  CHECK(states.at("cstore").first == "disabled by system");
  CHECK(contains(states.at("cstore").second, "locked"));
  CHECK(states.at("rest_zip").first == "enabled");

  const RunResult upload =
      tree.run({"session", "upload-dicom", "/nonexistent", "--host", "h", "--called-aet", "X"});
  CHECK(upload.exit_status == 5);
  CHECK(contains(upload.stderr_text, "disabled by the administrator"));
  CHECK(upload.stdout_text.empty());
}

TEST_CASE("without a lock the user may re-enable; user config and env may disable",
          "[loader][policy]") {
  InstallTree tree;
  tree.bundled();
  tree.system_policy("plugins:\n  disabled: [cstore, resource]\n");
  tree.user_config("plugins:\n  enabled: [cstore]\n  disabled: [prearchive]\n");
  const auto states = plugin_states(
      tree.run({"plugin", "list", "-o", "json"}, {{"XNATCTL_DISABLE_PLUGINS", "rest_gradual"}}));
  CHECK(states.at("cstore").first == "enabled");
  CHECK(contains(states.at("cstore").second, "re-enabled by the user"));
  CHECK(states.at("resource").first == "disabled by system");
  CHECK(states.at("prearchive").first == "disabled by user");
  CHECK(states.at("rest_gradual").first == "disabled by env");
  CHECK(states.at("rest_zip").first == "enabled");

  const RunResult gradual =
      tree.run({"session", "upload", "/tmp", "-S", "s", "-E", "e", "--gradual"},
               {{"XNATCTL_DISABLE_PLUGINS", "rest_gradual"}});
  CHECK(gradual.exit_status == 5);
  CHECK(contains(gradual.stderr_text,
                 "'rest_gradual' transport is disabled by XNATCTL_DISABLE_PLUGINS"));
}

TEST_CASE("an allow-list in the system file disables everything else", "[loader][policy]") {
  InstallTree tree;
  tree.bundled();
  tree.system_policy("plugins:\n  enabled: [rest_zip]\n");
  const auto states = plugin_states(tree.run({"plugin", "list", "-o", "json"}));
  CHECK(states.at("rest_zip").first == "enabled");
  CHECK(states.at("cstore").first == "disabled by system");
  CHECK(contains(states.at("cstore").second, "allow-list"));
}

TEST_CASE("a malformed policy file is a one-line error naming the file and line",
          "[loader][policy]") {
  InstallTree tree;
  tree.bundled();
  tree.system_policy("plugins:\n  disabled: [cstore\n");
  const RunResult r = tree.run({"plugin", "list"});
  CHECK(r.exit_status == 2);
  CHECK(contains(r.stderr_text, "plugins.yaml:"));
  CHECK(std::count(r.stderr_text.begin(), r.stderr_text.end(), '\n') == 1);
}

TEST_CASE("a policy value of the wrong type is the same one-line error", "[loader][policy]") {
  InstallTree tree;
  tree.bundled();
  SECTION("in the system file") {
    tree.system_policy("plugins:\n  locked: maybe\n");
  }
  SECTION("in the user config") {
    tree.user_config("plugins:\n  settings:\n    rest_zip:\n      level: [1, 2]\n");
  }
  const RunResult r = tree.run({"plugin", "list"});
  CHECK(r.exit_status == 2);
  CHECK(contains(r.stderr_text, ".yaml:"));
  CHECK_FALSE(contains(r.stderr_text, "unexpected"));
  CHECK(std::count(r.stderr_text.begin(), r.stderr_text.end(), '\n') == 1);
}

TEST_CASE("a disabled plugin is never opened: its global constructor never runs",
          "[loader][policy]") {
  InstallTree tree;
  tree.fixture("marker", "fixture_marker");
  const fs::path marker = tree.root() / "marker-written";
  const std::map<std::string, std::string> env = {{"XNATCTL_FIXTURE_MARKER", marker.string()}};

  SECTION("disabled by the environment") {
    auto with_env = env;
    with_env["XNATCTL_DISABLE_PLUGINS"] = "fixture_marker";
    CHECK(plugin_states(tree.run({"plugin", "list", "-o", "json"}, with_env))
              .at("fixture_marker")
              .first == "disabled by env");
    CHECK_FALSE(fs::exists(marker));
  }
  SECTION("disabled by the system file") {
    tree.system_policy("plugins:\n  disabled: [fixture_marker]\n");
    CHECK(
        plugin_states(tree.run({"plugin", "list", "-o", "json"}, env)).at("fixture_marker").first ==
        "disabled by system");
    CHECK_FALSE(fs::exists(marker));
  }
  SECTION("disabled by the user config") {
    tree.user_config("plugins:\n  disabled: [fixture_marker]\n");
    CHECK(
        plugin_states(tree.run({"plugin", "list", "-o", "json"}, env)).at("fixture_marker").first ==
        "disabled by user");
    CHECK_FALSE(fs::exists(marker));
  }
  SECTION("enabled: the constructor does run, so the checks above can fail") {
    CHECK(
        plugin_states(tree.run({"plugin", "list", "-o", "json"}, env)).at("fixture_marker").first ==
        "enabled");
    CHECK(fs::exists(marker));
  }
}

TEST_CASE("each broken plugin is reported with its reason and the host keeps working", "[loader]") {
  InstallTree tree;
  tree.fixture("good", "fixture_good")
      .fixture("null_descriptor", "fixture_null")
      .fixture("other_major", "fixture_major")
      .fixture("newer_minor", "fixture_minor")
      .fixture("wrong_id", "fixture_wrong_id")
      .fixture("no_entry", "fixture_no_entry")
      .fixture("clash", "fixture_z_clash")
      .fixture("clash_builtin", "fixture_z_clash_builtin");
  const auto states = plugin_states(tree.run({"plugin", "list", "-o", "json"}));

  CHECK(states.at("fixture_good").first == "enabled");
  CHECK(states.at("fixture_null") ==
        std::make_pair(std::string("ABI mismatch"),
                       std::string("entry point returned no descriptor (NULL)")));
  CHECK(states.at("fixture_major").first == "ABI mismatch");
  CHECK(contains(states.at("fixture_major").second, "plugin ABI 2."));
  CHECK(contains(states.at("fixture_major").second, "major versions differ"));
  // The newer-minor message names both versions so the user knows what to upgrade.
  CHECK(states.at("fixture_minor").first == "ABI mismatch");
  CHECK(contains(states.at("fixture_minor").second,
                 "plugin ABI 1." + std::to_string(XC_ABI_MINOR + 1)));
  CHECK(contains(states.at("fixture_minor").second, "ABI 1." + std::to_string(XC_ABI_MINOR)));
  CHECK(states.at("fixture_wrong_id").first == "conflict");
  CHECK(contains(states.at("fixture_wrong_id").second,
                 "'something_else' differs from the file name 'fixture_wrong_id'"));
  CHECK(states.at("fixture_no_entry").first == "failed to open");
  CHECK(contains(states.at("fixture_no_entry").second, "no 'xc_plugin_entry' symbol"));
  CHECK(states.at("fixture_z_clash").first == "conflict");
  CHECK(contains(states.at("fixture_z_clash").second,
                 "command 'fixture_good hello' is already provided by fixture_good"));
  CHECK(states.at("fixture_z_clash_builtin").first == "conflict");
  CHECK(contains(states.at("fixture_z_clash_builtin").second, "already provided by built-in"));

  // The good plugin still works next to all of them.
  const RunResult hello = tree.run({"fixture_good", "hello", "--name", "Ada", "-o", "json"});
  CHECK(hello.exit_status == 0);
  CHECK(contains(hello.stdout_text, "\"greeting\": \"hello Ada\""));
}

TEST_CASE("a duplicate id is shadowed by the first one found", "[loader]") {
  InstallTree tree;
  tree.fixture("good", "fixture_good");
  const fs::path user_dir = tree.root() / "home" / ".local" / "share" / "xnatctl" / "plugins";
  fs::create_directories(user_dir);
  fs::copy_file(fs::path(XNATCTL_FIXTURE_DIR) / "duplicate_id" / "fixture_good.so",
                user_dir / "fixture_good.so");
  if (::geteuid() == 0) {
    // Root ignores the user plugin dir altogether, so nothing is shadowed here.
    const auto states = plugin_states(tree.run({"plugin", "list", "-o", "json"}));
    CHECK(states.count("fixture_good@user") == 0);
    CHECK(states.at("fixture_good").first == "enabled");
  } else {
    const auto states = plugin_states(tree.run({"plugin", "list", "-o", "json"}));
    CHECK(states.at("fixture_good@user").first == "enabled");
    CHECK(states.at("fixture_good").first == "shadowed");
  }
}

TEST_CASE("a plugin whose init throws fails that command only, with a clear message", "[loader]") {
  InstallTree tree;
  tree.fixture("init_throws", "fixture_init").fixture("good", "fixture_good");
  const RunResult boom = tree.run({"fixture_init", "hello"});
  CHECK(boom.exit_status == 1);
  CHECK(contains(
      boom.stderr_text,
      "error: plugin 'fixture_init' failed to initialise: fixture init failure on purpose"));
  CHECK(tree.run({"fixture_good", "hello"}).exit_status == 0);
}

TEST_CASE("plugins in a directory writable by others are refused", "[loader]") {
  InstallTree tree;
  tree.fixture("good", "fixture_good");
  fs::permissions(tree.plugin_dir(), fs::perms::all);
  const auto states = plugin_states(tree.run({"plugin", "list", "-o", "json"}));
  CHECK(states.at("fixture_good").first == "refused");
  CHECK(contains(states.at("fixture_good").second, "writable by group or others"));
}

TEST_CASE("user-supplied plugin paths are ignored when running as root", "[loader]") {
  InstallTree tree;
  const fs::path dir = fs::path(XNATCTL_FIXTURE_DIR) / "good";
  if (::geteuid() != 0) {
    const auto states =
        plugin_states(tree.run({"plugin", "list", "-o", "json", "--plugin-dir", dir.string()}));
    CHECK(states.at("fixture_good@--plugin-dir").first == "enabled");
    return;
  }
  const RunResult as_root = tree.run({"plugin", "list", "-o", "json", "--plugin-dir", dir.string()},
                                     {{"XNATCTL_PLUGIN_PATH", dir.string()}});
  CHECK(plugin_states(as_root).empty());
  CHECK(contains(as_root.stderr_text,
                 "running as root: ignoring --plugin-dir and XNATCTL_PLUGIN_PATH"));
}

TEST_CASE("plugin commands get host-rendered output, env precedence and status mapping",
          "[loader][cli]") {
  InstallTree tree;
  tree.fixture("good", "fixture_good");

  const RunResult env =
      tree.run({"fixture_good", "hello", "word", "-o", "json"}, {{"XNATCTL_FIXTURE_NAME", "Env"}});
  CHECK(env.exit_status == 0);
  CHECK(contains(env.stdout_text, "\"greeting\": \"hello Env\""));
  CHECK(contains(env.stdout_text, "\"positional\": \"word\""));

  // Global options work after the command words too, and the command line beats env.
  const RunResult quiet =
      tree.run({"fixture_good", "hello", "--name", "Cli", "-q"}, {{"XNATCTL_FIXTURE_NAME", "Env"}});
  CHECK(quiet.stdout_text == "hello Cli\n");
  CHECK(tree.run({"-q", "fixture_good", "hello"}).stdout_text == "hello world\n");

  const RunResult fails = tree.run({"fixture_good", "hello", "fails"});
  CHECK(fails.exit_status == 1);
  CHECK(fails.stderr_text == "error: the fixture failed on purpose second line\n");

  const RunResult unknown = tree.run({"fixture_good", "hello", "--bogus"});
  CHECK(unknown.exit_status == 2);
  CHECK(contains(unknown.stderr_text, "--bogus"));

  const RunResult help = tree.run({"session", "upload", "--help"});
  CHECK(help.exit_status == 0);
  CHECK(contains(help.stdout_text,
                 "Options of the 'fixture_good_transport' transport (fixture_good)"));
  CHECK(contains(help.stdout_text, "--fixture-level"));

  const RunResult info = tree.run({"plugin", "info", "fixture_good", "-o", "json"});
  CHECK(info.exit_status == 0);
  const auto object =
      Poco::JSON::Parser().parse(info.stdout_text).extract<Poco::JSON::Object::Ptr>();
  CHECK(object->getValue<std::string>("version") == "9.9.9");
  CHECK(object->getArray("commands")->size() == 5);
  CHECK(object->getArray("transports")->getObject(0)->getValue<std::string>("command") ==
        "session upload");
}

TEST_CASE("plugin settings come from the system file, overridden by the user config",
          "[loader][policy]") {
  InstallTree tree;
  tree.fixture("good", "fixture_good");
  tree.system_policy("plugins:\n  settings:\n    fixture_good:\n      greeting: bonjour\n");
  CHECK(tree.run({"fixture_good", "hello", "-q"}).stdout_text == "bonjour world\n");
  tree.user_config("plugins:\n  settings:\n    fixture_good:\n      greeting: hola\n");
  CHECK(tree.run({"fixture_good", "hello", "-q"}).stdout_text == "hola world\n");
}

TEST_CASE("plugins reach the server through the host's authenticated, streaming HTTP",
          "[loader][http]") {
  xnatctl::test_support::EmulatorOptions options;
  options.extra_args = {"--project", "P1", "--user", "alice:secret"};
  xnatctl::test_support::EmulatorFixture emulator(options);
  InstallTree tree;
  tree.fixture("good", "fixture_good");
  const std::string path = "/data/projects/P1/resources/NOTES/files/hello.txt";
  const std::map<std::string, std::string> env = {
      {"XNAT_URL", emulator.base_url()}, {"XNAT_USER", "alice"}, {"XNAT_PASS", "secret"}};

  const RunResult ok = tree.run(
      {"fixture_good", "roundtrip", path, "streamed through the C ABI", "-o", "json"}, env);
  INFO(ok.stderr_text);
  REQUIRE(ok.exit_status == 0);
  const auto record =
      Poco::JSON::Parser().parse(ok.stdout_text).extract<Poco::JSON::Array::Ptr>()->getObject(0);
  CHECK(record->getValue<std::string>("put_status") == "200");
  CHECK(record->getValue<std::string>("get_status") == "200");
  CHECK(record->getValue<std::string>("body") == "streamed through the C ABI");

  // Refused credentials reach the plugin as XC_AUTH, and the user sees exit code 3. (A fresh
  // home: the first run cached a valid session token, which would rightly be reused.)
  InstallTree fresh;
  fresh.fixture("good", "fixture_good");
  auto wrong = env;
  wrong["XNAT_PASS"] = "wrong";
  const RunResult refused = fresh.run({"fixture_good", "roundtrip", path, "x"}, wrong);
  INFO(refused.stdout_text + refused.stderr_text);
  CHECK(refused.exit_status == 3);
  CHECK(refused.stderr_text.find("secret") == std::string::npos);
  CHECK(refused.stderr_text.find("wrong") == std::string::npos);
}

TEST_CASE("option values: command line > environment > profile > default", "[loader][cli]") {
  InstallTree tree;
  tree.fixture("good", "fixture_good");
  CHECK(tree.run({"fixture_good", "hello", "-q"}).stdout_text == "hello world\n");
  tree.user_config(
      "default_profile: lab\nprofiles:\n  lab:\n    url: http://127.0.0.1:9\n    default_project: "
      "LabProject\n"
      "  other:\n    url: http://127.0.0.1:9\n    default_project: OtherProject\n");
  CHECK(tree.run({"fixture_good", "hello", "-q"}).stdout_text == "hello LabProject\n");
  CHECK(tree.run({"fixture_good", "hello", "-q", "-p", "other"}).stdout_text ==
        "hello OtherProject\n");
  CHECK(tree.run({"fixture_good", "hello", "-q"}, {{"XNAT_PROFILE", "other"}}).stdout_text ==
        "hello OtherProject\n");
  CHECK(tree.run({"fixture_good", "hello", "-q"}, {{"XNATCTL_FIXTURE_NAME", "Env"}}).stdout_text ==
        "hello Env\n");
  CHECK(
      tree.run({"fixture_good", "hello", "-q", "--name", "Cli"}, {{"XNATCTL_FIXTURE_NAME", "Env"}})
          .stdout_text == "hello Cli\n");
}

TEST_CASE("with -o json a plugin command leaves parseable JSON on stdout, even with no records",
          "[loader][cli]") {
  InstallTree tree;
  tree.fixture("good", "fixture_good");
  const RunResult table = tree.run({"fixture_good", "silent"});
  CHECK(table.stdout_text == "nothing to report\n");
  const RunResult json = tree.run({"fixture_good", "silent", "-o", "json"});
  CHECK(json.exit_status == 0);
  CHECK(json.stdout_text == "[]\n");
  const RunResult quiet = tree.run({"fixture_good", "silent", "-q"});
  CHECK(quiet.stdout_text.empty());
}

TEST_CASE("an option's value may be left out: alone, =VALUE, or a number as the next word",
          "[loader][cli]") {
  InstallTree tree;
  tree.fixture("good", "fixture_good").fixture("bad_implicit", "fixture_bad_implicit");
  // {level, tag, word} the command resolved for the given words.
  auto run = [&tree](std::vector<std::string> words) {
    std::vector<std::string> args = {"fixture_good", "implicit", "-o", "json"};
    args.insert(args.end(), words.begin(), words.end());
    const RunResult r = tree.run(args);
    INFO(r.stderr_text);
    REQUIRE(r.exit_status == 0);
    const auto record =
        Poco::JSON::Parser().parse(r.stdout_text).extract<Poco::JSON::Array::Ptr>()->getObject(0);
    return std::vector<std::string>{record->getValue<std::string>("level"),
                                    record->getValue<std::string>("tag"),
                                    record->getValue<std::string>("word")};
  };
  using V = std::vector<std::string>;
  CHECK(run({}) == V{"unset", "unset", ""});
  CHECK(run({"--level"}) == V{"7", "unset", ""});
  CHECK(run({"--level", "3"}) == V{"3", "unset", ""});
  CHECK(run({"--level=4", "w"}) == V{"4", "unset", "w"});
  CHECK(run({"--level", "w"}) == V{"7", "unset", "w"});  // not a number: an argument
  CHECK(run({"w", "-l"}) == V{"7", "unset", "w"});
  CHECK(run({"-l", "5", "w"}) == V{"5", "unset", "w"});
  CHECK(run({"--tag", "w"}) == V{"unset", "auto", "w"});  // strings take a value only with =
  CHECK(run({"--tag=x", "--level"}) == V{"7", "x", ""});
  CHECK(run({"--", "--level"}) == V{"unset", "unset", "--level"});

  const RunResult help = tree.run({"fixture_good", "implicit", "--help"});
  CHECK(contains(help.stdout_text, "-l, --level [LEVEL]"));
  CHECK(contains(help.stdout_text, "(alone: 7)"));
  CHECK(contains(help.stdout_text, "--tag [TAG]"));

  // Declaring an implicit value on a flag is a malformed descriptor.
  const auto states = plugin_states(tree.run({"plugin", "list", "-o", "json"}));
  CHECK(states.at("fixture_bad_implicit").first == "malformed");
  CHECK(contains(states.at("fixture_bad_implicit").second,
                 "option --tag has an implicit value but is a flag or a list"));
}
