#pragma once

#include <Poco/Exception.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPClientSession.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "xnatctl/http/proxy.hpp"
#include "xnatctl/http/tls_settings.hpp"

namespace xnatctl::http::detail {

// The one place that creates connections to an XNAT server: every request of the client
// (login, listings, uploads, heartbeat, plugins through the host) gets its sessions from
// here, so none can bypass the proxy or the TLS settings. tests/network checks that no
// other source file constructs a Poco HTTP session.
//
// Through a proxy, an http server is asked for with absolute URIs (Poco adds the
// Proxy-Authorization header); an https server is reached with CONNECT host:port and TLS
// runs end to end inside the tunnel, so the proxy sees neither paths nor cookies. Poco keeps
// the proxy settings in the session, so its own reconnects go through the proxy too.
class ConnectionFactory {
 public:
  ConnectionFactory(std::string scheme, std::string host, std::uint16_t port,
                    std::optional<ProxyEndpoint> proxy, const TlsSettings& tls);

  std::unique_ptr<Poco::Net::HTTPClientSession> open() const;

  // When `e` says the proxy refused the CONNECT tunnel for a reason another attempt cannot
  // change (it wants credentials, or forbids the target), one line saying so.
  std::optional<std::string> describe_proxy_refusal(const Poco::Exception& e) const;

  const std::optional<ProxyEndpoint>& proxy() const { return proxy_; }
  const TlsSettings& tls() const { return tls_; }
  const std::string& host() const { return host_; }

 private:
  std::string scheme_;
  std::string host_;
  std::uint16_t port_;
  std::optional<ProxyEndpoint> proxy_;
  TlsSettings tls_;
  Poco::Net::Context::Ptr context_;  // null for http
};

}  // namespace xnatctl::http::detail
