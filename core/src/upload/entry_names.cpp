#include "entry_names.hpp"

#include <cstdint>
#include <cstdio>
#include <unordered_set>

namespace xnatctl::upload {
namespace {

constexpr std::size_t kUstarName = 100;
constexpr std::size_t kUstarPrefix = 155;

// FNV-1a: a stable, dependency-free 64-bit digest; the shortened names only need to be
// deterministic and unlikely to collide (collisions are resolved below anyway).
std::uint64_t fnv1a(std::string_view text) {
  std::uint64_t hash = 14695981039346656037ULL;
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 1099511628211ULL;
  }
  return hash;
}

bool is_utf8_continuation(char c) {
  return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
}

// Length of the well-formed UTF-8 sequence at the start of `text`, or 0. Hand-written because
// the standard facilities (mbrtowc) depend on the process locale, which may be C.
std::size_t utf8_sequence_length(std::string_view text) {
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
    if (!is_utf8_continuation(text[i])) return 0;
    code = (code << 6) | (static_cast<unsigned char>(text[i]) & 0x3F);
  }
  const bool surrogate = code >= 0xD800 && code <= 0xDFFF;
  return code < min || code > 0x10FFFF || surrogate ? 0 : length;
}

// Control characters and bytes that are not UTF-8 become '_': readers decode names as UTF-8.
void append_clean(std::string& out, std::string_view part) {
  while (!part.empty()) {
    const std::size_t n = utf8_sequence_length(part);
    const auto c = static_cast<unsigned char>(part[0]);
    if (n == 0 || c < 0x20 || c == 0x7f) {
      out += '_';
      part.remove_prefix(n == 0 ? 1 : n);
    } else {
      out.append(part.substr(0, n));
      part.remove_prefix(n);
    }
  }
}

// `digest_basename`: a 16-hex-digit digest of the whole name, then as much of the end of its
// last component as fits (the end keeps the extension and usually the distinguishing part).
std::string shortened_for_ustar(const std::string& name) {
  char digest[17];
  std::snprintf(digest, sizeof digest, "%016llx", static_cast<unsigned long long>(fnv1a(name)));
  const auto slash = name.rfind('/');
  std::string_view base(name);
  if (slash != std::string::npos) base.remove_prefix(slash + 1);
  const std::size_t room = kUstarName - 16 - 1;
  if (base.size() > room) {
    base.remove_prefix(base.size() - room);
    while (!base.empty() && is_utf8_continuation(base.front())) base.remove_prefix(1);
  }
  return std::string(digest) + "_" + std::string(base);
}

// "dir/name.ext" -> "dir/name~n.ext" (the extension is what a reader may look at).
std::string with_counter(const std::string& name, std::size_t n) {
  const auto slash = name.rfind('/');
  const auto base_start = slash == std::string::npos ? 0 : slash + 1;
  auto dot = name.rfind('.');
  if (dot == std::string::npos || dot <= base_start) dot = name.size();
  return name.substr(0, dot) + "~" + std::to_string(n) + name.substr(dot);
}

}  // namespace

std::string safe_entry_path(std::string_view relative_path) {
  std::string out;
  std::size_t pos = 0;
  while (pos <= relative_path.size()) {
    auto end = relative_path.find('/', pos);
    if (end == std::string_view::npos) end = relative_path.size();
    std::string_view part = relative_path.substr(pos, end - pos);
    if (!part.empty() && part != "." && part != "..") {
      if (!out.empty()) out += '/';
      append_clean(out, part);
    }
    pos = end + 1;
  }
  return out.empty() ? "file" : out;
}

bool fits_ustar(std::string_view name) {
  if (name.size() <= kUstarName) return true;
  auto split = name.find('/', name.size() - kUstarName - 1);
  if (split == 0) split = name.find('/', 1);
  return split != std::string_view::npos && split + 1 < name.size() && split <= kUstarPrefix;
}

std::vector<std::string> entry_names(const Job& job, const std::vector<std::size_t>& indices,
                                     ArchiveFormat format) {
  std::vector<std::string> names;
  names.reserve(indices.size());
  std::unordered_set<std::string> used;
  for (std::size_t index : indices) {
    const std::string safe = safe_entry_path(job.files.at(index).relative_path);
    for (std::size_t n = 0;; ++n) {
      std::string candidate = n == 0 ? safe : with_counter(safe, n);
      if (format == ArchiveFormat::kTar && !fits_ustar(candidate)) {
        candidate = shortened_for_ustar(candidate);
      }
      if (used.insert(candidate).second) {
        names.push_back(std::move(candidate));
        break;
      }
    }
  }
  return names;
}

}  // namespace xnatctl::upload
