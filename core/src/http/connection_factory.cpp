#include "connection_factory.hpp"

#include <Poco/Net/HTTPSClientSession.h>

#include "tls.hpp"

namespace xnatctl::http::detail {

ConnectionFactory::ConnectionFactory(std::string scheme, std::string host, std::uint16_t port,
                                     std::optional<ProxyEndpoint> proxy, const TlsSettings& tls)
    : scheme_(std::move(scheme)),
      host_(std::move(host)),
      port_(port),
      proxy_(std::move(proxy)),
      tls_(tls) {
  if (scheme_ == "https") context_ = make_client_tls_context(tls_, host_);
}

std::unique_ptr<Poco::Net::HTTPClientSession> ConnectionFactory::open() const {
  std::unique_ptr<Poco::Net::HTTPClientSession> session;
  if (context_) {
    session = std::make_unique<Poco::Net::HTTPSClientSession>(host_, port_, context_);
  } else {
    session = std::make_unique<Poco::Net::HTTPClientSession>(host_, port_);
  }
  if (proxy_) {
    Poco::Net::HTTPClientSession::ProxyConfig config;
    config.host = proxy_->host;
    config.port = proxy_->port;
    config.username = proxy_->username;
    config.password = proxy_->password;
    // Without credentials Poco would still send an empty "Proxy-Authorization: Basic".
    config.authMethod = proxy_->username.empty()
                            ? Poco::Net::HTTPClientSession::PROXY_AUTH_NONE
                            : Poco::Net::HTTPClientSession::PROXY_AUTH_HTTP_BASIC;
    // NO_PROXY was applied when the route was chosen; Poco's own bypass regex stays empty.
    session->setProxyConfig(config);
  }
  session->setKeepAlive(true);
  return session;
}

std::optional<std::string> ConnectionFactory::describe_proxy_refusal(
    const Poco::Exception& e) const {
  // Poco's CONNECT keeps only the reason phrase of the proxy's answer, not its status.
  const std::string text = e.displayText();
  if (!proxy_ || text.find("Cannot establish proxy connection") == std::string::npos) {
    return std::nullopt;
  }
  const std::string tunnel = "the proxy " + proxy_->redacted() + " refused the tunnel to " + host_ +
                             ":" + std::to_string(port_) + " (" + e.message() + ")";
  // 407 says "Proxy Authentication Required"; tinyproxy answers wrong credentials with 401.
  if (text.find("Authentication") != std::string::npos ||
      text.find("Unauthorized") != std::string::npos) {
    return tunnel + (proxy_->username.empty()
                         ? ": it requires credentials; put them in the proxy URL "
                           "(http://USER:PASSWORD@host:port)"
                         : ": it did not accept the credentials of the proxy URL");
  }
  if (text.find("Forbidden") != std::string::npos || text.find("denied") != std::string::npos) {
    return tunnel + ": ask the proxy's administrator to allow this server and port";
  }
  return std::nullopt;
}

}  // namespace xnatctl::http::detail
