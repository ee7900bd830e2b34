#pragma once

#include <Poco/Exception.h>
#include <Poco/Net/Context.h>

#include <string>

#include "xnatctl/http/tls_settings.hpp"

namespace xnatctl::http::detail {

// A client TLS context for one server. With verification on, the chain is checked against
// the CA source in `settings` and the certificate must name `host` (DNS name or IP address)
// for every host, loopback included: Poco's VERIFY_RELAXED skips its host-name check when the
// host is a loopback address, so the name is also handed to OpenSSL, which checks it during
// the handshake. verify=false accepts any certificate (profile `verify_ssl: false`).
Poco::Net::Context::Ptr make_client_tls_context(const TlsSettings& settings,
                                                const std::string& host);

// True when `e` (thrown during a TLS handshake) is a certificate verification failure.
bool is_certificate_failure(const Poco::Exception& e);

// One line naming the cause of a TLS failure on this thread (unknown CA, expired, name
// mismatch) and what to set; falls back to the exception text. Consumes the verification
// error recorded on this thread.
std::string describe_tls_failure(const Poco::Exception& e, const TlsSettings& settings,
                                 const std::string& host);

}  // namespace xnatctl::http::detail
