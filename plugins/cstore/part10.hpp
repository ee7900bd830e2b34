// Finds where the data set starts in a DICOM file read as a stream: after the 128-byte
// preamble, "DICM" and the group 0002 file meta information (Part 10), or at byte 0 for a bare
// data set. C-STORE sends the data set bytes exactly as they are in the file (no parse, no
// re-encoding), so the receiver gets what the file holds, whatever its transfer syntax.
#pragma once

#include <cstddef>
#include <functional>
#include <string>

namespace cstore {

// Reads up to `capacity` bytes; 0 at the end. Throws on a read failure.
using ReadFn = std::function<std::size_t(char* buffer, std::size_t capacity)>;

struct DatasetStart {
  bool has_meta = false;
  std::string transfer_syntax_uid;  // from (0002,0010); empty without meta
  std::string head;                 // data set bytes already read past the meta information
};

// Throws std::runtime_error (one line) for a malformed meta header.
DatasetStart read_dataset_start(const ReadFn& read);

}  // namespace cstore
