// Plugin trust, the site's security boundary (docs/security.md): which files the host agrees
// to run as code or obey as policy. Each case is one hostile arrangement of files that an
// earlier host accepted.

#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "install_tree.hpp"
#include "xnatctl/test_support/emulator_fixture.hpp"

namespace fs = std::filesystem;
using xnatctl::loader_test::contains;
using xnatctl::loader_test::InstallTree;
using xnatctl::loader_test::kNobody;
using xnatctl::loader_test::plugin_states;
using xnatctl::test_support::RunResult;

namespace {

const fs::perms k755 = fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                       fs::perms::others_read | fs::perms::others_exec;

fs::path good_fixture() {
  return fs::path(XNATCTL_FIXTURE_DIR) / "good" / "fixture_good.so";
}

void chown_to(const fs::path& p, uid_t uid) {
  REQUIRE(::lchown(p.c_str(), uid, uid) == 0);
}

}  // namespace

TEST_CASE("a symlinked plugin is judged by the file it points at and that file's directories",
          "[hardening][trust]") {
  InstallTree tree;
  const fs::path elsewhere = tree.root() / "elsewhere";
  fs::create_directories(elsewhere);
  fs::copy_file(good_fixture(), elsewhere / "fixture_good.so");
  fs::permissions(elsewhere / "fixture_good.so", k755);
  fs::create_symlink(elsewhere / "fixture_good.so", tree.plugin_dir() / "fixture_good.so");

  SECTION("the target's directory is writable by anyone: refused") {
    fs::permissions(elsewhere, fs::perms::all);
    const auto states = plugin_states(tree.run({"plugin", "list", "-o", "json"}));
    CHECK(states.at("fixture_good").first == "refused");
    CHECK(contains(states.at("fixture_good").second, elsewhere.string()));
    CHECK(contains(states.at("fixture_good").second, "writable by group or others"));
  }
  SECTION("the target is writable by group: refused") {
    fs::permissions(elsewhere / "fixture_good.so", fs::perms::group_write, fs::perm_options::add);
    const auto states = plugin_states(tree.run({"plugin", "list", "-o", "json"}));
    CHECK(states.at("fixture_good").first == "refused");
    CHECK(contains(states.at("fixture_good").second, "the target of"));
  }
  SECTION("a sticky directory like /tmp is fine when the file's owner is trusted") {
    fs::permissions(elsewhere, fs::perms::all | fs::perms::sticky_bit);
    const auto states = plugin_states(tree.run({"plugin", "list", "-o", "json"}));
    CHECK(states.at("fixture_good").first == "enabled");
  }
  SECTION("the same sticky directory with a file owned by someone else: refused") {
    if (::geteuid() != 0) {
      WARN("needs root to give the file to another user");
      return;
    }
    fs::permissions(elsewhere, fs::perms::all | fs::perms::sticky_bit);
    chown_to(elsewhere / "fixture_good.so", kNobody);
    const auto states = plugin_states(tree.run({"plugin", "list", "-o", "json"}));
    CHECK(states.at("fixture_good").first == "refused");
    CHECK(contains(states.at("fixture_good").second, "owned by another user"));
  }
  SECTION("an ancestor of the target is writable by anyone: refused") {
    const fs::path deeper = elsewhere / "deeper";
    fs::create_directories(deeper);
    fs::rename(elsewhere / "fixture_good.so", deeper / "fixture_good.so");
    fs::remove(tree.plugin_dir() / "fixture_good.so");
    fs::create_symlink(deeper / "fixture_good.so", tree.plugin_dir() / "fixture_good.so");
    fs::permissions(elsewhere, fs::perms::all);
    const auto states = plugin_states(tree.run({"plugin", "list", "-o", "json"}));
    CHECK(states.at("fixture_good").first == "refused");
    CHECK(contains(states.at("fixture_good").second, elsewhere.string() + " is writable"));
  }
}

TEST_CASE("a plugin file or directory owned by another user is refused, also for root",
          "[hardening][trust]") {
  if (::geteuid() != 0) {
    WARN("needs root to give files to another user");
    return;
  }
  InstallTree tree;
  SECTION("the plugin file in the install dir") {
    tree.fixture("good", "fixture_good");
    chown_to(tree.plugin_dir() / "fixture_good.so", kNobody);
    const auto states = plugin_states(tree.run({"plugin", "list", "-o", "json"}));
    CHECK(states.at("fixture_good").first == "refused");
    CHECK(contains(states.at("fixture_good").second, "owned by another user (uid 65534)"));
  }
  SECTION("a directory of the administrator's search_paths") {
    const fs::path site = tree.root() / "site-plugins";
    fs::create_directories(site);
    fs::copy_file(good_fixture(), site / "fixture_good.so");
    chown_to(site, kNobody);
    tree.system_policy("plugins:\n  search_paths: [" + site.string() + "]\n");
    const auto states = plugin_states(tree.run({"plugin", "list", "-o", "json"}));
    CHECK(states.at("fixture_good@system").first == "refused");
    CHECK(contains(states.at("fixture_good@system").second, site.string() + " is owned by"));
  }
}

TEST_CASE("an administrator plugins.yaml writable by group or others is refused, not obeyed",
          "[hardening][trust]") {
  InstallTree tree;
  tree.fixture("good", "fixture_good");
  tree.system_policy("plugins:\n  disabled: [cstore]\n");
  SECTION("world-writable") {
    fs::permissions(tree.system_policy_file(), fs::perms::others_write, fs::perm_options::add);
  }
  SECTION("group-writable") {
    fs::permissions(tree.system_policy_file(), fs::perms::group_write, fs::perm_options::add);
  }
  const RunResult r = tree.run({"plugin", "list"});
  CHECK(r.exit_status == 2);
  CHECK(r.stdout_text.empty());
  CHECK(contains(r.stderr_text,
                 "error: refusing the plugin policy " + tree.system_policy_file().string() + ": "));
  CHECK(contains(r.stderr_text, "writable by group or others"));
  CHECK(std::count(r.stderr_text.begin(), r.stderr_text.end(), '\n') == 1);
}

TEST_CASE("a locked plugin is only taken from the administrator's locations",
          "[hardening][trust]") {
  InstallTree tree;
  tree.fixture("good", "fixture_good");
  // The user's copy has the same id but another command, so we can tell which one runs.
  fs::create_directories(tree.user_plugin_dir());
  fs::copy_file(fs::path(XNATCTL_FIXTURE_DIR) / "duplicate_id" / "fixture_good.so",
                tree.user_plugin_dir() / "fixture_good.so");
  tree.system_policy("plugins:\n  enabled: [fixture_good]\n  locked: true\n");
  // Root ignores user plugin dirs anyway; the rule matters for everyone else.
  const std::optional<uid_t> user = ::geteuid() == 0 ? std::optional<uid_t>(kNobody) : std::nullopt;

  const auto states = plugin_states(tree.run({"plugin", "list", "-o", "json"}, {}, user));
  CHECK(states.at("fixture_good").first == "enabled");
  CHECK(states.at("fixture_good@user").first == "disabled by system");
  CHECK(contains(states.at("fixture_good@user").second, "locked by the administrator"));
  CHECK(tree.run({"fixture_good", "hello", "-q"}, {}, user).exit_status == 0);
  const RunResult shadow = tree.run({"fixture_good_shadow", "hello"}, {}, user);
  CHECK(shadow.exit_status == 2);
  CHECK(contains(shadow.stderr_text, "unknown command"));

  SECTION("without the lock the user's copy wins, so the rule above is what pins it") {
    tree.system_policy("plugins:\n  enabled: [fixture_good]\n");
    const auto unlocked = plugin_states(tree.run({"plugin", "list", "-o", "json"}, {}, user));
    CHECK(unlocked.at("fixture_good@user").first == "enabled");
    CHECK(unlocked.at("fixture_good").first == "shadowed");
  }
}

TEST_CASE("a candidate that fails to load shadows nothing, and says what dlopen said",
          "[hardening][trust]") {
  InstallTree tree;
  tree.fixture("good", "fixture_good");
  // The administrator's search path comes before the install dir.
  const fs::path site = tree.root() / "site-plugins";
  fs::create_directories(site);
  std::ofstream(site / "fixture_good.so") << "this is not an ELF object, just text long enough "
                                             "to have a header that is plainly wrong\n";
  tree.system_policy("plugins:\n  search_paths: [" + site.string() + "]\n");

  const auto states = plugin_states(tree.run({"plugin", "list", "-o", "json"}));
  CHECK(states.at("fixture_good@system").first == "failed to open");
  CHECK(contains(states.at("fixture_good@system").second, "invalid ELF header"));
  CHECK_FALSE(contains(states.at("fixture_good@system").second, "Bad file descriptor"));
  CHECK(states.at("fixture_good").first == "enabled");
  const RunResult hello = tree.run({"fixture_good", "hello", "-q"});
  CHECK(hello.exit_status == 0);
  CHECK(hello.stdout_text == "hello world\n");
  const RunResult info = tree.run({"plugin", "info", "fixture_good", "-o", "json"});
  const auto object =
      Poco::JSON::Parser().parse(info.stdout_text).extract<Poco::JSON::Object::Ptr>();
  CHECK(object->getValue<std::string>("state") == "enabled");
  CHECK(object->getValue<std::string>("origin") == "install");
}

TEST_CASE("a plugin whose init failed is listed as 'init failed', and listing never runs init",
          "[hardening][trust]") {
  InstallTree tree;
  tree.fixture("init_throws", "fixture_init");
  // Listing alone never calls init(), so nothing is known to have failed yet.
  CHECK(plugin_states(tree.run({"plugin", "list", "-o", "json"})).at("fixture_init").first ==
        "enabled");

  CHECK(tree.run({"fixture_init", "hello"}).exit_status == 1);
  const auto states = plugin_states(tree.run({"plugin", "list", "-o", "json"}));
  CHECK(states.at("fixture_init").first == "init failed");
  CHECK(contains(states.at("fixture_init").second, "fixture init failure on purpose"));
  const RunResult info = tree.run({"plugin", "info", "fixture_init"});
  CHECK(contains(info.stdout_text, "state:   init failed"));
  // Still registered: the next use tries init() again (and fails the same way).
  const RunResult again = tree.run({"fixture_init", "hello"});
  CHECK(again.exit_status == 1);
  CHECK(contains(again.stderr_text, "failed to initialise"));

  SECTION("replacing the file forgets the failure") {
    tree.fixture("good", "fixture_good");
    fs::copy_file(good_fixture(), tree.plugin_dir() / "fixture_init.so",
                  fs::copy_options::overwrite_existing);
    const auto after = plugin_states(tree.run({"plugin", "list", "-o", "json"}));
    // The good fixture's descriptor says fixture_good, so the copy is now a conflict, not
    // "init failed": the record no longer matches the file.
    CHECK(after.at("fixture_init").first != "init failed");
  }
}

TEST_CASE("a plugin's header with a CR/LF is refused before anything reaches the server",
          "[hardening][headers]") {
  xnatctl::test_support::EmulatorOptions options;
  options.extra_args = {"--project", "P1", "--user", "alice:secret"};
  xnatctl::test_support::EmulatorFixture emulator(options);
  InstallTree tree;
  tree.fixture("good", "fixture_good");
  const std::string path = "/data/projects/P1/resources/NOTES/files/header.txt";
  std::map<std::string, std::string> env = {
      {"XNAT_URL", emulator.base_url()}, {"XNAT_USER", "alice"}, {"XNAT_PASS", "secret"}};
  const auto stored = [&] {
    for (const auto& entry : fs::recursive_directory_iterator(emulator.data_dir()))
      if (entry.path().filename() == "header.txt") return true;
    return false;
  };

  env["XNATCTL_FIXTURE_HEADER"] = "abc\r\nX-Injected: 1";
  const RunResult refused = tree.run({"fixture_good", "roundtrip", path, "injected"}, env);
  INFO(refused.stdout_text + refused.stderr_text);
  CHECK(refused.exit_status == 2);
  CHECK(contains(refused.stderr_text, "a plugin's HTTP header value"));
  CHECK_FALSE(contains(refused.stderr_text, "X-Injected"));  // the value is never echoed
  CHECK_FALSE(stored());

  // The same request with a clean value goes through: the check, not the path, refused it.
  env["XNATCTL_FIXTURE_HEADER"] = "abc";
  const RunResult clean = tree.run({"fixture_good", "roundtrip", path, "clean", "-o", "json"}, env);
  INFO(clean.stderr_text);
  CHECK(clean.exit_status == 0);
  CHECK(stored());
}
