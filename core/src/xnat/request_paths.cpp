#include "xnatctl/xnat/request_paths.hpp"

#include <Poco/Exception.h>
#include <Poco/String.h>
#include <Poco/URI.h>

#include <cctype>
#include <cstdio>

#include "xnatctl/error.hpp"

namespace xnatctl::xnat {

std::string encode_segment(std::string_view segment) {
  std::string out;
  for (unsigned char c : segment) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      char hex[4];
      std::snprintf(hex, sizeof hex, "%%%02X", c);
      out += hex;
    }
  }
  return out;
}

std::string server_uri_to_request_path(const std::string& uri, const std::string& base_url) {
  const Poco::URI base(base_url);
  std::string context = base.getPath();
  while (!context.empty() && context.back() == '/') context.pop_back();
  std::string path = uri;
  if (uri.find("://") != std::string::npos) {
    Poco::URI absolute;
    try {
      absolute = Poco::URI(uri);
    } catch (const Poco::Exception&) {
      throw Error("the server returned an unusable URI '" + uri + "'");
    }
    if (Poco::icompare(absolute.getHost(), base.getHost()) != 0 ||
        absolute.getPort() != base.getPort()) {
      throw Error("the server pointed to another server (" + absolute.getScheme() + "://" +
                  absolute.getAuthority() + "), not " + base.getScheme() + "://" +
                  base.getAuthority());
    }
    path = absolute.getPathEtc();
  }
  if (!context.empty() && (path == context || path.rfind(context + "/", 0) == 0)) {
    path.erase(0, context.size());
  }
  if (path.empty() || path.front() != '/') path.insert(path.begin(), '/');
  return path;
}

}  // namespace xnatctl::xnat
