#include <Poco/String.h>

#include "xnatctl/http/request.hpp"

namespace xnatctl::http {

std::optional<std::string> Response::header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (Poco::icompare(key, std::string(name)) == 0) return value;
  }
  return std::nullopt;
}

}  // namespace xnatctl::http
