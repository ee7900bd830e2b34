// A private install tree for loader tests (bin/xnatctl + lib/.../plugins + etc/xnatctl/
// plugins.yaml + a home), and the real binary run in it as a child process.
#pragma once

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <sys/types.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "xnatctl/test_support/child_process.hpp"

namespace xnatctl::loader_test {

namespace fs = std::filesystem;
using xnatctl::test_support::ChildOptions;
using xnatctl::test_support::run_process;
using xnatctl::test_support::RunResult;

inline const std::vector<std::string> kBundled = {"cstore", "prearchive", "resource",
                                                  "rest_gradual", "rest_zip"};

// The unprivileged user tests switch to (with setpriv) when they run as root and need a
// process that honours user plugin paths.
inline constexpr uid_t kNobody = 65534;

class InstallTree {
 public:
  InstallTree() {
    char pattern[] = "/tmp/xnatctl-loader-XXXXXX";
    root_ = ::mkdtemp(pattern);
    fs::permissions(root_, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                               fs::perms::others_read | fs::perms::others_exec);
    fs::create_directories(root_ / "bin");
    fs::create_directories(plugin_dir());
    fs::create_directories(root_ / "home");
    fs::copy_file(XNATCTL_BIN, root_ / "bin" / "xnatctl");
  }
  ~InstallTree() {
    std::error_code ec;
    fs::permissions(plugin_dir(), fs::perms::owner_all, ec);
    fs::remove_all(root_, ec);
  }
  InstallTree(const InstallTree&) = delete;
  InstallTree& operator=(const InstallTree&) = delete;

  fs::path root() const { return root_; }
  fs::path plugin_dir() const { return root_ / XNATCTL_PLUGIN_SUBDIR; }
  fs::path user_plugin_dir() const {
    return root_ / "home" / ".local" / "share" / "xnatctl" / "plugins";
  }

  InstallTree& bundled() {
    for (const auto& id : kBundled)
      copy_plugin(fs::path(XNATCTL_BUNDLED_PLUGIN_DIR) / (id + ".so"));
    return *this;
  }
  InstallTree& fixture(const std::string& dir, const std::string& id) {
    copy_plugin(fs::path(XNATCTL_FIXTURE_DIR) / dir / (id + ".so"));
    return *this;
  }
  void copy_plugin(const fs::path& from) const {
    fs::copy_file(from, plugin_dir() / from.filename(), fs::copy_options::overwrite_existing);
  }
  void system_policy(const std::string& yaml) const {
    fs::create_directories(root_ / "etc" / "xnatctl");
    std::ofstream(root_ / "etc" / "xnatctl" / "plugins.yaml") << yaml;
  }
  fs::path system_policy_file() const { return root_ / "etc" / "xnatctl" / "plugins.yaml"; }
  void user_config(const std::string& yaml) const {
    fs::create_directories(root_ / "home" / ".config" / "xnatctl");
    std::ofstream(root_ / "home" / ".config" / "xnatctl" / "config.yaml") << yaml;
  }

  // Runs bin/xnatctl; with `as_user`, under that uid (only possible when the test is root).
  RunResult run(const std::vector<std::string>& args, std::map<std::string, std::string> env = {},
                std::optional<uid_t> as_user = std::nullopt) const {
    ChildOptions options;
    env.emplace("HOME", (root_ / "home").string());
    env.emplace("XDG_CONFIG_HOME", "");
    env.emplace("XDG_DATA_HOME", "");
    env.emplace("XDG_STATE_HOME", "");
    env.emplace("XNATCTL_DISABLE_PLUGINS", "");
    env.emplace("XNATCTL_PLUGIN_PATH", "");
    options.extra_env = std::move(env);
    const fs::path binary = root_ / "bin" / "xnatctl";
    if (!as_user) return run_process(binary, args, std::chrono::seconds(30), options);
    const std::string id = std::to_string(*as_user);
    std::vector<std::string> wrapped = {"--reuid=" + id, "--regid=" + id, "--clear-groups", "--",
                                        binary.string()};
    wrapped.insert(wrapped.end(), args.begin(), args.end());
    return run_process("/usr/bin/setpriv", wrapped, std::chrono::seconds(30), options);
  }

 private:
  fs::path root_;
};

// id -> {state, reason} from `plugin list -o json`; ids from other origins than the install
// dir get "@origin", a second candidate of the same key "#2".
inline std::map<std::string, std::pair<std::string, std::string>> plugin_states(
    const RunResult& r) {
  INFO(r.stderr_text);
  REQUIRE(r.exit_status == 0);
  std::map<std::string, std::pair<std::string, std::string>> states;
  const auto array = Poco::JSON::Parser().parse(r.stdout_text).extract<Poco::JSON::Array::Ptr>();
  for (size_t i = 0; i < array->size(); ++i) {
    const auto item = array->getObject(static_cast<unsigned>(i));
    const std::string key =
        item->getValue<std::string>("id") + (item->getValue<std::string>("origin") == "install"
                                                 ? ""
                                                 : "@" + item->getValue<std::string>("origin"));
    if (states.count(key) != 0) {
      states[key + "#2"] = {item->getValue<std::string>("state"),
                            item->getValue<std::string>("reason")};
    } else {
      states[key] = {item->getValue<std::string>("state"), item->getValue<std::string>("reason")};
    }
  }
  return states;
}

inline bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

}  // namespace xnatctl::loader_test
