#include "association.hpp"

#include <dcmtk/config/osconfig.h>  // must precede every other DCMTK header
#include <dcmtk/dcmdata/dcdatset.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcdict.h>
#include <dcmtk/dcmnet/assoc.h>
#include <dcmtk/dcmnet/dcmtrans.h>
#include <dcmtk/dcmnet/dimse.h>
#include <dcmtk/dcmnet/dul.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <optional>
#include <vector>

#include "pdata_writer.hpp"

namespace cstore {
namespace {

// DcmTransportConnection::getSocket() is protected; a pointer to it taken through a derived
// class may be applied to any connection (the same idiom as emulator/scp).
struct SocketOf : DcmTransportConnection {
  static DcmNativeSocketType get(DcmTransportConnection& c) {
    return (c.*(&SocketOf::getSocket))();
  }
};

std::string lower_first(std::string text) {
  if (!text.empty() && text[0] >= 'A' && text[0] <= 'Z' &&
      !(text.size() > 1 && text[1] >= 'A' && text[1] <= 'Z'))
    text[0] = static_cast<char>(text[0] - 'A' + 'a');
  return text;
}

// DCMTK says "TCP Initialization Error: Connection refused"; the user needs the last part.
std::string connect_reason(const OFCondition& cond) {
  std::string text = cond.text();
  const auto colon = text.rfind(": ");
  if (colon != std::string::npos) text = text.substr(colon + 2);
  return lower_first(text);
}

std::string rejection_message(const Settings& s, const T_ASC_RejectParameters& rej) {
  const std::string who = "the DICOM receiver at " + s.address() + " rejected the association: ";
  switch (rej.reason) {
    case ASC_REASON_SU_CALLEDAETITLENOTRECOGNIZED:
      return who + "called AE title '" + s.called_aet +
             "' not recognised; check --called-aet (XNAT's default receiver is 'XNAT')";
    case ASC_REASON_SU_CALLINGAETITLENOTRECOGNIZED:
      return who + "calling AE title '" + s.calling_aet +
             "' not recognised; ask the XNAT administrator to allow it, or set --calling-aet";
    case ASC_REASON_SU_APPCONTEXTNAMENOTSUPPORTED:
      return who + "DICOM application context not supported (is this a DICOM receiver?)";
    case ASC_REASON_SP_ACSE_PROTOCOLVERSIONNOTSUPPORTED:
      return who + "protocol version not supported";
    case ASC_REASON_SP_PRES_TEMPORARYCONGESTION:
      return who + "temporary congestion; try again later";
    case ASC_REASON_SP_PRES_LOCALLIMITEXCEEDED:
      return who + "too many associations at once; try fewer --workers";
    default:
      return who + (rej.result == ASC_RESULT_REJECTEDTRANSIENT ? "transient, " : "") +
             "no reason given";
  }
}

void put(std::string& out, std::uint16_t element, const void* value, std::uint32_t length) {
  const unsigned char header[8] = {0,
                                   0,
                                   static_cast<unsigned char>(element & 0xFF),
                                   static_cast<unsigned char>(element >> 8),
                                   static_cast<unsigned char>(length & 0xFF),
                                   static_cast<unsigned char>((length >> 8) & 0xFF),
                                   static_cast<unsigned char>((length >> 16) & 0xFF),
                                   static_cast<unsigned char>(length >> 24)};
  out.append(reinterpret_cast<const char*>(header), sizeof header);
  out.append(static_cast<const char*>(value), length);
}
void put_us(std::string& out, std::uint16_t element, std::uint16_t v) {
  const unsigned char bytes[2] = {static_cast<unsigned char>(v & 0xFF),
                                  static_cast<unsigned char>(v >> 8)};
  put(out, element, bytes, 2);
}
void put_ui(std::string& out, std::uint16_t element, std::string uid) {
  if (uid.size() % 2 != 0) uid.push_back('\0');  // UI pads with NUL to even length
  put(out, element, uid.data(), static_cast<std::uint32_t>(uid.size()));
}

// A C-STORE-RQ command set, implicit VR little endian as every command (PS3.7 §6.3.1, §9.3.1.1).
std::string store_command(const std::string& sop_class, const std::string& sop_instance,
                          std::uint16_t message_id) {
  std::string body;
  put_ui(body, 0x0002, sop_class);     // Affected SOP Class UID
  put_us(body, 0x0100, 0x0001);        // Command Field: C-STORE-RQ
  put_us(body, 0x0110, message_id);    // Message ID
  put_us(body, 0x0700, 0x0000);        // Priority: medium
  put_us(body, 0x0800, 0x0000);        // Command Data Set Type: a data set follows
  put_ui(body, 0x1000, sop_instance);  // Affected SOP Instance UID
  std::string command;
  const std::uint32_t length = static_cast<std::uint32_t>(body.size());
  const unsigned char ul[4] = {
      static_cast<unsigned char>(length & 0xFF), static_cast<unsigned char>((length >> 8) & 0xFF),
      static_cast<unsigned char>((length >> 16) & 0xFF), static_cast<unsigned char>(length >> 24)};
  put(command, 0x0000, ul, 4);  // Command Group Length
  return command + body;
}

}  // namespace

void initialise_dcmtk() {
  static std::once_flag once;
  std::call_once(once, [] {
    // Debian's DCMTK leaves Nagle's algorithm on and reads TCP_NODELAY per connection; every
    // C-STORE would wait for a delayed ACK (30-45x slower, toolchain.md §2.5). An explicit
    // setting by the user wins for the handshake; the socket itself is set below anyway.
    ::setenv("TCP_NODELAY", "1", 0);
    // Peers are named by address; reverse DNS would only add latency (or hang without DNS).
    dcmDisableGethostbyaddr.set(OFTrue);
  });
  if (!dcmDataDict.isDictionaryLoaded())
    throw NetFailure(NetFailure::Kind::kLocal,
                     "DCMTK data dictionary is not loaded (check DCMDICTPATH or install the "
                     "DCMTK dictionary, e.g. Debian package libdcmtk17)");
}

struct Association::Impl {
  Settings settings;
  Timeouts timeouts;
  Cancelled cancelled;
  T_ASC_Network* network = nullptr;
  T_ASC_Association* assoc = nullptr;
  std::vector<char> fragment;         // one P-DATA fragment plus look-ahead
  std::optional<PDataWriter> writer;  // C-STORE requests, once the association is up
};

Association::Association(const Settings& settings, const PlannedAssociation& plan,
                         const Timeouts& timeouts, Cancelled cancelled)
    : impl_(std::make_unique<Impl>()) {
  initialise_dcmtk();
  Impl& d = *impl_;
  d.settings = settings;
  d.timeouts = timeouts;
  d.cancelled = std::move(cancelled);
  dcmConnectionTimeout.set(timeouts.connect_seconds);
  OFCondition cond = ASC_initializeNetwork(NET_REQUESTOR, 0, timeouts.acse_seconds, &d.network);
  if (cond.bad())
    throw NetFailure(NetFailure::Kind::kLocal, std::string("DICOM network: ") + cond.text());
  T_ASC_Parameters* params = nullptr;
  cond = ASC_createAssociationParameters(&params, static_cast<long>(settings.max_pdu));
  if (cond.bad()) {
    ASC_dropNetwork(&d.network);
    throw NetFailure(NetFailure::Kind::kLocal, std::string("DICOM network: ") + cond.text());
  }
  ASC_setAPTitles(params, settings.calling_aet.c_str(), settings.called_aet.c_str(), nullptr);
  ASC_setPresentationAddresses(params, "localhost", settings.address().c_str());
  for (const PlannedContext& c : plan.contexts) {
    std::vector<const char*> syntaxes;
    for (const std::string& ts : c.transfer_syntaxes) syntaxes.push_back(ts.c_str());
    cond = ASC_addPresentationContext(params, c.id, c.sop_class_uid.c_str(), syntaxes.data(),
                                      static_cast<int>(syntaxes.size()));
    if (cond.bad()) break;
  }
  if (cond.good()) cond = ASC_requestAssociation(d.network, params, &d.assoc);
  if (cond.bad()) {
    std::string message;
    NetFailure::Kind kind = NetFailure::Kind::kConnect;
    if (cond == DUL_ASSOCIATIONREJECTED) {
      T_ASC_RejectParameters rej{};
      ASC_getRejectParameters(params, &rej);
      message = rejection_message(settings, rej);
      kind = rej.result == ASC_RESULT_REJECTEDTRANSIENT ? NetFailure::Kind::kBusy
                                                        : NetFailure::Kind::kRejected;
    } else if (cond == DUL_PEERABORTEDASSOCIATION || cond == DUL_READTIMEOUT) {
      message = "the DICOM receiver at " + settings.address() +
                " accepted the connection but did not negotiate (" + connect_reason(cond) +
                "); check the port: XNAT often uses 8104";
      kind = NetFailure::Kind::kDropped;
    } else {
      message = "cannot connect to the DICOM receiver at " + settings.address() + ": " +
                connect_reason(cond) + "; check --host, and check the port: XNAT often uses 8104";
    }
    if (d.assoc != nullptr) {
      ASC_dropAssociation(d.assoc);
      ASC_destroyAssociation(&d.assoc);
    } else {
      ASC_destroyAssociationParameters(&params);
    }
    ASC_dropNetwork(&d.network);
    throw NetFailure(kind, message);
  }
  // Nagle off on our socket whatever the environment says (see initialise_dcmtk()).
  DcmTransportConnection* connection = DUL_getTransportConnection(d.assoc->DULassociation);
  if (connection == nullptr) {
    abort();
    throw NetFailure(NetFailure::Kind::kLocal, "DCMTK gave the association no connection");
  }
  const int one = 1;
  ::setsockopt(SocketOf::get(*connection), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  d.writer.emplace(connection);
  d.fragment.resize(2 * fragment_size() + 2);
}

Association::~Association() {
  abort();
}

std::string Association::accepted_syntax(std::uint8_t id) const {
  T_ASC_PresentationContext pc;
  if (ASC_findAcceptedPresentationContext(impl_->assoc->params, id, &pc).bad()) return {};
  return pc.acceptedTransferSyntax;
}

std::size_t Association::accepted_count() const {
  return static_cast<std::size_t>(ASC_countAcceptedPresentationContexts(impl_->assoc->params));
}

std::size_t Association::fragment_size() const {
  const std::size_t ours = impl_->settings.max_pdu - 12;  // minus PDU and PDV headers
  return std::min<std::size_t>(impl_->assoc->sendPDVLength, ours & ~std::size_t{1});
}

std::uint16_t Association::next_message_id() {
  return impl_->assoc->nextMsgID++;
}

bool Association::echo() {
  if (accepted_syntax(1).empty()) return false;
  DIC_US status = 0;
  DcmDataset* detail = nullptr;
  OFCondition cond = DIMSE_echoUser(impl_->assoc, next_message_id(), DIMSE_BLOCKING,
                                    impl_->timeouts.dimse_seconds, &status, &detail);
  delete detail;
  if (cond.bad()) fail_dropped("C-ECHO", cond.text());
  return true;
}

void Association::fail_dropped(const std::string& what, const std::string& detail) {
  const std::string message = what + " to " + impl_->settings.address() + " failed: " + detail;
  abort();
  throw NetFailure(NetFailure::Kind::kDropped, message);
}

void Association::send_command(std::uint8_t context, const std::string& sop_class,
                               const std::string& sop_instance, std::uint16_t message_id) {
  const std::string command = store_command(sop_class, sop_instance, message_id);
  // Not flushed: it leaves with the first data fragments.
  if (!impl_->writer->add(context, true, true, command.data(), command.size()))
    fail_dropped("sending a C-STORE request", std::strerror(errno));
}

StoreReply Association::store_bytes(std::uint8_t context, const std::string& sop_class,
                                    const std::string& sop_instance, std::string head,
                                    const ReadFn& more) {
  if (impl_->assoc == nullptr) throw NetFailure(NetFailure::Kind::kDropped, "association closed");
  const std::uint16_t id = next_message_id();
  send_command(context, sop_class, sop_instance, id);
  // Fragments of fragment_size() bytes; one fragment of look-ahead tells which one is last.
  const std::size_t chunk = fragment_size();
  std::vector<char>& buf = impl_->fragment;
  std::size_t filled = std::min(head.size(), buf.size() - 1);
  std::memcpy(buf.data(), head.data(), filled);
  std::size_t head_used = filled;
  bool eof = false;
  auto refill = [&] {
    while (filled < chunk + 1 && !eof) {
      if (head_used < head.size()) {
        const std::size_t n = std::min(head.size() - head_used, buf.size() - 1 - filled);
        std::memcpy(buf.data() + filled, head.data() + head_used, n);
        head_used += n;
        filled += n;
        continue;
      }
      std::size_t n = 0;
      try {
        n = more(buf.data() + filled, buf.size() - 1 - filled);
      } catch (const std::exception& e) {
        abort();
        throw NetFailure(NetFailure::Kind::kLocal, e.what());
      }
      if (n == 0) eof = true;
      filled += n;
    }
  };
  refill();
  if (filled == 0) {
    abort();
    throw NetFailure(NetFailure::Kind::kLocal, "the file holds no data set after its meta header");
  }
  for (;;) {
    if (impl_->cancelled()) {
      abort();
      throw NetFailure(NetFailure::Kind::kCancelled, "cancelled");
    }
    const bool last = filled <= chunk;
    std::size_t length = last ? filled : chunk;
    // A data set is even by construction except a deflated one's end; pad like DCMTK does.
    if (last && length % 2 != 0) buf[length++] = '\0';
    if (!impl_->writer->add(context, false, last, buf.data(), length) ||
        (last && !impl_->writer->flush()))
      fail_dropped("sending a data set", std::strerror(errno));
    if (last) break;
    std::memmove(buf.data(), buf.data() + chunk, filled - chunk);
    filled -= chunk;
    refill();
  }
  return await_response(id);
}

StoreReply Association::store_dataset(std::uint8_t context, const std::string& sop_class,
                                      const std::string& sop_instance, DcmDataset& dataset) {
  if (impl_->assoc == nullptr) throw NetFailure(NetFailure::Kind::kDropped, "association closed");
  T_DIMSE_Message msg;
  std::memset(&msg, 0, sizeof msg);
  msg.CommandField = DIMSE_C_STORE_RQ;
  T_DIMSE_C_StoreRQ& rq = msg.msg.CStoreRQ;
  rq.MessageID = next_message_id();
  OFStandard::strlcpy(rq.AffectedSOPClassUID, sop_class.c_str(), sizeof rq.AffectedSOPClassUID);
  OFStandard::strlcpy(rq.AffectedSOPInstanceUID, sop_instance.c_str(),
                      sizeof rq.AffectedSOPInstanceUID);
  rq.DataSetType = DIMSE_DATASET_PRESENT;
  rq.Priority = DIMSE_PRIORITY_MEDIUM;
  OFCondition cond = DIMSE_sendMessageUsingMemoryData(impl_->assoc, context, &msg, nullptr,
                                                      &dataset, nullptr, nullptr);
  if (cond.bad()) fail_dropped("sending a converted data set", cond.text());
  return await_response(rq.MessageID);
}

StoreReply Association::await_response(std::uint16_t message_id) {
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(impl_->timeouts.dimse_seconds);
  for (;;) {
    T_ASC_PresentationContextID pres = 0;
    T_DIMSE_Message rsp;
    std::memset(&rsp, 0, sizeof rsp);
    DcmDataset* detail = nullptr;
    // One-second polls so Ctrl-C is noticed while the receiver works on a large object.
    OFCondition cond =
        DIMSE_receiveCommand(impl_->assoc, DIMSE_NONBLOCKING, 1, &pres, &rsp, &detail);
    if (cond == DIMSE_NODATAAVAILABLE) {
      if (impl_->cancelled()) {
        abort();
        throw NetFailure(NetFailure::Kind::kCancelled, "cancelled");
      }
      if (std::chrono::steady_clock::now() > deadline) {
        abort();
        throw NetFailure(NetFailure::Kind::kTimeout,
                         "no C-STORE response from " + impl_->settings.address() + " within " +
                             std::to_string(impl_->timeouts.dimse_seconds) + " s");
      }
      continue;
    }
    std::unique_ptr<DcmDataset> owned(detail);
    if (cond.bad()) fail_dropped("waiting for the C-STORE response", cond.text());
    if (rsp.CommandField != DIMSE_C_STORE_RSP ||
        rsp.msg.CStoreRSP.MessageIDBeingRespondedTo != message_id)
      fail_dropped("waiting for the C-STORE response", "unexpected DIMSE message");
    StoreReply reply;
    reply.status = rsp.msg.CStoreRSP.DimseStatus;
    OFString comment;
    if (owned && owned->findAndGetOFString(DCM_ErrorComment, comment).good())
      reply.error_comment = comment.c_str();
    return reply;
  }
}

void Association::release() {
  Impl& d = *impl_;
  if (d.assoc != nullptr) {
    ASC_releaseAssociation(d.assoc);
    ASC_destroyAssociation(&d.assoc);
  }
  if (d.network != nullptr) ASC_dropNetwork(&d.network);
}

void Association::abort() {
  Impl& d = *impl_;
  if (d.assoc != nullptr) {
    ASC_abortAssociation(d.assoc);
    ASC_destroyAssociation(&d.assoc);
  }
  if (d.network != nullptr) ASC_dropNetwork(&d.network);
}

}  // namespace cstore
