#pragma once

#include <Poco/Net/Context.h>

namespace xnatctl::http::detail {

// A client TLS context. verify=true checks the chain against the system CA store (OpenSSL
// honours SSL_CERT_FILE/SSL_CERT_DIR) and the host name; verify=false accepts any
// certificate (profile `verify_ssl: false`, for self-signed test servers).
Poco::Net::Context::Ptr make_client_tls_context(bool verify);

}  // namespace xnatctl::http::detail
