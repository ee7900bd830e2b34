#pragma once

// P-DATA-TF PDUs (PS3.8 §9.3.5), collected and written to the association's socket in large
// pieces. DUL_WritePDVs makes two write() calls per PDU (header, then data); with the 16 KiB
// PDUs storescp and many PACS accept, a 512 KiB object took 66 system calls and a 64 KiB one
// 10, command included. Here a C-STORE's command and data PDUs leave in writes of up to
// 256 KiB: the bytes on the wire are the same (one PDV per PDU, the sizes DUL would use),
// only the number of write() calls changes. Writing past DUL is safe because P-DATA carries
// no state in DUL (the association stays in data transfer); everything else (association
// set-up, responses, release, abort) still goes through DCMTK.

#include <cstddef>
#include <cstdint>
#include <vector>

class DcmTransportConnection;

namespace cstore {

class PDataWriter {
 public:
  explicit PDataWriter(DcmTransportConnection* connection) : connection_(connection) {}

  // Appends one PDU holding one PDV of `length` bytes (a command set or a data set fragment;
  // `last` marks its final fragment). Writes what is pending once it reaches kFlushAt.
  // Returns false when the connection failed (errno says why).
  bool add(std::uint8_t context, bool command, bool last, const char* data, std::size_t length);
  // Writes everything pending. Returns false when the connection failed.
  bool flush();

 private:
  static constexpr std::size_t kFlushAt = std::size_t{256} * 1024;

  DcmTransportConnection* connection_;
  std::vector<char> pending_;
};

}  // namespace cstore
