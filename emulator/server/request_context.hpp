// What a route handler gets: the request/response, the path split into segments (after the
// /data, /REST or /xapi prefix), the merged parameters and the authenticated user.
#pragma once

#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>

#include <istream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "emulator.hpp"
#include "http_util.hpp"
#include "request_body.hpp"

namespace xnatctl::emulator {

struct RequestContext {
  RequestContext(Emulator& e, Poco::Net::HTTPServerRequest& rq, Poco::Net::HTTPServerResponse& rs,
                 std::vector<std::string> segs)
      : emu(e), request(rq), response(rs), segments(std::move(segs)) {}

  Emulator& emu;
  Poco::Net::HTTPServerRequest& request;
  Poco::Net::HTTPServerResponse& response;
  std::vector<std::string> segments;
  Params params;
  std::string user;
  std::string session_id;  // the HTTP session this request is bound to

  const std::string& method() const { return request.getMethod(); }
  // The request body, checked against its declared length or chunked framing
  // (request_body.hpp) and wrapped for --fault-reset-after-bytes. Read it once.
  // A request with neither Content-Length nor chunked encoding has no body (Poco would read
  // until the client closes, which never happens on a keep-alive connection).
  std::istream& body() {
    if (!body_) {
      if (!request.getChunkedTransferEncoding() && !request.hasContentLength()) {
        body_ = std::make_unique<std::istringstream>(std::string());
      } else {
        checked_body_ = std::make_unique<RequestBody>(request);
        body_ = emu.faults.wrap_body(*checked_body_, request);
      }
    }
    return *body_;
  }
  // Throws BrokenBody when a read of the body found it short or malformed: call before
  // keeping anything made from it (a wrapping multipart or archive reader may have taken the
  // error for the end of its data).
  void require_intact_body() const {
    if (checked_body_ && !checked_body_->intact())
      throw BrokenBody("the request body was incomplete or malformed; nothing was stored");
  }
  // Segments from index `from` joined with '/' (the "remaining part" of a route, §1.1).
  std::string remainder(std::size_t from) const {
    std::string out;
    for (std::size_t i = from; i < segments.size(); ++i)
      out += (out.empty() ? "" : "/") + segments[i];
    return out;
  }

 private:
  std::unique_ptr<RequestBody> checked_body_;
  std::unique_ptr<std::istream> body_;  // reads checked_body_
};

// Reads an application/x-www-form-urlencoded body into ctx.params (request_router.cpp).
void read_form_body(RequestContext& ctx);

// Route families (each in its own file).
bool handle_auth_routes(RequestContext& ctx);          // auth_routes.cpp
void handle_import(RequestContext& ctx);               // import_service.cpp
void handle_archive_service(RequestContext& ctx);      // prearchive_routes.cpp
void handle_prearchive(RequestContext& ctx);           // prearchive_routes.cpp
void handle_prearchive_services(RequestContext& ctx);  // prearchive_routes.cpp
void handle_direct_archive(RequestContext& ctx);       // prearchive_routes.cpp
void handle_projects(RequestContext& ctx);             // archive_routes.cpp
void handle_experiments(RequestContext& ctx);          // archive_routes.cpp

}  // namespace xnatctl::emulator
