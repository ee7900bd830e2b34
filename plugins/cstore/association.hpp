// One DICOM association to the receiver over DCMTK's ASC/DUL layer: negotiation of a planned
// set of presentation contexts, C-ECHO, and C-STORE of data set bytes as they are (our own
// P-DATA fragmentation, so nothing is parsed or re-encoded) or of a DCMTK data set (the
// transcoding path). Every failure is a NetFailure whose kind tells the caller what to do.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>

#include "part10.hpp"
#include "plan.hpp"
#include "settings.hpp"

class DcmDataset;

namespace cstore {

struct NetFailure : std::runtime_error {
  enum class Kind {
    kConnect,    // no TCP connection (refused, unreachable, unknown host, timed out)
    kRejected,   // A-ASSOCIATE-RJ permanent: wrong AE title and the like
    kBusy,       // A-ASSOCIATE-RJ transient (congestion): try again later
    kDropped,    // the association broke (A-ABORT, connection closed, protocol error)
    kTimeout,    // no response in time
    kCancelled,  // the user asked to stop
    kLocal,      // our side failed (read error of the file, bad data)
  };
  NetFailure(Kind k, const std::string& message) : std::runtime_error(message), kind(k) {}
  Kind kind;
};

struct StoreReply {
  std::uint16_t status = 0;
  std::string error_comment;
};

struct Timeouts {
  int connect_seconds = 15;
  int acse_seconds = 30;
  int dimse_seconds = 120;  // the receiver may take long to store a large object
};

class Association {
 public:
  using Cancelled = std::function<bool()>;
  // Connects and negotiates; throws NetFailure.
  Association(const Settings& settings, const PlannedAssociation& plan, const Timeouts& timeouts,
              Cancelled cancelled);
  ~Association();  // aborts if still open
  Association(const Association&) = delete;
  Association& operator=(const Association&) = delete;

  // The transfer syntax the receiver accepted for context `id`, or "" when it refused it.
  std::string accepted_syntax(std::uint8_t id) const;
  std::size_t accepted_count() const;
  // Largest P-DATA fragment we send (the receiver's limit and --max-pdu).
  std::size_t fragment_size() const;

  // C-ECHO on the Verification context; false when the receiver refused that context.
  bool echo();
  // C-STORE of a data set as bytes: `head` first, then `more` until it returns 0.
  StoreReply store_bytes(std::uint8_t context, const std::string& sop_class,
                         const std::string& sop_instance, std::string head, const ReadFn& more);
  // C-STORE of a parsed data set, encoded by DCMTK in the context's accepted syntax.
  StoreReply store_dataset(std::uint8_t context, const std::string& sop_class,
                           const std::string& sop_instance, DcmDataset& dataset);

  void release();  // A-RELEASE; the association is closed afterwards, even on failure
  void abort();    // A-ABORT

 private:
  std::uint16_t next_message_id();
  void send_command(std::uint8_t context, const std::string& sop_class,
                    const std::string& sop_instance, std::uint16_t message_id);
  StoreReply await_response(std::uint16_t message_id);
  [[noreturn]] void fail_dropped(const std::string& what, const std::string& detail);

  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Process-wide DCMTK settings this transport relies on (idempotent, thread-safe).
void initialise_dcmtk();

}  // namespace cstore
