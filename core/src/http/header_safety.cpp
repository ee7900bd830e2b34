#include "xnatctl/http/header_safety.hpp"

#include <algorithm>
#include <string>

#include "xnatctl/error.hpp"

namespace xnatctl::http {

bool has_control_characters(std::string_view text) {
  return std::any_of(text.begin(), text.end(), [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte < 0x20 || byte == 0x7f;
  });
}

void require_no_control_characters(std::string_view what, std::string_view value) {
  if (has_control_characters(value)) {
    throw UsageError(std::string(what) +
                     " contains a control character (such as a line break); refusing to send it");
  }
}

}  // namespace xnatctl::http
