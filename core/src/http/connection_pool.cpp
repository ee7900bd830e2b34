#include "connection_pool.hpp"

namespace xnatctl::http::detail {

ConnectionPool::ConnectionPool(std::shared_ptr<const ConnectionFactory> factory,
                               std::size_t max_idle)
    : factory_(std::move(factory)), max_idle_(max_idle) {}

ConnectionPool::Lease ConnectionPool::acquire() {
  {
    std::lock_guard lock(mutex_);
    while (!idle_.empty()) {
      auto session = std::move(idle_.back());
      idle_.pop_back();
      if (session->connected()) return {std::move(session), true};
    }
  }
  return {factory_->open(), false};
}

void ConnectionPool::release(std::unique_ptr<Poco::Net::HTTPClientSession> session) {
  std::lock_guard lock(mutex_);
  if (idle_.size() < max_idle_) idle_.push_back(std::move(session));
}

}  // namespace xnatctl::http::detail
