#pragma once

// An in-process stand-in for the XNAT endpoints the core client uses, for tests that need to
// count logins, expire sessions on demand or inject failures: /data/JSESSION, /data/auth,
// /xapi/users/username, experiment and scan listings, plus /test/* endpoints for the HTTP
// client. Listens on 127.0.0.1 port 0 (optionally TLS with a certificate made at test time),
// stops itself after `max_runtime`, and joins every thread in the destructor.

#include <atomic>
#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

namespace xnatctl::testing {

struct RecordedRequest {
  std::string method;
  std::string uri;  // path and query as received
  std::map<std::string, std::string> headers;
  std::string body;
  unsigned short client_port = 0;  // same port = same (kept-alive) connection
};

struct FakeXnatOptions {
  bool tls = false;
  // How a bad password is answered: 401 (current XNAT) or 200 with an HTML login page
  // (what some deployments do).
  bool html_on_bad_login = false;
  std::chrono::seconds max_runtime{120};
};

class FakeXnat {
 public:
  explicit FakeXnat(FakeXnatOptions options = {});
  ~FakeXnat();
  FakeXnat(const FakeXnat&) = delete;
  FakeXnat& operator=(const FakeXnat&) = delete;

  std::string url() const;  // "http://127.0.0.1:PORT" / "https://127.0.0.1:PORT"
  unsigned short port() const;

  void add_user(const std::string& name, const std::string& password);
  // Every session id stops working (XNAT's inactivity timeout).
  void expire_sessions();
  // Makes a session id valid without a login (a token issued earlier).
  std::string issue_session(const std::string& user);

  int logins() const;
  int logouts() const;
  int failed_logins() const;
  std::vector<RecordedRequest> requests() const;
  // /test/flaky answers 503 (Retry-After: 0) this many times before 200.
  void set_flaky_failures(int n);
  // /test/race400 answers 400 this many times before 200.
  void set_race400_failures(int n);
  // Older servers have no /xapi/users/username (404).
  void set_xapi_available(bool available);

  struct State;  // shared with the request handlers

 private:
  std::shared_ptr<State> state_;
  struct Server;
  std::unique_ptr<Server> server_;
};

// Writes a self-signed certificate for localhost/127.0.0.1 into `dir` (cert.pem, key.pem) with
// the openssl command-line tool.
void make_self_signed_certificate(const std::filesystem::path& dir);

}  // namespace xnatctl::testing
