#pragma once

// A DICOM C-STORE receiver (SCP) behaving like XNAT's (xnat-server-api.md §7.2): one AE title,
// C-ECHO, C-STORE of every storage SOP class DCMTK knows in every transfer syntax DCMTK can
// accept, objects stored exactly as received (no transcoding) and handed to a callback whose
// verdict becomes the C-STORE response status.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

namespace xnatctl::emulator {

struct ReceivedObject {
  // Part-10 file with meta header, in spool_dir. The receiver never deletes it once the handler
  // has been called: the handler owns it (move it, or delete it).
  std::filesystem::path file;
  std::string calling_aet, called_aet;
  std::string peer_address;         // IP address of the sending peer, e.g. "127.0.0.1"
  std::string transfer_syntax_uid;  // negotiated = the dataset's encoding in `file`
};

// 0x0000 ok, 0xC000 cannot understand, 0xA700 out of resources. A non-empty error_comment is
// sent as Error Comment (0000,0902) with a non-success status (truncated to 64 characters).
struct StoreOutcome {
  std::uint16_t status = 0;
  std::string error_comment;
};

// Called from receiver threads, possibly concurrently for different associations. An exception
// escaping the handler becomes status 0xA700 with the exception's message.
using ObjectHandler = std::function<StoreOutcome(const ReceivedObject&)>;

struct ReceiverOptions {
  std::string ae_title = "XNAT";           // associations calling any other AE title are rejected
  std::uint16_t port = 0;                  // 0 = pick a free one; start() returns the port
  std::string bind_address = "127.0.0.1";  // IPv4 address; "0.0.0.0" for all interfaces
  std::filesystem::path spool_dir;         // created if missing; required
  // Fault injection: abort each association after this many objects have been received, handled
  // and acknowledged (0 = abort right after accepting it). -1 = never.
  int abort_after_objects = -1;
  // A connection must have sent its whole A-ASSOCIATE-RQ within this many seconds, or it is
  // closed. Until then it holds no thread (connection_gate.hpp).
  double request_timeout_seconds = 10;
};

class DicomReceiver {
 public:
  DicomReceiver(ReceiverOptions options, ObjectHandler handler);
  ~DicomReceiver();  // stop()s
  DicomReceiver(const DicomReceiver&) = delete;
  DicomReceiver& operator=(const DicomReceiver&) = delete;

  // Binds and starts accepting; returns the bound port. Throws std::runtime_error if the port
  // cannot be bound or the receiver was already started.
  std::uint16_t start();
  // Stops accepting, A-ABORTs open associations (idle ones within ~1 s) and joins every thread.
  // Idempotent; start() may be called again afterwards. Limit: a peer stalled in the middle of
  // a dataset holds its thread up to the 30 s DIMSE timeout. A connection that never completes
  // its A-ASSOCIATE-RQ holds no thread and is closed after request_timeout_seconds.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace xnatctl::emulator
