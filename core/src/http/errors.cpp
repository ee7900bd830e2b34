#include "xnatctl/http/errors.hpp"

#include <Poco/String.h>

namespace xnatctl::http {
namespace {

// A one-line excerpt: error bodies are often HTML pages, never worth more than a hint.
std::string excerpt(const std::string& body) {
  std::string line;
  for (char c : body) {
    if (line.size() >= 200) break;
    line.push_back(c == '\n' || c == '\r' || c == '\t' ? ' ' : c);
  }
  line = Poco::trim(line);
  if (line.find("<html") != std::string::npos || line.find("<!DOCTYPE") != std::string::npos) {
    return "";
  }
  return line;
}

// A header value as one printable line, bounded: it comes from the server.
std::string one_line(const std::string& value) {
  std::string line;
  for (char c : value) {
    if (line.size() >= 300) break;
    const auto u = static_cast<unsigned char>(c);
    line.push_back(u < 0x20 || u == 0x7f ? ' ' : c);
  }
  return Poco::trim(line);
}

}  // namespace

void throw_for_status(const TextResponse& response, std::string_view what) {
  if (response.ok()) return;
  std::string message = std::string(what) + ": HTTP " + std::to_string(response.status);
  const std::string detail = excerpt(response.body);
  if (response.status == 401) {
    throw AuthError(std::string(what) +
                    ": not authenticated (HTTP 401); run 'xnatctl auth login' or set XNAT_USER "
                    "and XNAT_PASS");
  }
  if (response.status == 403) {
    throw AuthError(message + " (permission denied)" + (detail.empty() ? "" : ": " + detail));
  }
  if (response.status == 407) {
    throw Error(message +
                " (the proxy requires credentials): put them in the proxy URL, "
                "http://USER:PASSWORD@host:port");
  }
  if (response.status >= 300 && response.status < 400) {
    // Never followed: the request may carry credentials, and the target is the server's word
    // only. Naming it lets the user fix the profile (http:// -> https:// is the usual case).
    const auto location = response.header("Location");
    const std::string target = location ? one_line(*location) : "";
    if (!target.empty()) {
      throw Error(message + " redirect to " + target +
                  " (not followed; if the server moved, use that address in the profile's url)");
    }
  }
  if (response.status == 404) {
    throw Error(message + " (not found)" + (detail.empty() ? "" : ": " + detail));
  }
  throw Error(detail.empty() ? message : message + ": " + detail);
}

}  // namespace xnatctl::http
