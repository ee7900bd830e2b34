#include "http_server.hpp"

#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/Net/SecureServerSocket.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>

#include "request_router.hpp"

namespace xnatctl::emulator {

HttpServer::HttpServer(Emulator& emu) : emu_(emu) {}

HttpServer::~HttpServer() {
  stop();
}

std::uint16_t HttpServer::start() {
  const auto& cfg = emu_.config;
  const Poco::Net::SocketAddress address(cfg.bind_address, static_cast<Poco::UInt16>(cfg.port));
  std::unique_ptr<Poco::Net::ServerSocket> socket;
  if (!cfg.tls_cert.empty()) {
    Poco::Net::initializeSSL();
    tls_initialised_ = true;
    Poco::Net::Context::Ptr context =
        new Poco::Net::Context(Poco::Net::Context::TLS_SERVER_USE, cfg.tls_key.string(),
                               cfg.tls_cert.string(), "", Poco::Net::Context::VERIFY_NONE);
    socket = std::make_unique<Poco::Net::SecureServerSocket>(address, 128, context);
  } else {
    socket = std::make_unique<Poco::Net::ServerSocket>(address, 128);
  }
  const auto port = socket->address().port();

  // One thread per open connection: enough for 16 client workers with keep-alive plus
  // headroom, bounded so a 2-core machine is not swamped.
  const int threads = std::max(4, cfg.http_threads);
  pool_ = std::make_unique<Poco::ThreadPool>(2, threads + 2, 60);
  auto* params = new Poco::Net::HTTPServerParams;
  params->setMaxThreads(threads);
  params->setMaxQueued(256);
  params->setKeepAlive(true);
  params->setMaxKeepAliveRequests(0);  // unlimited
  params->setKeepAliveTimeout(Poco::Timespan(15, 0));
  params->setTimeout(Poco::Timespan(120, 0));
  params->setServerName("xnat-emulator");
  server_ =
      std::make_unique<Poco::Net::HTTPServer>(new RouterFactory(emu_), *pool_, *socket, params);
  server_->start();
  return port;
}

void HttpServer::stop() {
  if (server_) {
    server_->stopAll(true);
    pool_->joinAll();  // stopAll does not join the connection threads (pitfall 2)
    server_.reset();
    pool_.reset();
  }
  if (tls_initialised_) {
    Poco::Net::uninitializeSSL();
    tls_initialised_ = false;
  }
}

}  // namespace xnatctl::emulator
