#include "xnatctl/test_support/test_ca.hpp"

#include <fstream>
#include <stdexcept>

#include "xnatctl/test_support/child_process.hpp"

namespace xnatctl::test_support {
namespace {

void openssl(const std::vector<std::string>& args) {
  auto r = run_process("openssl", args, std::chrono::seconds(60));
  if (r.exit_status != 0) throw std::runtime_error("openssl failed: " + r.stderr_text);
}

}  // namespace

TestCa::TestCa(std::filesystem::path dir, std::string common_name) : dir_(std::move(dir)) {
  std::filesystem::create_directories(dir_);
  cert_ = dir_ / "ca.pem";
  key_ = dir_ / "ca.key";
  openssl({"req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "3", "-subj",
           "/CN=" + common_name, "-addext", "basicConstraints=critical,CA:TRUE", "-addext",
           "keyUsage=critical,keyCertSign,cRLSign", "-keyout", key_.string(), "-out",
           cert_.string()});
}

IssuedCertificate TestCa::issue(const std::string& name,
                                const std::vector<std::string>& subject_alt_names,
                                bool expired) const {
  IssuedCertificate issued{dir_ / (name + ".pem"), dir_ / (name + ".key")};
  const auto request = dir_ / (name + ".csr");
  std::string san;
  for (const auto& entry : subject_alt_names) san += (san.empty() ? "" : ",") + entry;
  const std::string common_name =
      subject_alt_names.empty()
          ? name
          : subject_alt_names.front().substr(subject_alt_names.front().find(':') + 1);
  openssl({"req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=" + common_name, "-keyout",
           issued.key.string(), "-out", request.string()});
  const auto extensions = dir_ / (name + ".ext");
  std::ofstream(extensions) << "basicConstraints=CA:FALSE\nsubjectAltName=" << san
                            << "\nextendedKeyUsage=serverAuth\n";
  if (!expired) {
    openssl({"x509", "-req", "-in", request.string(), "-CA", cert_.string(), "-CAkey",
             key_.string(), "-CAcreateserial", "-days", "2", "-extfile", extensions.string(),
             "-out", issued.cert.string()});
    return issued;
  }
  // `openssl x509` cannot back-date; `openssl ca` can, with a throw-away database.
  const auto db = dir_ / (name + "-ca-db");
  std::filesystem::create_directories(db);
  std::ofstream(db / "index.txt");
  std::ofstream(db / "serial") << "1000\n";
  const auto config = db / "ca.cnf";
  std::ofstream(config) << "[ca]\ndefault_ca=test\n[test]\ndir=" << db.string()
                        << "\ndatabase=$dir/index.txt\nserial=$dir/serial\nnew_certs_dir=$dir\n"
                           "default_md=sha256\npolicy=any\nunique_subject=no\n"
                           "[any]\ncommonName=supplied\n";
  openssl({"ca", "-batch", "-config", config.string(), "-cert", cert_.string(), "-keyfile",
           key_.string(), "-in", request.string(), "-out", issued.cert.string(), "-startdate",
           "20200101000000Z", "-enddate", "20200102000000Z", "-extfile", extensions.string(),
           "-notext"});
  return issued;
}

}  // namespace xnatctl::test_support
