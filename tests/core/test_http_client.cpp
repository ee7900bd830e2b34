#include <Poco/MD5Engine.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/StreamSocket.h>

#include <catch2/catch.hpp>
#include <csignal>
#include <fstream>
#include <thread>

#include "support/fake_xnat.hpp"
#include "support/temp_dir.hpp"
#include "xnatctl/cancel.hpp"
#include "xnatctl/error.hpp"
#include "xnatctl/http/body.hpp"
#include "xnatctl/http/client.hpp"
#include "xnatctl/http/errors.hpp"
#include "xnatctl/http/heartbeat.hpp"
#include "xnatctl/http/retry.hpp"
#include "xnatctl/version.hpp"

using namespace xnatctl;
using testing::FakeXnat;

namespace {

http::ClientOptions fast_options(const std::string& url) {
  http::ClientOptions options;
  options.base_url = url;
  options.timeout = std::chrono::seconds(20);
  options.connect_timeout = std::chrono::seconds(5);
  options.retry.initial_delay = std::chrono::milliseconds(1);
  options.retry.max_delay = std::chrono::milliseconds(5);
  return options;
}

http::Request get(const std::string& path) {
  http::Request request;
  request.path = path;
  return request;
}

// A deterministic body of `size` bytes produced piecewise, counting how often it restarts.
struct PatternBody {
  std::size_t size;
  std::size_t offset = 0;
  int rewinds = 0;

  char byte(std::size_t i) const { return static_cast<char>('a' + (i * 7) % 26); }

  http::RequestBody make(bool known_length) {
    http::RequestBody body;
    body.content_length = known_length ? static_cast<std::int64_t>(size) : -1;
    body.read = [this](char* buffer, std::size_t want) {
      std::size_t n = std::min(want, size - offset);
      for (std::size_t i = 0; i < n; ++i) buffer[i] = byte(offset + i);
      offset += n;
      return n;
    };
    body.rewind = [this] {
      ++rewinds;
      offset = 0;
      return true;
    };
    return body;
  }

  std::string md5() const {
    Poco::MD5Engine engine;
    for (std::size_t i = 0; i < size; ++i) {
      char c = byte(i);
      engine.update(&c, 1);
    }
    return Poco::DigestEngine::digestToHex(engine.digest());
  }
};

}  // namespace

TEST_CASE("request bodies stream from a callback, with a length or chunked", "[http]") {
  FakeXnat server;
  http::Client client(fast_options(server.url()));
  const bool known_length = GENERATE(true, false);
  PatternBody pattern{3 * 1024 * 1024 + 17};
  http::Request request;
  request.method = "POST";
  request.path = "/test/upload";
  request.body = pattern.make(known_length);
  auto response = client.fetch(request);
  CHECK(response.status == 200);
  CHECK(response.body == std::to_string(pattern.size) + " " + pattern.md5());
}

TEST_CASE("a body that breaks its announced length is an error, found before sending past it",
          "[http]") {
  FakeXnat server;
  auto options = fast_options(server.url());
  options.retry.max_attempts = 1;
  http::Client client(options);
  const bool longer = GENERATE(true, false);
  PatternBody pattern{longer ? std::size_t{300} * 1024 : std::size_t{100}};
  http::Request request;
  request.method = "POST";
  request.path = "/test/upload";
  request.body = pattern.make(true);
  request.body->content_length = longer ? 1000 : 200;
  try {
    client.fetch(request);
    FAIL("expected an error");
  } catch (const Error& e) {
    CHECK_THAT(e.what(), Catch::Contains(longer ? "produced at least 1001 bytes but announced 1000"
                                                : "produced 100 bytes but announced 200"));
  }
}

TEST_CASE("response bodies stream to a sink in pieces", "[http]") {
  FakeXnat server;
  http::Client client(fast_options(server.url()));
  auto request = get("/test/big");
  request.query = {{"size", std::to_string(5 * 1024 * 1024)}};
  std::size_t total = 0;
  int pieces = 0;
  auto response = client.send(request, [&](const char*, std::size_t n) {
    total += n;
    ++pieces;
    return true;
  });
  CHECK(response.status == 200);
  CHECK(total == 5u * 1024 * 1024);
  CHECK(pieces > 1);
}

TEST_CASE("a sink that refuses more data cancels the transfer", "[http]") {
  FakeXnat server;
  http::Client client(fast_options(server.url()));
  auto request = get("/test/big");
  request.query = {{"size", "1000000"}};
  try {
    client.send(request, [](const char*, std::size_t) { return false; });
    FAIL("expected a cancellation");
  } catch (const Error& e) {
    CHECK(e.code() == ExitCode::kCancelled);
  }
  CHECK_THROWS_WITH(client.fetch(request, 1000), Catch::Contains("larger than 1000 bytes"));
}

TEST_CASE("query parameters keep their order and are encoded; the User-Agent is ours", "[http]") {
  FakeXnat server;
  http::Client client(fast_options(server.url()));
  auto request = get("/test/echo");
  request.query = {{"b", "2"}, {"a", "x y&z"}, {"xsiType", "xnat:mrScanData"}};
  auto response = client.fetch(request);
  CHECK_THAT(response.body,
             Catch::StartsWith("GET /test/echo?b=2&a=x%20y%26z&xsiType=xnat:mrScanData\n"));
  CHECK_THAT(response.body, Catch::Contains("User-Agent: " + user_agent() + "\n"));
  CHECK_THAT(user_agent(), !Catch::Contains("Mozilla"));
}

TEST_CASE("keep-alive connections are reused", "[http]") {
  FakeXnat server;
  http::Client client(fast_options(server.url()));
  for (int i = 0; i < 5; ++i) CHECK(client.fetch(get("/test/echo")).status == 200);
  auto requests = server.requests();
  REQUIRE(requests.size() == 5);
  for (const auto& r : requests) CHECK(r.client_port == requests.front().client_port);
}

TEST_CASE("503 with Retry-After is retried, the body rewound each time", "[http]") {
  FakeXnat server;
  server.set_flaky_failures(2);
  http::Client client(fast_options(server.url()));
  PatternBody pattern{100000};
  http::Request request;
  request.method = "POST";
  request.path = "/test/flaky";
  request.body = pattern.make(true);
  auto response = client.fetch(request);
  CHECK(response.status == 200);
  CHECK(response.body == "ok");
  CHECK(pattern.rewinds == 2);
  CHECK(client.stats().retries == 2);
}

TEST_CASE("retries stop after max_attempts and the last answer is returned", "[http]") {
  FakeXnat server;
  server.set_flaky_failures(100);
  auto options = fast_options(server.url());
  options.retry.max_attempts = 3;
  http::Client client(options);
  auto response = client.fetch(get("/test/flaky"));
  CHECK(response.status == 503);
  CHECK(response.body == "busy");
  CHECK(response.attempts == 3);
  CHECK(client.stats().requests == 3);

  auto once = get("/test/flaky");
  once.retry = false;
  auto single = client.fetch(once);
  CHECK(single.status == 503);
  CHECK(single.attempts == 1);
}

TEST_CASE("a body that cannot rewind is not re-sent", "[http]") {
  FakeXnat server;
  server.set_flaky_failures(1);
  http::Client client(fast_options(server.url()));
  http::Request request;
  request.method = "POST";
  request.path = "/test/flaky";
  auto body = http::string_body("payload");
  body.rewind = nullptr;
  request.body = body;
  CHECK_THROWS_WITH(client.fetch(request), Catch::Contains("cannot be restarted"));
}

TEST_CASE("XNAT's transient import 400 is retried only when the request opts in", "[http]") {
  FakeXnat server;
  http::Client client(fast_options(server.url()));
  server.set_race400_failures(1);
  CHECK(client.fetch(get("/test/race400")).status == 400);
  server.set_race400_failures(2);
  auto request = get("/test/race400");
  request.retry_transient_400 = true;
  CHECK(client.fetch(request).status == 200);
}

TEST_CASE("connection refused is retried, then reported in one line", "[http]") {
  unsigned short port = 0;
  {
    FakeXnat server;  // take a free port, then close it again
    port = server.port();
  }
  auto options = fast_options("http://127.0.0.1:" + std::to_string(port));
  options.retry.max_attempts = 3;
  http::Client client(options);
  try {
    client.fetch(get("/data/projects"));
    FAIL("expected a transport error");
  } catch (const http::TransportError& e) {
    std::string message = e.what();
    CHECK_THAT(message, Catch::Contains("after 3 attempts"));
    CHECK(message.find('\n') == std::string::npos);
  }
  CHECK(client.stats().requests == 3);
}

TEST_CASE("file bodies re-open the file on rewind", "[http]") {
  testing::TempDir dir;
  auto path = dir.path() / "data.bin";
  std::ofstream(path) << std::string(70000, 'q');
  FakeXnat server;
  server.set_flaky_failures(1);
  http::Client client(fast_options(server.url()));
  http::Request request;
  request.method = "PUT";
  request.path = "/test/flaky";
  request.body = http::file_body(path);
  CHECK(client.fetch(request).status == 200);
  request.path = "/test/upload";
  request.body = http::file_body(path);
  CHECK_THAT(client.fetch(request).body, Catch::StartsWith("70000 "));
}

TEST_CASE("backoff grows exponentially with jitter and Retry-After is understood", "[http]") {
  http::RetryPolicy policy;
  policy.initial_delay = std::chrono::milliseconds(100);
  policy.max_delay = std::chrono::milliseconds(1000);
  std::mt19937_64 random(42);
  for (int i = 0; i < 50; ++i) {
    auto first = http::backoff_delay(policy, 1, random).count();
    CHECK(first >= 50);
    CHECK(first <= 100);
    auto third = http::backoff_delay(policy, 3, random).count();
    CHECK(third >= 200);
    CHECK(third <= 400);
    CHECK(http::backoff_delay(policy, 20, random).count() <= 1000);
  }
  auto now = std::chrono::system_clock::from_time_t(784111777);  // Sun, 06 Nov 1994 08:49:37 GMT
  CHECK(http::parse_retry_after("7", now) == std::chrono::milliseconds(7000));
  CHECK(http::parse_retry_after("Sun, 06 Nov 1994 08:49:47 GMT", now) ==
        std::chrono::milliseconds(10000));
  CHECK_FALSE(http::parse_retry_after("soon", now));
  CHECK(http::is_retryable_status(429, false));
  CHECK(http::is_retryable_status(502, false));
  CHECK_FALSE(http::is_retryable_status(500, false));
  CHECK_FALSE(http::is_retryable_status(400, false));
  CHECK(http::is_retryable_status(400, true));
}

TEST_CASE("throw_for_status maps statuses to one-line errors with exit codes", "[http]") {
  http::TextResponse response;
  response.status = 401;
  CHECK_THROWS_AS(http::throw_for_status(response, "x"), AuthError);
  response.status = 500;
  response.body = "boom\nmore";
  CHECK_THROWS_WITH(http::throw_for_status(response, "listing"), "listing: HTTP 500: boom more");
  response.status = 204;
  CHECK_NOTHROW(http::throw_for_status(response, "x"));
}

TEST_CASE("TLS: a self-signed server is refused by default and accepted with verification off",
          "[http][tls]") {
  testing::FakeXnatOptions options;
  options.tls = true;
  FakeXnat server(options);
  {
    http::Client client(fast_options(server.url()));
    try {
      client.fetch(get("/test/echo"));
      FAIL("expected a TLS failure");
    } catch (const http::TransportError& e) {
      CHECK_THAT(e.what(), Catch::Contains("verify_ssl: false"));
    }
    CHECK(client.stats().requests == 1);  // not retried
  }
  auto relaxed = fast_options(server.url());
  relaxed.tls.verify = false;
  http::Client client(relaxed);
  CHECK(client.fetch(get("/test/echo")).status == 200);
}

// Bodies are written to the session's socket directly (socket_body_writer.cpp); over TLS that
// socket is Poco's SecureStreamSocket, so the same bytes must arrive through it.
TEST_CASE("TLS: request bodies arrive whole, with a length or chunked", "[http][tls]") {
  testing::FakeXnatOptions server_options;
  server_options.tls = true;
  FakeXnat server(server_options);
  auto options = fast_options(server.url());
  options.tls.verify = false;
  http::Client client(options);
  const bool known_length = GENERATE(true, false);
  PatternBody pattern{std::size_t{3} * 1024 * 1024 + 17};
  http::Request request;
  request.method = "POST";
  request.path = "/test/upload";
  request.body = pattern.make(known_length);
  const auto response = client.fetch(request);
  CHECK(response.status == 200);
  CHECK(response.body == std::to_string(pattern.size) + " " + pattern.md5());
}

TEST_CASE("a silent server runs into the read timeout, which is not retried forever", "[http]") {
  FakeXnat server;
  auto options = fast_options(server.url());
  options.timeout = std::chrono::seconds(1);
  options.retry.max_attempts = 2;
  http::Client client(options);
  try {
    client.fetch(get("/test/stall"));
    FAIL("expected a timeout");
  } catch (const http::TransportError& e) {
    CHECK_THAT(e.what(), Catch::Contains("imeout") && Catch::Contains("after 2 attempts"));
  }
}

// A server that answers before it has read the body and closes the connection (what a proxy
// or an expired XNAT session can do). The client writes the body straight to the socket in
// large frames (socket_body_writer.cpp): it must stop at the first failed send and read the
// early answer.
TEST_CASE("an early answer while the body is still being sent is read and sending stops",
          "[http]") {
  Poco::Net::ServerSocket listener(Poco::Net::SocketAddress("127.0.0.1", 0));
  std::thread server([&listener] {
    if (!listener.poll(Poco::Timespan(20, 0), Poco::Net::Socket::SELECT_READ)) return;
    Poco::Net::StreamSocket peer = listener.acceptConnection();
    peer.setReceiveTimeout(Poco::Timespan(20, 0));
    std::string seen;
    char buffer[4096];
    while (seen.find("\r\n\r\n") == std::string::npos) {
      const int n = peer.receiveBytes(buffer, sizeof buffer);
      if (n <= 0) return;
      seen.append(buffer, static_cast<std::size_t>(n));
    }
    const std::string answer =
        "HTTP/1.1 403 Forbidden\r\nContent-Length: 6\r\nConnection: close\r\n\r\nno way";
    peer.sendBytes(answer.data(), static_cast<int>(answer.size()));
    peer.close();  // the body unread: the client's next sends meet a reset connection
  });
  auto options = fast_options("http://127.0.0.1:" + std::to_string(listener.address().port()));
  options.retry.max_attempts = 1;
  http::Client client(options);
  PatternBody pattern{std::size_t{256} * 1024 * 1024};
  http::Request request;
  request.method = "POST";
  request.path = "/test/upload";
  request.body = pattern.make(true);
  const auto response = client.fetch(request);
  server.join();
  CHECK(response.status == 403);
  CHECK(response.body == "no way");
  CHECK(pattern.offset < pattern.size);  // it stopped sending: the body was never finished
}

TEST_CASE("the host's signal set-up ignores SIGPIPE", "[http]") {
  // A send into a connection the peer has reset must fail with EPIPE, which the client
  // reports and retries; Poco and DCMTK do not pass MSG_NOSIGNAL on Linux.
  xnatctl::cancel::install_signal_handlers();
  struct sigaction current {};
  REQUIRE(::sigaction(SIGPIPE, nullptr, &current) == 0);
  CHECK(current.sa_handler == SIG_IGN);
}
