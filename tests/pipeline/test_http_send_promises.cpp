// What sdk.h promises about http_send, checked on the host's real implementation (the host
// library, a real emulator, real sockets): the response sink's status comes back as is, and
// cancellation stops a request before it is sent and during the retry back-off.
#include <catch2/catch.hpp>
#include <chrono>
#include <sstream>
#include <thread>

#include "plugins/host_services.hpp"
#include "xnatctl/cancel.hpp"
#include "xnatctl/test_support/emulator_fixture.hpp"

namespace {

using namespace xnatctl;
using Clock = std::chrono::steady_clock;

struct Host {
  explicit Host(const std::string& url) : services(out, err, 0) {
    services.set_connector([url] {
      auth::ConnectOptions o;
      o.env = config::Environment::fixed({{"XNAT_URL", url},
                                          {"XNAT_USER", "admin"},
                                          {"XNAT_PASS", "admin"},
                                          {"HOME", "/nonexistent-xnatctl-test-home"}});
      o.prompter = nullptr;
      o.use_token_cache = false;
      return auth::connect(o);
    });
    handle = services.make_host_handle("promises_test");
  }
  xc_status get(const char* path, xc_write_fn sink, xc_http_response& response) {
    xc_http_request request{};
    request.struct_size = sizeof(request);
    request.method = "GET";
    request.path = path;
    request.response_write = sink;
    response = {};
    response.struct_size = sizeof(response);
    xc_error error{};
    error.struct_size = sizeof(error);
    return services.api()->http_send(handle.get(), &request, &response, &error);
  }
  std::ostringstream out, err;
  host::HostServices services;
  std::unique_ptr<xc_host> handle;
};

// A loopback port nothing listens on: every attempt is refused, which the host retries.
std::string refused_url() {
  return "http://127.0.0.1:9";
}

struct ResetCancel {
  ~ResetCancel() { cancel::reset_for_tests(); }
};

}  // namespace

TEST_CASE("a response sink that stops the transfer is what http_send returns") {
  test_support::EmulatorFixture emulator;
  Host host(emulator.base_url());
  xc_http_response response{};
  const xc_write_fn refuse = [](void*, const char*, size_t) -> xc_status { return XC_FATAL; };
  CHECK(host.get("/data/projects", refuse, response) == XC_FATAL);
  const xc_write_fn unsupported = [](void*, const char*, size_t) -> xc_status {
    return XC_UNSUPPORTED;
  };
  CHECK(host.get("/data/projects", unsupported, response) == XC_UNSUPPORTED);
  const xc_write_fn accept = [](void*, const char*, size_t) -> xc_status { return XC_OK; };
  CHECK(host.get("/data/projects", accept, response) == XC_OK);
  CHECK(response.status == 200);
}

TEST_CASE("after Ctrl-C http_send sends nothing and returns XC_CANCELLED") {
  ResetCancel reset;
  test_support::EmulatorFixture emulator;
  Host host(emulator.base_url());
  cancel::request();
  xc_http_response response{};
  CHECK(host.get("/data/projects", nullptr, response) == XC_CANCELLED);
  CHECK(response.attempts == 0);
  CHECK(response.status == 0);
}

TEST_CASE("Ctrl-C during the retry back-off returns promptly with XC_CANCELLED") {
  ResetCancel reset;
  Host host(refused_url());
  std::thread stopper([] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    cancel::request();
  });
  xc_http_response response{};
  const auto start = Clock::now();
  const xc_status status = host.get("/data/projects", nullptr, response);
  const auto took = Clock::now() - start;
  stopper.join();
  CHECK(status == XC_CANCELLED);
  // Four back-off waits of at least 0.5, 1, 2 and 4 s would follow without the cancel.
  CHECK(took < std::chrono::milliseconds(2500));
}
