#include "object_names.hpp"

#include <cstdint>
#include <cstdio>

namespace rest_gradual {
namespace {

// FNV-1a: stable across runs and platforms, which is all a name digest needs.
std::uint64_t fnv1a(std::string_view text) {
  std::uint64_t hash = 14695981039346656037ULL;
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 1099511628211ULL;
  }
  return hash;
}

std::string hex(std::uint64_t value, int digits) {
  char out[17];
  std::snprintf(out, sizeof out, "%0*llx", digits, static_cast<unsigned long long>(value));
  return std::string(out, static_cast<std::size_t>(digits));
}

bool is_continuation(char c) {
  return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
}

// Length of the well-formed UTF-8 sequence at the start of `text`, or 0. By hand: the
// standard facilities depend on the process locale.
std::size_t utf8_length(std::string_view text) {
  const auto lead = static_cast<unsigned char>(text[0]);
  std::size_t length = 0;
  std::uint32_t min = 0;
  if (lead < 0x80) return 1;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2, min = 0x80;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3, min = 0x800;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4, min = 0x10000;
  } else {
    return 0;
  }
  if (text.size() < length) return 0;
  std::uint32_t code = lead & (0xFF >> (length + 1));
  for (std::size_t i = 1; i < length; ++i) {
    if (!is_continuation(text[i])) return 0;
    code = (code << 6) | (static_cast<unsigned char>(text[i]) & 0x3F);
  }
  const bool surrogate = code >= 0xD800 && code <= 0xDFFF;
  return code < min || code > 0x10FFFF || surrogate ? 0 : length;
}

bool forbidden(unsigned char c) {
  return c < 0x20 || c == 0x7f || c == '\\' || c == ':' || c == '*' || c == '?' || c == '"' ||
         c == '<' || c == '>' || c == '|';
}

void append_clean(std::string& out, std::string_view part) {
  while (!part.empty()) {
    const std::size_t n = utf8_length(part);
    if (n == 0 || forbidden(static_cast<unsigned char>(part[0]))) {
      out += '_';
      part.remove_prefix(n == 0 ? 1 : n);
    } else {
      out.append(part.substr(0, n));
      part.remove_prefix(n);
    }
  }
}

// "name.ext" -> "name<tag>.ext"; the extension is what readers look at.
std::string with_tag(const std::string& name, const std::string& tag) {
  auto dot = name.rfind('.');
  if (dot == std::string::npos || dot == 0) dot = name.size();
  return name.substr(0, dot) + tag + name.substr(dot);
}

}  // namespace

std::string object_name(std::string_view relative_path) {
  std::string out;
  std::size_t pos = 0;
  while (pos <= relative_path.size()) {
    auto end = relative_path.find('/', pos);
    if (end == std::string_view::npos) end = relative_path.size();
    const std::string_view part = relative_path.substr(pos, end - pos);
    if (!part.empty() && part != "." && part != "..") {
      if (!out.empty()) out += '_';
      append_clean(out, part);
    }
    pos = end + 1;
  }
  // A leading dot would make a hidden file on the server (XNAT strips them from its own names).
  out.erase(0, out.find_first_not_of('.'));
  if (out.empty()) out = "object";
  if (out.size() > kMaxObjectName) {
    std::string_view tail(out);
    tail.remove_prefix(out.size() - (kMaxObjectName - 17));
    while (!tail.empty() && is_continuation(tail.front())) tail.remove_prefix(1);
    out = hex(fnv1a(relative_path), 16) + "_" + std::string(tail);
  }
  return out;
}

std::string ObjectNames::claim(std::string_view relative_path) {
  const std::string base = object_name(relative_path);
  if (used_.insert(base).second) return base;
  const std::string tagged = with_tag(base, "~" + hex(fnv1a(relative_path) >> 32, 8));
  for (std::size_t n = 0;; ++n) {
    std::string candidate = n == 0 ? tagged : with_tag(tagged, "-" + std::to_string(n));
    if (used_.insert(candidate).second) return candidate;
  }
}

std::string path_segment(std::string_view name) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  out.reserve(name.size());
  for (unsigned char c : name) {
    const bool plain = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                       c == '-' || c == '.' || c == '_' || c == '~';
    if (plain) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

}  // namespace rest_gradual
