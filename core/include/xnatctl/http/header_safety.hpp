#pragma once

// Values that end up in an HTTP header (a token, a user name, a plugin's header) must not
// carry control characters: a CR/LF would end the header and let the rest of the value be
// read as headers of its own ("header injection"), and it would split one-line errors.

#include <string_view>

namespace xnatctl::http {

// True when `text` holds a byte below 0x20 (tab included) or DEL.
bool has_control_characters(std::string_view text);

// Throws UsageError naming `what` (never the value: it may be a secret) when `value` holds a
// control character.
void require_no_control_characters(std::string_view what, std::string_view value);

}  // namespace xnatctl::http
