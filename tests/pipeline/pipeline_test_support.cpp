#include "pipeline_test_support.hpp"

#include <Poco/JSON/Parser.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <fstream>
#include <random>
#include <sstream>

namespace pipeline_test {

World::World() {
  std::random_device rd;
  root = fs::temp_directory_path() /
         ("xnatctl-pipeline-" + std::to_string(::getpid()) + "-" + std::to_string(rd()));
  home = root / "home";
  tmp = root / "tmp";
  out = root / "received";
  fs::create_directories(home);
  fs::create_directories(tmp);
  fs::create_directories(root / "bin");
  fs::copy_file(XNATCTL_BINARY, binary());
  add_plugin(FIXTURE_PLUGIN);
  env = {{"HOME", home.string()},
         {"TMPDIR", tmp.string()},
         {"XDG_STATE_HOME", (home / ".local" / "state").string()},
         {"XDG_CONFIG_HOME", (home / ".config").string()},
         // The fixture transport never contacts a server; the URL only has to be valid.
         {"XNAT_URL", "http://127.0.0.1:9"},
         {"XNAT_USER", "nobody"},
         {"XNAT_PASS", "nothing"},
         {"XNATCTL_PLUGIN_PATH", ""},
         {"XNATCTL_DISABLE_PLUGINS", ""}};
}

World::~World() {
  std::error_code ec;
  fs::remove_all(root, ec);
}

fs::path World::make_session(const std::string& name, int series, int slices, int studies,
                             int seed) const {
  const fs::path dir = root / name;
  const RunResult r = xnatctl::test_support::run_process(
      XNAT_GEN_SESSION,
      {"--out", dir.string(), "--series", std::to_string(series), "--slices",
       std::to_string(slices), "--studies", std::to_string(studies), "--rows", "16", "--cols", "16",
       "--seed", std::to_string(seed), "--quiet"},
      std::chrono::seconds(60));
  REQUIRE(r.exit_status == 0);
  return dir;
}

void World::add_plugin(const fs::path& so) const {
  const fs::path dir = root / XNATCTL_PLUGIN_SUBDIR;
  fs::create_directories(dir);
  fs::copy_file(so, dir / so.filename(), fs::copy_options::overwrite_existing);
}

RunResult World::run(const std::vector<std::string>& command, int timeout_seconds) const {
  xnatctl::test_support::ChildOptions options;
  options.extra_env = env;
  return xnatctl::test_support::run_process(binary(), command,
                                            std::chrono::seconds(timeout_seconds), options);
}

std::vector<std::string> names_in(const fs::path& dir) {
  std::vector<std::string> names;
  if (!fs::exists(dir)) return names;
  for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

std::vector<std::string> files_under(const fs::path& dir) {
  std::vector<std::string> names;
  if (!fs::exists(dir)) return names;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.is_regular_file()) names.push_back(fs::relative(e.path(), dir).string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<Poco::JSON::Object::Ptr> json_lines(const std::string& text) {
  std::vector<Poco::JSON::Object::Ptr> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    INFO("stdout line: " << line);
    Poco::JSON::Parser parser;
    Poco::JSON::Object::Ptr object;
    REQUIRE_NOTHROW(object = parser.parse(line).extract<Poco::JSON::Object::Ptr>());
    REQUIRE(object->has("type"));
    lines.push_back(object);
  }
  return lines;
}

std::vector<Poco::JSON::Object::Ptr> of_type(const std::vector<Poco::JSON::Object::Ptr>& lines,
                                             const std::string& type) {
  std::vector<Poco::JSON::Object::Ptr> found;
  for (const auto& l : lines) {
    if (l->getValue<std::string>("type") == type) found.push_back(l);
  }
  return found;
}

}  // namespace pipeline_test
