#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "xnatctl/http/proxy.hpp"
#include "xnatctl/http/request.hpp"
#include "xnatctl/http/retry.hpp"
#include "xnatctl/http/session_provider.hpp"
#include "xnatctl/http/tls_settings.hpp"

namespace xnatctl::http {

struct ClientOptions {
  std::string base_url;  // "https://xnat.example.org[/context]", no trailing slash
  TlsSettings tls;       // verification and CA source (see choose_tls)
  // The HTTP proxy every connection goes through (see choose_proxy); nullopt = direct.
  std::optional<ProxyEndpoint> proxy;
  std::chrono::seconds timeout{21600};  // read/write inactivity limit per request
  std::chrono::seconds connect_timeout{30};
  std::string user_agent;  // empty = xnatctl::user_agent()
  std::size_t max_idle_connections = 32;
  RetryPolicy retry;
  // While any authenticated request with a body is in flight, the session is touched this
  // often (GET /data/JSESSION), so XNAT's inactivity timeout (15 min by default) cannot end
  // the session in the middle of a long upload. Zero turns it off.
  std::chrono::milliseconds heartbeat_interval{std::chrono::minutes(5)};
  // Verbose diagnostics ("GET /data/... -> 200"). Never receives header values or bodies,
  // so credentials and tokens cannot leak through it.
  std::function<void(const std::string&)> log;
};

struct ClientStats {
  std::uint64_t requests = 0;  // exchanges put on the wire, retries included
  std::uint64_t retries = 0;
  std::uint64_t renewals = 0;  // requests replayed after a 401
};

// An HTTP/1.1 client bound to one XNAT server: a pool of keep-alive connections shared by
// every thread, TLS verification, retries with backoff, and the JSESSION cookie with one
// shared re-login on 401. All member functions are thread-safe.
class Client {
 public:
  explicit Client(ClientOptions options);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  void set_session_provider(std::shared_ptr<SessionProvider> provider);
  const ClientOptions& options() const { return options_; }

  // Sends the request (retrying and re-authenticating as configured) and streams the body
  // of the final response to `sink`. HTTP error statuses are returned, not thrown; network
  // failures that outlast the retries throw TransportError.
  Response send(const Request& request, const BodySink& sink);

  // send() for small bodies: collects up to `max_body` bytes (more is an error).
  TextResponse fetch(const Request& request, std::size_t max_body = 16u << 20);

  ClientStats stats() const;

 private:
  class Impl;
  ClientOptions options_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace xnatctl::http
