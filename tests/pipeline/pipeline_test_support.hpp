#pragma once

// A scratch world for one pipeline test: its own HOME, TMPDIR, a synthetic session made by
// xnat-gen-session, and the real xnatctl binary in a private install tree (bin/ + the plugin
// directory beside it) holding the fixture transport. An install tree rather than
// --plugin-dir, because the host ignores user plugin paths when it runs as root, as CI does.

#include <Poco/JSON/Object.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "xnatctl/test_support/child_process.hpp"

namespace pipeline_test {

namespace fs = std::filesystem;
using xnatctl::test_support::RunResult;

struct World {
  World();
  ~World();
  fs::path root, home, tmp, out;
  std::map<std::string, std::string> env;

  // A session of `series` x `slices` small MR images under root/<name>.
  fs::path make_session(const std::string& name, int series, int slices, int studies = 1,
                        int seed = 1) const;
  // Installs another plugin (.so) into the tree.
  void add_plugin(const fs::path& so) const;
  fs::path binary() const { return root / "bin" / "xnatctl"; }
  RunResult run(const std::vector<std::string>& command, int timeout_seconds = 120) const;
};

// The files (names) in a directory, sorted.
std::vector<std::string> names_in(const fs::path& dir);
// Every file under `dir`, relative to it, sorted.
std::vector<std::string> files_under(const fs::path& dir);
std::string read_file(const fs::path& path);

// Each line of `text` parsed as one JSON object (REQUIREs that every line parses).
std::vector<Poco::JSON::Object::Ptr> json_lines(const std::string& text);
std::vector<Poco::JSON::Object::Ptr> of_type(const std::vector<Poco::JSON::Object::Ptr>& lines,
                                             const std::string& type);

}  // namespace pipeline_test
