#include "tls.hpp"

#include <Poco/Net/IPAddress.h>
#include <Poco/Net/InvalidCertificateHandler.h>
#include <Poco/Net/SSLException.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/Net/VerificationErrorArgs.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <mutex>
#include <optional>

namespace xnatctl::http::detail {
namespace {

struct VerifyError {
  int code = 0;
  std::string message;
  std::string subject;
};

// The handshake runs on the thread that sends the request, so the error OpenSSL reported
// to the handler below is found again by describe_tls_failure() on the same thread.
thread_local std::optional<VerifyError> last_verify_error;

// Refuses every certificate OpenSSL could not verify (never asks on the terminal, which
// Poco's default console handler would) and remembers why, so the error can name the cause.
class RecordingRejectHandler : public Poco::Net::InvalidCertificateHandler {
 public:
  RecordingRejectHandler() : Poco::Net::InvalidCertificateHandler(false) {}
  void onInvalidCertificate(const void* /*sender*/,
                            Poco::Net::VerificationErrorArgs& args) override {
    // The first error is the one that matters (later ones follow from it).
    if (!last_verify_error) {
      last_verify_error =
          VerifyError{args.errorNumber(), args.errorMessage(), args.certificate().subjectName()};
    }
    args.setIgnoreError(false);
  }
};

void install_reject_handler(const Poco::Net::Context::Ptr& context) {
  static std::once_flag once;
  std::call_once(once, [&] {
    Poco::Net::initializeSSL();
    Poco::Net::SSLManager::InvalidCertificateHandlerPtr handler(new RecordingRejectHandler());
    Poco::Net::SSLManager::instance().initializeClient(nullptr, handler, context);
  });
}

// Asks OpenSSL to match the certificate against the host during the handshake (RFC 6125:
// subjectAltName DNS names, wildcards in the left-most label only, IP addresses exactly).
void require_host_name(const Poco::Net::Context::Ptr& context, const std::string& host) {
  X509_VERIFY_PARAM* param = SSL_CTX_get0_param(context->sslContext());
  Poco::Net::IPAddress ip;
  if (Poco::Net::IPAddress::tryParse(host, ip)) {
    X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str());
  } else {
    X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    X509_VERIFY_PARAM_set1_host(param, host.c_str(), host.size());
  }
}

const char* const kHowToTrust =
    "put the site's CA certificate(s) in a PEM file and set 'ca_bundle: FILE' in the profile "
    "or SSL_CERT_FILE=FILE (or 'verify_ssl: false' for a test server)";

}  // namespace

Poco::Net::Context::Ptr make_client_tls_context(const TlsSettings& settings,
                                                const std::string& host) {
  Poco::Net::Context::Params params;
  // STRICT, not RELAXED: for a client both demand a verified chain, but RELAXED lets Poco
  // skip its host-name check for loopback addresses.
  params.verificationMode =
      settings.verify ? Poco::Net::Context::VERIFY_STRICT : Poco::Net::Context::VERIFY_NONE;
  params.caLocation = settings.ca_file.empty() ? settings.ca_dir : settings.ca_file;
  params.loadDefaultCAs = settings.verify && params.caLocation.empty();
  params.cipherList = "ALL:!ADH:!LOW:!EXP:!MD5:@STRENGTH";
  Poco::Net::Context::Ptr context(
      new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, params));
  context->requireMinimumProtocol(Poco::Net::Context::PROTO_TLSV1_2);
  if (settings.verify) require_host_name(context, host);
  install_reject_handler(context);
  return context;
}

bool is_certificate_failure(const Poco::Exception& e) {
  return last_verify_error.has_value() ||
         dynamic_cast<const Poco::Net::CertificateValidationException*>(&e) != nullptr ||
         e.displayText().find("certificate verify failed") != std::string::npos;
}

std::string describe_tls_failure(const Poco::Exception& e, const TlsSettings& settings,
                                 const std::string& host) {
  std::optional<VerifyError> error;
  error.swap(last_verify_error);
  if (!error) {
    if (dynamic_cast<const Poco::Net::CertificateValidationException*>(&e) != nullptr) {
      return "the server's certificate does not match the host name " + host + " (" +
             e.displayText() + ")";
    }
    return e.displayText();
  }
  switch (error->code) {
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
      return "the server's certificate is signed by an unknown CA (" + error->message +
             "; trusted: " + settings.ca_source + "): " + kHowToTrust;
    case X509_V_ERR_CERT_HAS_EXPIRED:
      return "the server's certificate has expired (" + error->subject +
             "): the server must renew it";
    case X509_V_ERR_CERT_NOT_YET_VALID:
      return "the server's certificate is not valid yet (" + error->subject +
             "): check this machine's clock";
    case X509_V_ERR_HOSTNAME_MISMATCH:
    case X509_V_ERR_IP_ADDRESS_MISMATCH:
      return "the server's certificate is for another host name, not " + host + " (" +
             error->subject + "): use the host name the certificate names in the profile url";
    default:
      return "the server's certificate was refused: " + error->message + " (" + error->subject +
             ")";
  }
}

}  // namespace xnatctl::http::detail
