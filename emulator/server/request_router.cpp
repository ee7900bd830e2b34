#include "request_router.hpp"

#include <Poco/Exception.h>
#include <Poco/Net/HTTPCookie.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/NameValueCollection.h>
#include <Poco/URI.h>

#include <iostream>
#include <optional>
#include <set>

#include "request_context.hpp"

namespace xnatctl::emulator {
namespace {

void drain(std::istream& in) {
  char buf[64 * 1024];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
  }
}

// Before answering early (error, fault, 401) the unread rest of a request body is read and
// dropped, like Tomcat's swallowing: closing with unread bytes makes the kernel send RST and
// the client would see a reset instead of our status. Past 64 MiB we give up and close.
void swallow_body(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response,
                  std::istream* body) {
  if (!request.getChunkedTransferEncoding() && !request.hasContentLength()) return;
  if (request.hasContentLength() && request.getContentLength64() == 0) return;
  try {
    std::istream& in = body ? *body : request.stream();
    char buf[64 * 1024];
    std::uint64_t total = 0;
    while (in.read(buf, sizeof buf) || in.gcount() > 0) {
      total += static_cast<std::uint64_t>(in.gcount());
      if (total > (64u << 20)) {
        response.setKeepAlive(false);
        return;
      }
    }
  } catch (...) {
    response.setKeepAlive(false);
  }
}

class Router : public Poco::Net::HTTPRequestHandler {
 public:
  explicit Router(Emulator& emu) : emu_(emu) {}

  void handleRequest(Poco::Net::HTTPServerRequest& request,
                     Poco::Net::HTTPServerResponse& response) override {
    try {
      route(request, response);
    } catch (const ConnectionResetInjected&) {
      // The socket is gone on purpose; nothing to answer.
    } catch (const BrokenBody& e) {
      // What is left of the body cannot be read or skipped: answer, then close.
      response.setKeepAlive(false);
      if (!response.sent()) send_error(response, 400, e.what());
    } catch (const HttpError& e) {
      answer_error(request, response, e.status, e.what());
    } catch (const PathOutsideDataRoot& e) {
      answer_error(request, response, 400, std::string("Invalid path: ") + e.what());
    } catch (const Poco::SyntaxException&) {
      // A malformed %-escape in the path or query (Poco::URI::decode).
      answer_error(request, response, 400, "Bad Request: malformed URL encoding");
    } catch (const std::exception& e) {
      // The detail (often a server path) goes to our log, not to the client.
      std::cerr << "xnat-emulator: " + request.getMethod() + " " + request.getURI() + ": " +
                       e.what() + "\n";
      answer_error(request, response, 500, "Internal Server Error");
    }
  }

 private:
  void answer_error(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response,
                    int status, const std::string& message) {
    if (response.sent()) return;
    swallow_body(request, response, body_);
    send_error(response, status, message);
  }

  void route(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) {
    // Split the raw URI ourselves: segments are decoded one by one so an encoded '/' stays
    // inside its segment (Poco 1.11's URI has no raw-path accessor).
    const std::string& target = request.getURI();
    const auto qmark = target.find('?');
    std::string raw_path = target.substr(0, qmark);
    // Under a context path nothing outside it exists, as with a webapp in Tomcat.
    const std::string& context_path = emu_.config.context_path;
    if (!context_path.empty()) {
      if (raw_path.rfind(context_path + "/", 0) != 0) {
        send_error(response, 404, "Not Found");
        return;
      }
      raw_path.erase(0, context_path.size());
    }
    const std::string raw_query = qmark == std::string::npos ? "" : target.substr(qmark + 1);
    // One << per line: the handler threads share stderr, and separate << calls interleave.
    if (emu_.config.verbose) std::cerr << request.getMethod() + " " + request.getURI() + "\n";

    // Tomcat answers methods it does not know with 501; XNAT's resources only know these.
    static const std::set<std::string> kMethods = {"GET", "HEAD",   "POST",
                                                   "PUT", "DELETE", "OPTIONS"};
    if (kMethods.count(request.getMethod()) == 0) {
      response.setKeepAlive(false);
      send_error(response, 501, "Method " + request.getMethod() + " is not implemented");
      return;
    }

    if (raw_path == "/app/template/Login.vm" || raw_path == "/login") {
      send_text(response, 200, "<html><body><h3>XNAT login (emulator)</h3></body></html>",
                "text/html");
      return;
    }
    std::vector<std::string> segments = split_path(raw_path);
    bool xapi = false;
    if (!segments.empty() && (segments[0] == "data" || segments[0] == "REST")) {
      segments.erase(segments.begin());
    } else if (!segments.empty() && segments[0] == "xapi") {
      xapi = true;
      segments.erase(segments.begin());
    } else {
      send_error(response, 404, "Not Found");
      return;
    }

    emu_.faults.apply_latency();
    if (answer_fault_redirect_or_404(request, response, raw_path)) return;
    if (int status = emu_.faults.draw_5xx()) {
      swallow_body(request, response, nullptr);
      send_error(response, status, "Injected fault");
      return;
    }

    // Owned by the handler (not this frame) so swallow_body() can still read the body after an
    // exception has left route().
    context_.emplace(emu_, request, response, std::move(segments));
    RequestContext& ctx = *context_;
    ctx.params.add_query(raw_query);
    body_ = &ctx.body();  // the (fault-wrapped) body, for swallow_body() on errors
    if (!authenticate(ctx)) return;

    if (xapi) {
      route_xapi(ctx);
    } else {
      route_data(ctx);
    }
    // Unread request bodies would poison a keep-alive connection.
    if (request.getMethod() != "GET" && request.getMethod() != "HEAD") {
      try {
        drain(ctx.body());
      } catch (...) {
      }
    }
  }

  // --fault-redirect and --fault-404 (faults.hpp), before authentication like a proxy's.
  bool answer_fault_redirect_or_404(Poco::Net::HTTPServerRequest& request,
                                    Poco::Net::HTTPServerResponse& response,
                                    const std::string& raw_path) {
    const FaultConfig& faults = emu_.faults.config();
    if (!faults.redirect_base.empty()) {
      swallow_body(request, response, nullptr);
      response.set("Location", faults.redirect_base + request.getURI());
      send_text(response, 302, "");
      return true;
    }
    for (const auto& path : faults.not_found_paths) {
      if (path != raw_path) continue;
      swallow_body(request, response, nullptr);
      send_error(response, 404, "Not Found");
      return true;
    }
    return false;
  }

  // Basic on any request, else a live JSESSIONID cookie (§2.1, §2.2); otherwise 401 with the
  // Basic challenge for non-browser agents, 302 to the login page for browsers (§1.5).
  bool authenticate(RequestContext& ctx) {
    auto& rq = ctx.request;
    Poco::Net::NameValueCollection cookies;
    rq.getCookies(cookies);
    const std::string cookie_id = cookies.get("JSESSIONID", "");

    if (rq.has("Authorization")) {
      auto creds = parse_basic_auth(rq.get("Authorization"));
      if (!creds || !ctx.emu.sessions.check_password(creds->first, creds->second)) {
        ctx.response.set("WWW-Authenticate", "Basic realm=\"" + ctx.emu.config.site_id + "\"");
        swallow_body(ctx.request, ctx.response, body_);
        send_error(ctx.response, 401, "Login attempt failed. Please try again.");
        return false;
      }
      std::string user = creds->first;
      if (auto slash = user.find('/'); slash != std::string::npos) user = user.substr(slash + 1);
      auto live = cookie_id.empty() ? std::nullopt : ctx.emu.sessions.touch(cookie_id);
      if (live && *live == user) {
        ctx.session_id = cookie_id;
      } else {
        ctx.session_id = ctx.emu.sessions.create_session(user);
        set_session_cookies(ctx);
        // One line per login as the server sees it, so tests can count re-logins independently
        // of the client (any Basic request without a live cookie of that user is one).
        if (ctx.emu.config.verbose)
          std::cerr << "xnat-emulator: new HTTP session for " + user + "\n";
      }
      ctx.user = user;
      return true;
    }
    if (!cookie_id.empty()) {
      if (auto user = ctx.emu.sessions.touch(cookie_id)) {
        ctx.user = *user;
        ctx.session_id = cookie_id;
        return true;
      }
    }
    if (is_interactive_agent(rq.get("User-Agent", ""))) {
      swallow_body(ctx.request, ctx.response, body_);
      ctx.response.redirect(ctx.emu.config.context_path + "/app/template/Login.vm",
                            Poco::Net::HTTPResponse::HTTP_FOUND);
      return false;
    }
    ctx.response.set("WWW-Authenticate", "Basic realm=\"" + ctx.emu.config.site_id + "\"");
    swallow_body(ctx.request, ctx.response, body_);
    send_error(ctx.response, 401, "Unauthorized");
    return false;
  }

  void set_session_cookies(RequestContext& ctx) {
    Poco::Net::HTTPCookie jsession("JSESSIONID", ctx.session_id);
    jsession.setPath(ctx.emu.config.context_path + "/");
    jsession.setHttpOnly(true);
    ctx.response.addCookie(jsession);
    const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
    Poco::Net::HTTPCookie expiry(
        "SESSION_EXPIRATION_TIME",
        "\"" + std::to_string(now_ms) + "," +
            std::to_string(ctx.emu.config.session_timeout_seconds * 1000LL) + "\"");
    expiry.setPath(ctx.emu.config.context_path + "/");
    ctx.response.addCookie(expiry);
  }

  void route_xapi(RequestContext& ctx) {
    const auto& s = ctx.segments;
    if (s.size() == 2 && s[0] == "users" && s[1] == "username") {
      send_text(ctx.response, 200, ctx.user);  // §2.3
      return;
    }
    if (s.size() == 3 && s[0] == "users" && s[1] == "active" && ctx.method() == "DELETE") {
      std::string body = "[";
      for (const auto& id : ctx.emu.sessions.invalidate_user(s[2]))
        body += (body.size() > 1 ? "," : "") + json_quote(id);
      send_json(ctx.response, 200, body + "]");  // §2.2, T TestUserAccess.invalidateJsessions
      return;
    }
    if (s.size() == 2 && s[0] == "siteConfig" && s[1] == "buildInfo") {
      send_json(ctx.response, 200,
                "{\"version\":" + json_quote(ctx.emu.config.xnat_version) +
                    ",\"buildNumber\":\"emulator\",\"branch\":\"emulator\"}");
      return;
    }
    if (!s.empty() && s[0] == "direct-archive") {
      handle_direct_archive(ctx);
      return;
    }
    send_error(ctx.response, 404, "Not Found");
  }

  void route_data(RequestContext& ctx) {
    auto& s = ctx.segments;
    if (handle_auth_routes(ctx)) return;
    if (s.empty()) {
      send_error(ctx.response, 404, "Not Found");
      return;
    }
    if (s[0] == "services" && s.size() >= 2) {
      if (s[1] == "import") return handle_import(ctx);
      if (s[1] == "archive") return handle_archive_service(ctx);
      if (s[1] == "prearchive") return handle_prearchive_services(ctx);
    }
    if (s[0] == "prearchive") return handle_prearchive(ctx);
    // Every archive route is also attached under /archive (§1.1).
    if (s[0] == "archive" && s.size() >= 2 && (s[1] == "projects" || s[1] == "experiments"))
      s.erase(s.begin());
    if (s[0] == "projects") return handle_projects(ctx);
    if (s[0] == "experiments") return handle_experiments(ctx);
    send_error(ctx.response, 404, "Not Found");
  }

  Emulator& emu_;
  std::optional<RequestContext> context_;
  std::istream* body_ = nullptr;  // owned by context_
};

}  // namespace

void read_form_body(RequestContext& ctx) {
  const auto type = to_lower(ctx.request.getContentType());
  if (type.rfind("application/x-www-form-urlencoded", 0) != 0) return;
  std::string body;
  std::istream& in = ctx.body();
  char buf[8192];
  while ((in.read(buf, sizeof buf) || in.gcount() > 0) && body.size() < (1 << 20))
    body.append(buf, static_cast<std::size_t>(in.gcount()));
  ctx.params.add_query(body);
}

Poco::Net::HTTPRequestHandler* RouterFactory::createRequestHandler(
    const Poco::Net::HTTPServerRequest&) {
  return new Router(emu_);
}

}  // namespace xnatctl::emulator
