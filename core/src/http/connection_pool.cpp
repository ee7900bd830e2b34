#include "connection_pool.hpp"

#include <Poco/Net/HTTPSClientSession.h>

namespace xnatctl::http::detail {

ConnectionPool::ConnectionPool(std::string scheme, std::string host, unsigned short port,
                               Poco::Net::Context::Ptr tls, std::size_t max_idle)
    : scheme_(std::move(scheme)),
      host_(std::move(host)),
      port_(port),
      tls_(std::move(tls)),
      max_idle_(max_idle) {}

ConnectionPool::Lease ConnectionPool::acquire() {
  {
    std::lock_guard lock(mutex_);
    while (!idle_.empty()) {
      auto session = std::move(idle_.back());
      idle_.pop_back();
      if (session->connected()) return {std::move(session), true};
    }
  }
  return {open(), false};
}

void ConnectionPool::release(std::unique_ptr<Poco::Net::HTTPClientSession> session) {
  std::lock_guard lock(mutex_);
  if (idle_.size() < max_idle_) idle_.push_back(std::move(session));
}

std::unique_ptr<Poco::Net::HTTPClientSession> ConnectionPool::open() const {
  std::unique_ptr<Poco::Net::HTTPClientSession> session;
  if (scheme_ == "https") {
    session = std::make_unique<Poco::Net::HTTPSClientSession>(host_, port_, tls_);
  } else {
    session = std::make_unique<Poco::Net::HTTPClientSession>(host_, port_);
  }
  session->setKeepAlive(true);
  return session;
}

}  // namespace xnatctl::http::detail
