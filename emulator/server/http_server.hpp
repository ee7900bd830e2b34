// The HTTP(S) listener: Poco HTTPServer with a private, bounded ThreadPool that is joined on
// stop (toolchain.md pitfall 2), optional TLS via SecureServerSocket.
#pragma once

#include <Poco/Net/HTTPServer.h>
#include <Poco/ThreadPool.h>

#include <cstdint>
#include <memory>

#include "emulator.hpp"

namespace xnatctl::emulator {

class HttpServer {
 public:
  explicit HttpServer(Emulator& emu);
  ~HttpServer();
  std::uint16_t start();  // binds and serves; returns the port
  void stop();

 private:
  Emulator& emu_;
  std::unique_ptr<Poco::ThreadPool> pool_;
  std::unique_ptr<Poco::Net::HTTPServer> server_;
  bool tls_initialised_ = false;
};

}  // namespace xnatctl::emulator
