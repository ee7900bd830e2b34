// The HTTP(S) listener: a ConnectionGate holds each new connection until its request head is
// complete (so idle and slow-header connections occupy no thread), then Poco's HTTP connection
// runs it on a private, bounded ThreadPool that is joined on stop (toolchain.md pitfall 2).
// TLS is negotiated on the worker thread (the gate only waits for the first bytes).
#pragma once

#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/TCPServerDispatcher.h>
#include <Poco/SharedPtr.h>
#include <Poco/ThreadPool.h>

#include <cstdint>
#include <memory>

#include "connection_gate.hpp"
#include "emulator.hpp"

namespace xnatctl::emulator {

class RouterFactory;

class HttpServer {
 public:
  explicit HttpServer(Emulator& emu);
  ~HttpServer();
  std::uint16_t start();  // binds and serves; returns the port
  void stop();

 private:
  Emulator& emu_;
  std::unique_ptr<Poco::ThreadPool> pool_;
  std::unique_ptr<Poco::Net::ServerSocket> socket_;
  Poco::Net::TCPServerDispatcher* dispatcher_ = nullptr;  // reference-counted by Poco
  Poco::SharedPtr<RouterFactory> router_;
  std::unique_ptr<ConnectionGate> gate_;
  bool tls_initialised_ = false;
};

}  // namespace xnatctl::emulator
