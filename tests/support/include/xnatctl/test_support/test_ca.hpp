// A certificate authority for tests, made with the openssl command line in a directory of
// the caller's: a CA certificate and server certificates it signs, for the names a test
// chooses (the right host, another host, an expired one). Nothing is trusted outside the
// test: clients see the CA only through the bundle a test hands them.
//
//   xnatctl::test_support::TestCa ca(dir);
//   auto server = ca.issue("server", {"DNS:localhost", "IP:127.0.0.1"});
//   // server.cert / server.key for the emulator's --tls-cert/--tls-key, ca.cert() for clients
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace xnatctl::test_support {

struct IssuedCertificate {
  std::filesystem::path cert, key;
};

class TestCa {
 public:
  // Generates the CA key and self-signed CA certificate in `dir`; throws on failure.
  explicit TestCa(std::filesystem::path dir, std::string common_name = "xnatctl test CA");

  const std::filesystem::path& cert() const { return cert_; }

  // A server certificate signed by this CA, valid for `subject_alt_names`
  // ("DNS:localhost", "IP:127.0.0.1"). `expired` makes one whose validity ended in 2020.
  IssuedCertificate issue(const std::string& name,
                          const std::vector<std::string>& subject_alt_names,
                          bool expired = false) const;

 private:
  std::filesystem::path dir_, cert_, key_;
};

}  // namespace xnatctl::test_support
