// The two naming policies of uploaded files, in one place so they share their pieces (the
// digest, UTF-8 decoding, the walk over path components):
//  - archive entry names (entry_names.hpp): the user's relative path made safe, kept as a
//    tree, unique within one body; XNAT keeps only the last component as the stored name;
//  - object names (xnatctl/upload/object_names.hpp): one URL-safe path segment per file,
//    unique within the run, what gradual-DICOM stores each object as.
// They differ because XNAT treats them differently; see object_names.hpp.

#include <cstdint>
#include <cstdio>
#include <unordered_set>

#include "entry_names.hpp"
#include "xnatctl/upload/object_names.hpp"

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

// Appends `part` with every character `keep` refuses (a whole UTF-8 sequence at a time; a
// byte that is not well-formed UTF-8 on its own) replaced by one '_'.
template <typename Keep>
void append_clean(std::string& out, std::string_view part, Keep&& keep) {
  while (!part.empty()) {
    const std::size_t n = utf8_sequence_length(part);
    const std::string_view character = part.substr(0, n == 0 ? 1 : n);
    if (n == 0 || !keep(character)) {
      out += '_';
    } else {
      out.append(character);
    }
    part.remove_prefix(character.size());
  }
}

// Archive entries keep any UTF-8 but control characters: readers decode names as UTF-8.
bool entry_character(std::string_view c) {
  const auto lead = static_cast<unsigned char>(c[0]);
  return c.size() > 1 || (lead >= 0x20 && lead != 0x7f);
}

// Object names keep RFC 3986's unreserved characters only: a URL path segment as they are
// (whether or not a server percent-decodes the path, it stores what was sent) and a file
// name on every system.
bool object_character(std::string_view c) {
  const auto b = static_cast<unsigned char>(c[0]);
  return c.size() == 1 && ((b >= 'A' && b <= 'Z') || (b >= 'a' && b <= 'z') ||
                           (b >= '0' && b <= '9') || b == '.' || b == '_' || b == '-' || b == '~');
}

// Calls `visit` with each component of a '/'-separated path, "", "." and ".." left out.
template <typename Visit>
void for_each_component(std::string_view path, Visit&& visit) {
  std::size_t pos = 0;
  while (pos <= path.size()) {
    auto end = path.find('/', pos);
    if (end == std::string_view::npos) end = path.size();
    const std::string_view part = path.substr(pos, end - pos);
    if (!part.empty() && part != "." && part != "..") visit(part);
    pos = end + 1;
  }
}

std::string hex(std::uint64_t value, int digits) {
  char out[17];
  std::snprintf(out, sizeof out, "%0*llx", digits, static_cast<unsigned long long>(value));
  return std::string(out, static_cast<std::size_t>(digits));
}

// `digest_basename`: a 16-hex-digit digest of the whole name, then as much of the end of its
// last component as fits (the end keeps the extension and usually the distinguishing part).
std::string shortened_for_ustar(const std::string& name) {
  const std::string digest = hex(fnv1a(name), 16);
  const auto slash = name.rfind('/');
  std::string_view base(name);
  if (slash != std::string::npos) base.remove_prefix(slash + 1);
  const std::size_t room = kUstarName - 16 - 1;
  if (base.size() > room) {
    base.remove_prefix(base.size() - room);
    while (!base.empty() && is_utf8_continuation(base.front())) base.remove_prefix(1);
  }
  return digest + "_" + std::string(base);
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
  for_each_component(relative_path, [&out](std::string_view part) {
    if (!out.empty()) out += '/';
    append_clean(out, part, entry_character);
  });
  return out.empty() ? "file" : out;
}

std::optional<UstarName> ustar_name(std::string_view name) {
  if (name.size() <= kUstarName) return UstarName{{}, name};
  auto split = name.find('/', name.size() - kUstarName - 1);
  if (split == 0) split = name.find('/', 1);
  if (split == std::string_view::npos || split + 1 >= name.size() || split > kUstarPrefix)
    return std::nullopt;
  return UstarName{name.substr(0, split), name.substr(split + 1)};
}

bool fits_ustar(std::string_view name) {
  return ustar_name(name).has_value();
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

// ---- object names ----

namespace {

// "name.ext" -> "name<tag>.ext" (the extension is what readers look at), cut so the result
// still fits kMaxObjectName.
std::string with_tag(const std::string& name, const std::string& tag) {
  auto dot = name.rfind('.');
  if (dot == std::string::npos || dot == 0) dot = name.size();
  std::string stem = name.substr(0, dot), extension = name.substr(dot);
  if (extension.size() + tag.size() > kMaxObjectName) extension.clear();
  const std::size_t room = kMaxObjectName - tag.size() - extension.size();
  if (stem.size() > room) stem.resize(room);
  return stem + tag + extension;
}

// Case-folded: two names differing only in case would be one file on a case-insensitive
// server file system.
std::string fold(std::string name) {
  for (char& c : name)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return name;
}

}  // namespace

std::string object_name(std::string_view relative_path) {
  std::string out;
  for_each_component(relative_path, [&out](std::string_view part) {
    if (!out.empty()) out += '_';
    append_clean(out, part, object_character);
  });
  // A leading dot would make a hidden file on the server (XNAT strips them from its own names).
  out.erase(0, out.find_first_not_of('.'));
  if (out.empty()) out = "object";
  if (out.size() > kMaxObjectName)  // ASCII only by now: any cut is between characters
    out = hex(fnv1a(relative_path), 16) + "_" + out.substr(out.size() - (kMaxObjectName - 17));
  return out;
}

std::vector<std::string> object_names(const std::vector<JobFile>& files) {
  std::vector<std::string> names;
  names.reserve(files.size());
  std::unordered_set<std::string> used;
  used.reserve(files.size());
  for (const JobFile& f : files)
    if (!f.object_name.empty()) used.insert(fold(f.object_name));
  for (const JobFile& f : files) {
    if (!f.object_name.empty()) {
      names.push_back(f.object_name);
      continue;
    }
    const std::string base = object_name(f.relative_path);
    if (used.insert(fold(base)).second) {
      names.push_back(base);
      continue;
    }
    const std::string tagged = with_tag(base, "~" + hex(fnv1a(f.relative_path) >> 32, 8));
    for (std::size_t n = 0;; ++n) {
      std::string candidate = n == 0 ? tagged : with_tag(tagged, "-" + std::to_string(n));
      if (used.insert(fold(candidate)).second) {
        names.push_back(std::move(candidate));
        break;
      }
    }
  }
  return names;
}

void assign_object_names(std::vector<JobFile>& files) {
  std::vector<std::string> names = object_names(files);
  for (std::size_t i = 0; i < files.size(); ++i) files[i].object_name = std::move(names[i]);
}

}  // namespace xnatctl::upload
