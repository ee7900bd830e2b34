#pragma once

#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPClientSession.h>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace xnatctl::http::detail {

// Idle keep-alive connections to one server, shared by all threads. A connection is in the
// pool only while nobody uses it, so each HTTPClientSession has one user at a time.
class ConnectionPool {
 public:
  struct Lease {
    std::unique_ptr<Poco::Net::HTTPClientSession> session;
    bool reused = false;  // a pooled connection may have been closed by the server meanwhile
  };

  ConnectionPool(std::string scheme, std::string host, unsigned short port,
                 Poco::Net::Context::Ptr tls, std::size_t max_idle);

  Lease acquire();
  // Only for connections whose last response was read completely and allows keep-alive.
  void release(std::unique_ptr<Poco::Net::HTTPClientSession> session);

 private:
  std::unique_ptr<Poco::Net::HTTPClientSession> open() const;

  std::string scheme_;
  std::string host_;
  unsigned short port_;
  Poco::Net::Context::Ptr tls_;
  std::size_t max_idle_;
  std::mutex mutex_;
  std::vector<std::unique_ptr<Poco::Net::HTTPClientSession>> idle_;
};

}  // namespace xnatctl::http::detail
