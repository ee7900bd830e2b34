#include "ustar_header.hpp"

#include <algorithm>
#include <cstring>
#include <string>

#include "entry_names.hpp"
#include "xnatctl/error.hpp"

namespace xnatctl::upload {
namespace {

constexpr std::uint64_t kMaxOctal11 = 077777777777ULL;

// `digits` octal digits, zero-filled, then a NUL: the field is digits + 1 bytes. Callers
// check that the value fits.
void octal(char* field, int digits, std::uint64_t value) {
  for (int i = digits - 1; i >= 0; --i) {
    field[i] = static_cast<char>('0' + (value & 7));
    value >>= 3;
  }
  field[digits] = '\0';
}

}  // namespace

std::array<char, kUstarBlock> ustar_header(std::string_view name, std::uint64_t size,
                                           std::int64_t mtime_s) {
  const auto split = ustar_name(name);
  if (!split) throw Error("internal error: '" + std::string(name) + "' does not fit a tar header");
  if (size > kMaxOctal11)
    throw Error("internal error: a tar entry of " + std::to_string(size) + " bytes");
  std::array<char, kUstarBlock> h{};
  std::memcpy(h.data() + 0, split->name.data(), split->name.size());  // name[100]
  octal(h.data() + 100, 7, 0644);                                     // mode[8]
  octal(h.data() + 108, 7, 0);                                        // uid[8]
  octal(h.data() + 116, 7, 0);                                        // gid[8]
  octal(h.data() + 124, 11, size);                                    // size[12]
  const bool storable = mtime_s >= 0 && static_cast<std::uint64_t>(mtime_s) <= kMaxOctal11;
  octal(h.data() + 136, 11, storable ? static_cast<std::uint64_t>(mtime_s) : 0);  // mtime[12]
  std::memset(h.data() + 148, ' ', 8);      // chksum[8]: spaces while summing
  h[156] = '0';                             // typeflag: regular file
  std::memcpy(h.data() + 257, "ustar", 6);  // magic[6], NUL-terminated
  std::memcpy(h.data() + 263, "00", 2);     // version[2]
  octal(h.data() + 329, 7, 0);              // devmajor[8]
  octal(h.data() + 337, 7, 0);              // devminor[8]
  std::memcpy(h.data() + 345, split->prefix.data(), split->prefix.size());  // prefix[155]
  unsigned sum = 0;
  for (char c : h) sum += static_cast<unsigned char>(c);
  octal(h.data() + 148, 6, sum);  // six digits, NUL, then the space already there
  return h;
}

}  // namespace xnatctl::upload
