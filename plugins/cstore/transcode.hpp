// The --allow-transcode path: a file whose own transfer syntax the receiver refused is decoded
// and re-encoded by DCMTK into the uncompressed syntax the receiver accepted. Only then is a
// file altered; without the option such a file is reported, never converted.
#pragma once

#include <memory>
#include <string>

class DcmFileFormat;

namespace cstore {

// Parses a whole file held in memory and converts its data set to `target_syntax_uid`.
// Throws std::runtime_error (one line) when DCMTK cannot decode it (JPEG 2000 has no codec in
// Debian's DCMTK) or cannot write the target syntax.
std::unique_ptr<DcmFileFormat> convert(const std::string& bytes,
                                       const std::string& target_syntax_uid);

}  // namespace cstore
