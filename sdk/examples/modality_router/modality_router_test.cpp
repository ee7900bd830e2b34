// Tests the built modality_router.so in-process against the SDK's FakeHost: the way a site
// plugin author tests a plugin without an xnatctl or an XNAT.

#include <catch2/catch.hpp>

#include "xnatctl/sdk_testing.hpp"

namespace {

xc::testing::FakeHost::File file(const char* name, const char* modality) {
  return {std::string("/data/") + name, name, 1024, {{"Modality", modality}}, {}, {}};
}

}  // namespace

TEST_CASE("modality_router routes matching sessions to the configured project", "[example]") {
  xc::testing::PluginLibrary plugin(MODALITY_ROUTER_PLUGIN);
  xc::testing::FakeHost host;
  host.set_config("plugin.project", "PET_INTAKE");
  host.set_config("plugin.transport", "cstore");
  host.add_file(file("a.dcm", "CT"));
  host.add_file(file("b.dcm", "PT"));

  xc_route decision{};
  REQUIRE(host.route(plugin.descriptor(), "modality_router", decision) == XC_OK);
  CHECK(std::string(decision.project) == "PET_INTAKE");
  CHECK(std::string(decision.transport) == "cstore");
  CHECK(std::string(decision.session).empty());
}

TEST_CASE("modality_router leaves other sessions alone", "[example]") {
  xc::testing::PluginLibrary plugin(MODALITY_ROUTER_PLUGIN);
  xc::testing::FakeHost host;
  host.set_config("plugin.project", "PET_INTAKE");
  host.add_file(file("a.dcm", "MR"));
  xc_route decision{};
  REQUIRE(host.route(plugin.descriptor(), "modality_router", decision) == XC_OK);
  CHECK(std::string(decision.project).empty());
}

TEST_CASE("modality_router reports a bad setting as an error, not a crash", "[example]") {
  xc::testing::PluginLibrary plugin(MODALITY_ROUTER_PLUGIN);
  xc::testing::FakeHost host;
  host.set_config("plugin.project", std::string(300, 'x'));
  host.add_file(file("b.dcm", "PT"));
  xc_route decision{};
  CHECK(host.route(plugin.descriptor(), "modality_router", decision) == XC_INVALID_INPUT);
  CHECK(host.last_error().find("routing value too long") == 0);
}
