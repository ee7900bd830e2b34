#include "fake_xnat.hpp"

#include <Poco/MD5Engine.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPBasicCredentials.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/NameValueCollection.h>
#include <Poco/Net/SecureServerSocket.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/StreamCopier.h>
#include <Poco/ThreadPool.h>
#include <Poco/URI.h>

#include <condition_variable>
#include <cstdlib>
#include <stdexcept>
#include <thread>

namespace xnatctl::testing {

struct FakeXnat::State {
  FakeXnatOptions options;
  mutable std::mutex mutex;
  std::map<std::string, std::string> users;
  std::map<std::string, std::string> sessions;  // id -> user
  std::vector<RecordedRequest> requests;
  int next_session = 1;
  std::atomic<int> logins{0};
  std::atomic<int> logouts{0};
  std::atomic<int> failed_logins{0};
  std::atomic<int> flaky_left{0};
  std::atomic<int> race400_left{0};
  std::atomic<bool> xapi{true};
  // /test/stall holds its answer until the server shuts down.
  std::mutex stall_mutex;
  std::condition_variable stall_release;
  bool stopping = false;

  std::string new_session(const std::string& user) {
    std::lock_guard lock(mutex);
    std::string id = "SESSION" + std::to_string(next_session++) + "X";
    sessions[id] = user;
    return id;
  }
};

namespace {

using Poco::Net::HTTPResponse;
using Poco::Net::HTTPServerRequest;
using Poco::Net::HTTPServerResponse;

const char* kExperiments = R"({"ResultSet":{"Result":[
 {"ID":"XNAT_E00001","label":"SESS001","subject_label":"SUB001","date":"2025-01-15","xsiType":"xnat:mrSessionData","URI":"/data/experiments/XNAT_E00001"},
 {"ID":"XNAT_E00002","label":"SESS002","subject_label":"SUB002","date":"","xsiType":"xnat:eegSessionData","URI":"/data/experiments/XNAT_E00002"}
], "totalRecords": "2"}})";

const char* kMrScans = R"({"ResultSet":{"Result":[
 {"xnat_imagescandata_id":"1","ID":"1","type":"T1w","quality":"usable","xsiType":"xnat:mrScanData","note":"first","series_description":"T1 MPRAGE","URI":"/data/experiments/XNAT_E00001/scans/1"},
 {"xnat_imagescandata_id":"2","ID":"2","type":"T2w","quality":"questionable","xsiType":"xnat:mrScanData","note":"","series_description":"T2 TSE","URI":"/data/experiments/XNAT_E00001/scans/2"}
], "totalRecords": "2"}})";

class Handler : public Poco::Net::HTTPRequestHandler {
 public:
  explicit Handler(std::shared_ptr<FakeXnat::State> state) : state_(std::move(state)) {}

  void handleRequest(HTTPServerRequest& request, HTTPServerResponse& response) override {
    RecordedRequest record;
    record.method = request.getMethod();
    record.uri = request.getURI();
    for (const auto& [name, value] : request) record.headers[name] = value;
    record.client_port = request.clientAddress().port();
    // Bodies of /test/upload are hashed, not kept: they can be large.
    Poco::URI uri(request.getURI());
    const std::string& path = uri.getPath();
    std::string body;
    if (path != "/test/upload") Poco::StreamCopier::copyToString(request.stream(), body);
    record.body = body;
    {
      std::lock_guard lock(state_->mutex);
      state_->requests.push_back(record);
    }
    route(request, response, uri, path);
  }

 private:
  void send(HTTPServerResponse& response, HTTPResponse::HTTPStatus status, const std::string& body,
            const std::string& type = "text/plain") {
    response.setStatus(status);
    response.setContentType(type);
    response.setContentLength(static_cast<std::streamsize>(body.size()));
    response.send() << body;
  }

  void unauthorized(HTTPServerResponse& response) {
    response.set("WWW-Authenticate", "Basic realm=\"XNAT\"");
    send(response, HTTPResponse::HTTP_UNAUTHORIZED, "<html><body>Unauthorized</body></html>",
         "text/html");
  }

  // The user behind the cookie or Basic credentials; empty when not authenticated.
  std::string user_of(HTTPServerRequest& request) {
    Poco::Net::NameValueCollection cookies;
    request.getCookies(cookies);
    if (cookies.has("JSESSIONID")) {
      std::lock_guard lock(state_->mutex);
      auto it = state_->sessions.find(cookies.get("JSESSIONID"));
      if (it != state_->sessions.end()) return it->second;
    }
    if (request.hasCredentials()) {
      try {
        Poco::Net::HTTPBasicCredentials basic(request);
        std::lock_guard lock(state_->mutex);
        auto it = state_->users.find(basic.getUsername());
        if (it != state_->users.end() && it->second == basic.getPassword()) return it->first;
      } catch (...) {
      }
    }
    return {};
  }

  void route(HTTPServerRequest& request, HTTPServerResponse& response, const Poco::URI& uri,
             const std::string& path) {
    const std::string& method = request.getMethod();
    if (path == "/data/JSESSION" && method == "DELETE") {
      Poco::Net::NameValueCollection cookies;
      request.getCookies(cookies);
      if (cookies.has("JSESSIONID")) {
        std::lock_guard lock(state_->mutex);
        state_->sessions.erase(cookies.get("JSESSIONID"));
      }
      ++state_->logouts;
      send(response, HTTPResponse::HTTP_OK, "");
      return;
    }
    if (path == "/data/JSESSION") {
      if (!request.hasCredentials()) {
        // A cookie-only GET keeps the session alive (the heartbeat).
        std::string user = user_of(request);
        if (user.empty()) return unauthorized(response);
        Poco::Net::NameValueCollection cookies;
        request.getCookies(cookies);
        return send(response, HTTPResponse::HTTP_OK, cookies.get("JSESSIONID", ""));
      }
      Poco::Net::HTTPBasicCredentials basic(request);
      bool good = false;
      {
        std::lock_guard lock(state_->mutex);
        auto it = state_->users.find(basic.getUsername());
        good = it != state_->users.end() && it->second == basic.getPassword();
      }
      if (!good) {
        ++state_->failed_logins;
        if (state_->options.html_on_bad_login) {
          return send(response, HTTPResponse::HTTP_OK,
                      "<!DOCTYPE html><html><body>Login</body></html>", "text/html");
        }
        return unauthorized(response);
      }
      ++state_->logins;
      // A little latency makes the 16-thread re-login test meaningful: threads pile up.
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      return send(response, HTTPResponse::HTTP_OK, state_->new_session(basic.getUsername()));
    }
    if (path.rfind("/test/", 0) == 0) return test_endpoint(request, response, uri, path);

    const std::string user = user_of(request);
    if (user.empty()) return unauthorized(response);
    if (path == "/xapi/users/username" && state_->xapi)
      return send(response, HTTPResponse::HTTP_OK, user);
    if (path == "/data/auth") {
      return send(response, HTTPResponse::HTTP_OK, "User '" + user + "' is logged in");
    }
    if (path == "/data/projects/P1/experiments") {
      return send(response, HTTPResponse::HTTP_OK, kExperiments, "application/json");
    }
    if (path == "/data/projects/EMPTY/experiments") {
      return send(response, HTTPResponse::HTTP_OK, R"({"ResultSet":{"Result":[]}})",
                  "application/json");
    }
    if (path == "/data/projects/P1/experiments/SESS001" ||
        path == "/data/experiments/XNAT_E00001") {
      return send(
          response, HTTPResponse::HTTP_OK,
          R"({"items":[{"meta":{"xsi:type":"xnat:mrSessionData"},"data_fields":{"ID":"XNAT_E00001","label":"SESS001"}}]})",
          "application/json");
    }
    if (path == "/data/projects/P1/experiments/SESS001/scans" ||
        path == "/data/experiments/XNAT_E00001/scans") {
      return send(response, HTTPResponse::HTTP_OK, kMrScans, "application/json");
    }
    send(response, HTTPResponse::HTTP_NOT_FOUND, "Unable to find the specified experiment.");
  }

  void test_endpoint(HTTPServerRequest& request, HTTPServerResponse& response, const Poco::URI& uri,
                     const std::string& path) {
    if (path == "/test/upload") {
      Poco::MD5Engine md5;
      char buffer[65536];
      std::size_t total = 0;
      auto& in = request.stream();
      while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
        md5.update(buffer, static_cast<unsigned>(in.gcount()));
        total += static_cast<std::size_t>(in.gcount());
      }
      return send(response, HTTPResponse::HTTP_OK,
                  std::to_string(total) + " " + Poco::DigestEngine::digestToHex(md5.digest()));
    }
    if (path == "/test/flaky") {
      if (state_->flaky_left.fetch_sub(1) > 0) {
        response.set("Retry-After", "0");
        return send(response, HTTPResponse::HTTP_SERVICE_UNAVAILABLE, "busy");
      }
      return send(response, HTTPResponse::HTTP_OK, "ok");
    }
    if (path == "/test/race400") {
      if (state_->race400_left.fetch_sub(1) > 0) {
        return send(response, HTTPResponse::HTTP_BAD_REQUEST,
                    "Concurrent file sends of the same data is not supported.");
      }
      return send(response, HTTPResponse::HTTP_OK, "ok");
    }
    if (path == "/test/big") {
      std::size_t size = 0;
      for (const auto& [k, v] : uri.getQueryParameters()) {
        if (k == "size") size = std::stoul(v);
      }
      response.setStatus(HTTPResponse::HTTP_OK);
      response.setChunkedTransferEncoding(true);
      auto& out = response.send();
      std::string block(4096, 'x');
      for (std::size_t sent = 0; sent < size; sent += block.size()) {
        out.write(block.data(), static_cast<std::streamsize>(std::min(block.size(), size - sent)));
      }
      return;
    }
    if (path == "/test/echo") {
      std::string text = request.getMethod() + " " + request.getURI() + "\n";
      for (const auto& [name, value] : request) text += name + ": " + value + "\n";
      return send(response, HTTPResponse::HTTP_OK, text);
    }
    if (path == "/test/stall") {
      std::unique_lock lock(state_->stall_mutex);
      state_->stall_release.wait_for(lock, std::chrono::seconds(30),
                                     [this] { return state_->stopping; });
      return send(response, HTTPResponse::HTTP_OK, "too late");
    }
    if (path == "/test/protected") {
      if (user_of(request).empty()) return unauthorized(response);
      return send(response, HTTPResponse::HTTP_OK, "secret data");
    }
    send(response, HTTPResponse::HTTP_NOT_FOUND, "no such test endpoint");
  }

  std::shared_ptr<FakeXnat::State> state_;
};

class Factory : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  explicit Factory(std::shared_ptr<FakeXnat::State> state) : state_(std::move(state)) {}
  Poco::Net::HTTPRequestHandler* createRequestHandler(const HTTPServerRequest&) override {
    return new Handler(state_);
  }

 private:
  std::shared_ptr<FakeXnat::State> state_;
};

}  // namespace

void make_self_signed_certificate(const std::filesystem::path& dir) {
  const std::string command =
      "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1"
      " -subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1"
      " -keyout '" +
      (dir / "key.pem").string() + "' -out '" + (dir / "cert.pem").string() + "' >/dev/null 2>&1";
  if (std::system(command.c_str()) != 0) throw std::runtime_error("openssl req failed");
}

struct FakeXnat::Server {
  std::filesystem::path cert_dir;
  Poco::ThreadPool pool{2, 48};
  std::unique_ptr<Poco::Net::HTTPServer> http;
  unsigned short port = 0;
  std::mutex mutex;
  std::condition_variable stop_now;
  bool stopping = false;
  std::thread watchdog;
};

FakeXnat::FakeXnat(FakeXnatOptions options)
    : state_(std::make_shared<State>()), server_(std::make_unique<Server>()) {
  state_->options = options;
  auto* params = new Poco::Net::HTTPServerParams;
  params->setMaxThreads(48);
  params->setKeepAlive(true);
  Poco::Net::SocketAddress address("127.0.0.1", 0);
  if (options.tls) {
    server_->cert_dir = std::filesystem::temp_directory_path() /
                        ("xnatctl-fake-tls-" + std::to_string(::getpid()) + "-" +
                         std::to_string(reinterpret_cast<std::uintptr_t>(this)));
    std::filesystem::create_directories(server_->cert_dir);
    make_self_signed_certificate(server_->cert_dir);
    Poco::Net::Context::Ptr context(new Poco::Net::Context(
        Poco::Net::Context::TLS_SERVER_USE, (server_->cert_dir / "key.pem").string(),
        (server_->cert_dir / "cert.pem").string(), "", Poco::Net::Context::VERIFY_NONE));
    Poco::Net::SecureServerSocket socket(address, 64, context);
    server_->port = socket.address().port();
    server_->http =
        std::make_unique<Poco::Net::HTTPServer>(new Factory(state_), server_->pool, socket, params);
  } else {
    Poco::Net::ServerSocket socket(address, 64);
    server_->port = socket.address().port();
    server_->http =
        std::make_unique<Poco::Net::HTTPServer>(new Factory(state_), server_->pool, socket, params);
  }
  server_->http->start();
  // Bounded in time even if a test hangs: the server stops accepting after max_runtime.
  server_->watchdog = std::thread([server = server_.get(), limit = options.max_runtime] {
    std::unique_lock lock(server->mutex);
    if (!server->stop_now.wait_for(lock, limit, [server] { return server->stopping; })) {
      server->http->stop();
    }
  });
}

FakeXnat::~FakeXnat() {
  {
    std::lock_guard lock(server_->mutex);
    server_->stopping = true;
  }
  server_->stop_now.notify_all();
  server_->watchdog.join();
  {
    std::lock_guard lock(state_->stall_mutex);
    state_->stopping = true;
  }
  state_->stall_release.notify_all();
  server_->http->stopAll(true);
  server_->pool.joinAll();
  if (!server_->cert_dir.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(server_->cert_dir, ec);
  }
}

std::string FakeXnat::url() const {
  return std::string(state_->options.tls ? "https" : "http") +
         "://127.0.0.1:" + std::to_string(server_->port);
}

unsigned short FakeXnat::port() const {
  return server_->port;
}

void FakeXnat::add_user(const std::string& name, const std::string& password) {
  std::lock_guard lock(state_->mutex);
  state_->users[name] = password;
}

void FakeXnat::expire_sessions() {
  std::lock_guard lock(state_->mutex);
  state_->sessions.clear();
}

std::string FakeXnat::issue_session(const std::string& user) {
  return state_->new_session(user);
}

int FakeXnat::logins() const {
  return state_->logins.load();
}
int FakeXnat::logouts() const {
  return state_->logouts.load();
}
int FakeXnat::failed_logins() const {
  return state_->failed_logins.load();
}
void FakeXnat::set_flaky_failures(int n) {
  state_->flaky_left = n;
}
void FakeXnat::set_race400_failures(int n) {
  state_->race400_left = n;
}
void FakeXnat::set_xapi_available(bool available) {
  state_->xapi = available;
}

std::vector<RecordedRequest> FakeXnat::requests() const {
  std::lock_guard lock(state_->mutex);
  return state_->requests;
}

}  // namespace xnatctl::testing
