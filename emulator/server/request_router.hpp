// Poco request handler factory: faults, authentication, then dispatch by URL (reference §1.1).
#pragma once

#include <Poco/Net/HTTPRequestHandlerFactory.h>

#include "emulator.hpp"

namespace xnatctl::emulator {

class RouterFactory : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  explicit RouterFactory(Emulator& emu) : emu_(emu) {}
  Poco::Net::HTTPRequestHandler* createRequestHandler(
      const Poco::Net::HTTPServerRequest& request) override;
  // Tells every open HTTP connection to stop after aborting its current request (what
  // Poco's HTTPServer::stopAll(true) does through the same event).
  void stop_connections() { serverStopped(this, true); }

 private:
  Emulator& emu_;
};

}  // namespace xnatctl::emulator
