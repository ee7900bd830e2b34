// Plugins of other minors on this host, through the real xnatctl in a private install tree:
// a plugin compiled against the frozen 1.0 header (fixtures/plugin_1_0.c) loads and runs, and
// the host reads and writes none of its structs past their 1.0 struct_size; a plugin
// declaring a newer minor than the host's is refused with a message naming both versions.

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <catch2/catch.hpp>
#include <string>

#include "install_tree.hpp"
#include "xnatctl/sdk.h"
#include "xnatctl/test_support/child_process.hpp"

namespace fs = std::filesystem;
using xnatctl::loader_test::contains;
using xnatctl::loader_test::InstallTree;
using xnatctl::loader_test::plugin_states;
using xnatctl::test_support::RunResult;

namespace {

// What the fixture puts right behind each 1.0 struct the host could overrun.
constexpr const char* kCanary = "CANARY";

Poco::JSON::Object::Ptr first_record(const RunResult& r) {
  INFO(r.stderr_text);
  REQUIRE(r.exit_status == 0);
  const auto array = Poco::JSON::Parser().parse(r.stdout_text).extract<Poco::JSON::Array::Ptr>();
  REQUIRE(array->size() == 1);
  return array->getObject(0);
}

}  // namespace

TEST_CASE("a plugin built against ABI 1.0 loads and runs on this host", "[abi]") {
  InstallTree tree;
  tree.fixture("abi10", "abi10");
  const auto states = plugin_states(tree.run({"plugin", "list", "-o", "json"}));
  CHECK(states.at("abi10").first == "enabled");

  const auto record =
      first_record(tree.run({"abi10", "echo", "--count", "3", "hello", "-o", "json"}));
  CHECK(record->getValue<std::string>("count") == "3");
  CHECK(record->getValue<std::string>("word") == "hello");
  CHECK(record->getValue<std::string>("host_minor") == std::to_string(XC_ABI_MINOR));

  // Behind its 1.0 option sits a string where 1.1's implicit_value would be: read past the
  // struct, it would make the value optional and show up in --help.
  const RunResult bare = tree.run({"abi10", "echo", "--count"});
  CHECK(bare.exit_status == 2);
  CHECK_FALSE(contains(bare.stderr_text + bare.stdout_text, kCanary));
  const RunResult help = tree.run({"abi10", "echo", "--help"});
  CHECK(help.exit_status == 0);
  CHECK(contains(help.stdout_text, "--count N"));
  CHECK_FALSE(contains(help.stdout_text, "--count [N]"));
  CHECK_FALSE(contains(help.stdout_text, kCanary));
}

#ifdef XNAT_GEN_SESSION_BINARY
TEST_CASE("the host fills a 1.0 plugin's xc_job_file only up to its struct_size", "[abi]") {
  InstallTree tree;
  tree.fixture("abi10", "abi10");
  const fs::path data = tree.root() / "data";
  const RunResult made =
      xnatctl::test_support::run_process(XNAT_GEN_SESSION_BINARY,
                                         {"--out", data.string(), "--series", "1", "--slices", "3",
                                          "--rows", "8", "--cols", "8", "-q"},
                                         std::chrono::seconds(60));
  REQUIRE(made.exit_status == 0);
  // A dry run calls the transport's describe(), which reads every file with a 1.0
  // xc_job_file followed by a canary (1.1's object_name would land on it).
  const RunResult r = tree.run({"session", "upload", data.string(), "--transport",
                                "abi10_transport", "--dry-run", "-P", "P", "-S", "S", "-E", "E"});
  INFO(r.stdout_text << r.stderr_text);
  CHECK(r.exit_status == 0);
  CHECK(contains(r.stdout_text, "canary intact"));
  CHECK_FALSE(contains(r.stdout_text, "canary overwritten"));
}
#endif

static_assert(XC_ABI_MINOR < 2, "abi12 must declare a minor newer than the host's: raise it");

TEST_CASE("a plugin declaring a newer minor than the host's is refused", "[abi]") {
  InstallTree tree;
  tree.fixture("abi12", "abi12");
  const auto states = plugin_states(tree.run({"plugin", "list", "-o", "json"}));
  CHECK(states.at("abi12").first == "ABI mismatch");
  const std::string& why = states.at("abi12").second;
  CHECK(contains(why, "built for plugin ABI 1.2"));
  CHECK(contains(why, "ABI 1." + std::to_string(XC_ABI_MINOR)));
  CHECK(contains(why, "upgrade xnatctl"));
  // Its command does not exist: nothing of it runs.
  const RunResult r = tree.run({"abi12", "echo"});
  CHECK(r.exit_status != 0);
}
