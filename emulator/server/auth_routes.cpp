// /data/JSESSION, /data/auth and /xapi/users/username (reference §2.2, §2.3).
#include "request_context.hpp"

namespace xnatctl::emulator {

bool handle_auth_routes(RequestContext& ctx) {
  const auto& s = ctx.segments;
  if (s.size() == 1 && s[0] == "JSESSION") {
    if (ctx.method() == "DELETE") {
      ctx.emu.sessions.invalidate(ctx.session_id);  // logout (§2.2; 200 empty is [I])
      send_text(ctx.response, 200, "");
      return true;
    }
    if (ctx.method() != "GET" && ctx.method() != "POST") {
      send_error(ctx.response, 405, "Method Not Allowed");
      return true;
    }
    std::string body = ctx.session_id;  // exactly the JSESSIONID cookie value, no newline
    if (ctx.params.is_true("CSRF")) body += "; XNAT_CSRF=" + ctx.session_id.substr(0, 16);
    send_text(ctx.response, 200, body);
    return true;
  }
  if (s.size() == 1 && s[0] == "auth") {
    std::string body = "User '" + ctx.user + "' is logged in";
    if (ctx.params.is_true("CSRF")) body += "; XNAT_CSRF=" + ctx.session_id.substr(0, 16);
    send_text(ctx.response, 200, body);
    return true;
  }
  return false;
}

}  // namespace xnatctl::emulator
