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

 private:
  Emulator& emu_;
};

}  // namespace xnatctl::emulator
