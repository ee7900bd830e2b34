#pragma once

// The 512-byte POSIX ustar header of a regular file in a tar batch body.
//
// Why by hand: the body's file data is read straight into the HTTP frame (one copy instead
// of three), which libarchive's writer cannot take part in: it wants every data byte through
// archive_write_data() and pads whatever it did not get with zeros when the entry ends.
// The header is the only part of a ustar entry that is more than the data and zero padding
// (POSIX.1-2008 pax, "ustar Interchange Format").

#include <array>
#include <cstdint>
#include <string_view>

namespace xnatctl::upload {

constexpr std::size_t kUstarBlock = 512;

// Throws xnatctl::Error when `name` does not fit ustar (see fits_ustar) or `size` needs
// more than 11 octal digits. An `mtime_s` outside 0..8^11-1 is stored as 0, the epoch:
// an entry's time is only informative (XNAT reads the DICOM header).
std::array<char, kUstarBlock> ustar_header(std::string_view name, std::uint64_t size,
                                           std::int64_t mtime_s);

}  // namespace xnatctl::upload
