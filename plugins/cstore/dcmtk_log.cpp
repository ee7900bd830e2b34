#include "dcmtk_log.hpp"

#include <dcmtk/config/osconfig.h>  // must precede every other DCMTK header
#include <dcmtk/oflog/appender.h>
#include <dcmtk/oflog/logger.h>
#include <dcmtk/oflog/oflog.h>
#include <dcmtk/oflog/spi/logevent.h>

#include <string>

namespace cstore {
namespace {

constexpr const char* kLoggers[] = {"dcmtk.dcmnet", "dcmtk.dcmjpeg", "dcmtk.dcmjpls"};
constexpr const char* kAppenderName = "xnatctl-cstore";

class HostAppender : public dcmtk::log4cplus::Appender {
 public:
  explicit HostAppender(const xc::Host& host) : host_(host) { setName(kAppenderName); }
  ~HostAppender() override { destructorImpl(); }
  void close() override {}

 protected:
  void append(const dcmtk::log4cplus::spi::InternalLoggingEvent& event) override {
    host_.log(XC_LOG_DEBUG, std::string("DCMTK: ") + event.getMessage().c_str());
  }

 private:
  xc::Host host_;
};

}  // namespace

DcmtkLogRoute::DcmtkLogRoute(const xc::Host& host) {
  dcmtk::log4cplus::SharedAppenderPtr appender(new HostAppender(host));
  for (const char* name : kLoggers) {
    dcmtk::log4cplus::Logger logger = dcmtk::log4cplus::Logger::getInstance(name);
    logger.setAdditivity(false);  // not to the console appender on the root logger
    logger.addAppender(appender);
    // Warnings and errors only: DCMTK's INFO chatter per message costs time and says nothing
    // the plugin's own debug lines do not.
    logger.setLogLevel(dcmtk::log4cplus::WARN_LOG_LEVEL);
  }
}

DcmtkLogRoute::~DcmtkLogRoute() {
  for (const char* name : kLoggers) {
    dcmtk::log4cplus::Logger logger = dcmtk::log4cplus::Logger::getInstance(name);
    logger.removeAppender(kAppenderName);
    logger.setAdditivity(true);
    logger.setLogLevel(dcmtk::log4cplus::NOT_SET_LOG_LEVEL);
  }
}

}  // namespace cstore
