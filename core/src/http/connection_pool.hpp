#pragma once

#include <Poco/Net/HTTPClientSession.h>

#include <memory>
#include <mutex>
#include <vector>

#include "connection_factory.hpp"

namespace xnatctl::http::detail {

// Idle keep-alive connections to one server, shared by all threads. A connection is in the
// pool only while nobody uses it, so each HTTPClientSession has one user at a time. New
// connections come from the factory only.
class ConnectionPool {
 public:
  struct Lease {
    std::unique_ptr<Poco::Net::HTTPClientSession> session;
    bool reused = false;  // a pooled connection may have been closed by the server meanwhile
  };

  ConnectionPool(std::shared_ptr<const ConnectionFactory> factory, std::size_t max_idle);

  Lease acquire();
  // Only for connections whose last response was read completely and allows keep-alive.
  void release(std::unique_ptr<Poco::Net::HTTPClientSession> session);

  const ConnectionFactory& factory() const { return *factory_; }

 private:
  std::shared_ptr<const ConnectionFactory> factory_;
  std::size_t max_idle_;
  std::mutex mutex_;
  std::vector<std::unique_ptr<Poco::Net::HTTPClientSession>> idle_;
};

}  // namespace xnatctl::http::detail
