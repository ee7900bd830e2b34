#include "http_server.hpp"

#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPServerConnection.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/Net/SecureStreamSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocketImpl.h>
#include <Poco/Net/TCPServerConnectionFactory.h>

#include <string_view>

#include "request_router.hpp"

namespace xnatctl::emulator {
namespace {

// Creates the HTTP connection on the worker thread, after the TLS handshake when serving
// HTTPS (bounded by the header timeout, like the request head).
class ConnectionFactory : public Poco::Net::TCPServerConnectionFactory {
 public:
  ConnectionFactory(Poco::Net::HTTPServerParams::Ptr params,
                    Poco::Net::HTTPRequestHandlerFactory::Ptr router, Poco::Net::Context::Ptr tls,
                    Poco::Timespan handshake_timeout)
      : params_(std::move(params)),
        router_(std::move(router)),
        tls_(std::move(tls)),
        handshake_timeout_(handshake_timeout) {}

  Poco::Net::TCPServerConnection* createConnection(const Poco::Net::StreamSocket& socket) override {
    Poco::Net::StreamSocket plain(socket);
    // Poco writes a response head and its body in separate sends; with Nagle on, a small
    // body waits for the client's delayed ACK (~40 ms per keep-alive request), which made
    // every small GET cost 45 ms. Real servers (Tomcat) set TCP_NODELAY too.
    plain.setNoDelay(true);
    if (tls_.isNull()) return new Poco::Net::HTTPServerConnection(plain, params_, router_);
    plain.setReceiveTimeout(handshake_timeout_);
    plain.setSendTimeout(handshake_timeout_);
    Poco::Net::SecureStreamSocket secure = Poco::Net::SecureStreamSocket::attach(plain, tls_);
    return new Poco::Net::HTTPServerConnection(secure, params_, router_);
  }

 private:
  Poco::Net::HTTPServerParams::Ptr params_;
  Poco::Net::HTTPRequestHandlerFactory::Ptr router_;
  Poco::Net::Context::Ptr tls_;
  Poco::Timespan handshake_timeout_;
};

// A request head ends with an empty line. TLS bytes are opaque here: the first of them is
// enough (the handshake and the head are then read with timeouts on the worker).
Readiness judge_http(std::string_view received, bool tls) {
  if (tls) return Readiness::kReady;
  const bool complete = received.find("\r\n\r\n") != std::string_view::npos ||
                        received.find("\n\n") != std::string_view::npos;
  return complete ? Readiness::kReady : Readiness::kWait;
}

}  // namespace

HttpServer::HttpServer(Emulator& emu) : emu_(emu) {}

HttpServer::~HttpServer() {
  // An exception leaving a destructor is std::terminate; stopping is best effort here.
  try {
    stop();
  } catch (...) {
  }
}

std::uint16_t HttpServer::start() {
  const auto& cfg = emu_.config;
  const Poco::Net::SocketAddress address(cfg.bind_address, static_cast<Poco::UInt16>(cfg.port));
  Poco::Net::Context::Ptr tls;
  if (!cfg.tls_cert.empty()) {
    Poco::Net::initializeSSL();
    tls_initialised_ = true;
    tls = new Poco::Net::Context(Poco::Net::Context::TLS_SERVER_USE, cfg.tls_key.string(),
                                 cfg.tls_cert.string(), "", Poco::Net::Context::VERIFY_NONE);
  }
  socket_ = std::make_unique<Poco::Net::ServerSocket>(address, 128);
  socket_->setBlocking(false);  // the gate accepts until EAGAIN
  const auto port = socket_->address().port();

  // One thread per open connection: enough for 16 client workers with keep-alive plus
  // headroom, bounded so a 2-core machine is not swamped.
  const int threads = std::max(4, cfg.http_threads);
  pool_ = std::make_unique<Poco::ThreadPool>(2, threads + 2, 60);
  Poco::Net::HTTPServerParams::Ptr params = new Poco::Net::HTTPServerParams;
  params->setMaxThreads(threads);
  params->setMaxQueued(256);
  params->setKeepAlive(true);
  params->setMaxKeepAliveRequests(0);  // unlimited
  params->setKeepAliveTimeout(Poco::Timespan(15, 0));
  params->setTimeout(Poco::Timespan(120, 0));
  params->setServerName("xnat-emulator");
  router_ = new RouterFactory(emu_);
  const Poco::Timespan header_timeout(
      static_cast<Poco::Timespan::TimeDiff>(cfg.header_timeout_seconds * 1e6));
  Poco::Net::TCPServerConnectionFactory::Ptr factory = new ConnectionFactory(
      params, Poco::Net::HTTPRequestHandlerFactory::Ptr(router_), tls, header_timeout);
  dispatcher_ = new Poco::Net::TCPServerDispatcher(factory, *pool_, params);

  GateOptions gate;
  gate.listen_fd = socket_->impl()->sockfd();
  gate.deadline =
      std::chrono::milliseconds(static_cast<long long>(cfg.header_timeout_seconds * 1000));
  const bool use_tls = !tls.isNull();
  gate.judge = [use_tls](std::string_view received) { return judge_http(received, use_tls); };
  gate.on_ready = [this](int fd) {
    dispatcher_->enqueue(Poco::Net::StreamSocket(new Poco::Net::StreamSocketImpl(fd)));
  };
  gate_ = std::make_unique<ConnectionGate>(gate);
  gate_->start();
  return port;
}

void HttpServer::stop() {
  if (gate_) {
    gate_->stop();
    gate_.reset();
  }
  if (dispatcher_ != nullptr) {
    dispatcher_->stop();
    router_->stop_connections();  // HTTPServer::stopAll(true): abort the running connections
    pool_->joinAll();             // the dispatcher does not join its threads (pitfall 2)
    dispatcher_->release();
    dispatcher_ = nullptr;
    pool_.reset();
  }
  socket_.reset();
  router_.reset();
  if (tls_initialised_) {
    Poco::Net::uninitializeSSL();
    tls_initialised_ = false;
  }
}

}  // namespace xnatctl::emulator
