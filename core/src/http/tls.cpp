#include "tls.hpp"

#include <Poco/Net/RejectCertificateHandler.h>
#include <Poco/Net/SSLManager.h>

#include <mutex>

namespace xnatctl::http::detail {
namespace {

// Without an explicit handler Poco's SSLManager falls back to its console handler, which
// would ask the user on the terminal whether to accept a bad certificate. Install one that
// rejects, once per process.
void install_reject_handler(const Poco::Net::Context::Ptr& context) {
  static std::once_flag once;
  std::call_once(once, [&] {
    Poco::Net::initializeSSL();
    Poco::Net::SSLManager::InvalidCertificateHandlerPtr handler(
        new Poco::Net::RejectCertificateHandler(false));
    Poco::Net::SSLManager::instance().initializeClient(nullptr, handler, context);
  });
}

}  // namespace

Poco::Net::Context::Ptr make_client_tls_context(bool verify) {
  Poco::Net::Context::Params params;
  params.verificationMode =
      verify ? Poco::Net::Context::VERIFY_RELAXED : Poco::Net::Context::VERIFY_NONE;
  params.loadDefaultCAs = verify;
  params.cipherList = "ALL:!ADH:!LOW:!EXP:!MD5:@STRENGTH";
  Poco::Net::Context::Ptr context(
      new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, params));
  context->requireMinimumProtocol(Poco::Net::Context::PROTO_TLSV1_2);
  install_reject_handler(context);
  return context;
}

}  // namespace xnatctl::http::detail
