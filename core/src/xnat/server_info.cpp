#include "xnatctl/xnat/server_info.hpp"

#include <Poco/Exception.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/NumberParser.h>
#include <Poco/String.h>

#include <cctype>
#include <vector>

namespace xnatctl::xnat {
namespace {

std::optional<std::string> version_from_build_info(const std::string& body) {
  try {
    auto object = Poco::JSON::Parser().parse(body).extract<Poco::JSON::Object::Ptr>();
    if (object && object->has("version")) return object->getValue<std::string>("version");
  } catch (const Poco::Exception&) {
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> server_version(http::Client& client) {
  http::Request request;
  request.path = "/xapi/siteConfig/buildInfo";
  request.retry = false;
  auto response = client.fetch(request, std::size_t{64} * 1024);
  if (response.ok()) {
    if (auto version = version_from_build_info(response.body)) return version;
  }
  request.path = "/data/version";
  response = client.fetch(request, std::size_t{64} * 1024);
  const std::string text = Poco::trim(response.body);
  if (response.ok() && !text.empty() && text.size() < 64 &&
      std::isdigit(static_cast<unsigned char>(text.front())) != 0) {
    return text;
  }
  return std::nullopt;
}

std::optional<bool> supports_direct_archive(const std::string& version) {
  std::vector<int> parts;
  std::size_t start = 0;
  while (start < version.size() && parts.size() < 3) {
    std::size_t end = start;
    while (end < version.size() && std::isdigit(static_cast<unsigned char>(version[end])) != 0)
      ++end;
    int value = 0;
    if (end == start || !Poco::NumberParser::tryParse(version.substr(start, end - start), value))
      break;
    parts.push_back(value);
    if (end >= version.size() || version[end] != '.') break;
    start = end + 1;
  }
  if (parts.size() < 2) return std::nullopt;
  while (parts.size() < 3) parts.push_back(0);
  return parts >= std::vector<int>{1, 8, 3};
}

}  // namespace xnatctl::xnat
