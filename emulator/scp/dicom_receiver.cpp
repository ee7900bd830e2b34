#include "dicom_receiver.hpp"

#include <arpa/inet.h>
#include <dcmtk/config/osconfig.h>  // must precede every other DCMTK header
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmdata/dcxfer.h>
#include <dcmtk/dcmnet/assoc.h>
#include <dcmtk/dcmnet/dcmtrans.h>
#include <dcmtk/dcmnet/dimse.h>
#include <dcmtk/dcmnet/dul.h>
#include <dcmtk/dcmnet/dulstruc.h>
#include <dcmtk/dcmnet/scpcfg.h>
#include <dcmtk/dcmnet/scpthrd.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <list>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>

#include "connection_gate.hpp"
#include "xnatctl/dicom/header_probe.hpp"

namespace xnatctl::emulator {
namespace {

constexpr Uint32 kMaxPduLength = 131072;  // 128 KiB, as storescp's default maximum
constexpr int kAcseTimeoutSeconds = 5;    // a connected peer must send its A-ASSOCIATE-RQ by then
// Bounds a stalled peer in the middle of a dataset; idle peers between commands are polled
// every second instead, so stop() is not held up by them.
constexpr Uint32 kDimseTimeoutSeconds = 30;
constexpr int kPollSeconds = 1;
constexpr Uint16 kStatusOutOfResources = 0xA700;

// Every transfer syntax DCMTK knows (its E_TransferSyntax list), compressed ones included: the
// receiver stores datasets as received, so it needs no codec for any of them.
std::set<std::string, std::less<>> accepted_transfer_syntaxes() {
  std::set<std::string, std::less<>> set;
  for (int x = EXS_LittleEndianImplicit; x <= EXS_PrivateGE_LEI_WithBigEndianPixelData; ++x) {
    if (x == EXS_BigEndianImplicit) continue;  // pseudo transfer syntax without a UID
    set.insert(DcmXfer(static_cast<E_TransferSyntax>(x)).getXferID());
  }
  return set;
}

DcmSCPConfig make_config(const ReceiverOptions& o) {
  DcmSCPConfig cfg;
  cfg.setAETitle(o.ae_title.c_str());
  cfg.setRespondWithCalledAETitle(OFFalse);
  cfg.setMaxReceivePDULength(kMaxPduLength);
  cfg.setDIMSEBlockingMode(DIMSE_NONBLOCKING);
  cfg.setDIMSETimeout(kDimseTimeoutSeconds);
  cfg.setACSETimeout(kAcseTimeoutSeconds);
  cfg.setHostLookupEnabled(OFFalse);
  return cfg;
}

std::string trimmed(const OFString& s) {
  std::string r = s.c_str();
  const auto end = r.find_last_not_of(' ');
  r.erase(end == std::string::npos ? 0 : end + 1);
  const auto begin = r.find_first_not_of(' ');
  return begin == std::string::npos ? std::string() : r.substr(begin);
}

// DcmTransportConnection::getSocket() is protected; a pointer to it taken through a derived
// class may be applied to any connection (standard C++, no layout assumptions).
struct SocketOf : DcmTransportConnection {
  static DcmNativeSocketType get(DcmTransportConnection& c) {
    return (c.*(&SocketOf::getSocket))();
  }
};

// Spool file names are unique per process, even with several receivers sharing a spool dir.
std::atomic<std::uint64_t> g_spool_counter{0};

}  // namespace

struct DicomReceiver::Impl {
  ReceiverOptions options;
  ObjectHandler handler;
  DcmSharedSCPConfig config;
  T_ASC_Network* network = nullptr;
  int listen_fd = -1;
  std::unique_ptr<ConnectionGate> gate;
  std::atomic<bool> stopping{false};
  bool started = false;

  struct Session {
    std::thread thread;
    std::atomic<bool> done{false};
  };
  std::mutex sessions_mutex;
  std::list<Session> sessions;

  void bind_network();
  void start_gate();
  void receive(int fd);
  void serve(T_ASC_Association* assoc, Session* session);
  void reap(bool all);
};

namespace {

// One association. DcmThreadSCP does negotiation (with our called-AE check) and C-ECHO; we add
// C-STORE to a spool file and a command loop that notices stop() while the peer is idle.
class AssociationWorker : public DcmThreadSCP {
 public:
  AssociationWorker(const ReceiverOptions& options, const ObjectHandler& handler,
                    const std::atomic<bool>& stopping, T_ASC_Association* assoc)
      : options_(options), handler_(handler), stopping_(stopping), assoc_(assoc) {}

  OFCondition serve() { return run(assoc_); }

  using UidSet = std::set<std::string, std::less<>>;
  static const UidSet& store_transfer_syntaxes() {
    static const UidSet set = accepted_transfer_syntaxes();
    return set;
  }
  static const UidSet& echo_transfer_syntaxes() {
    static const UidSet set = {UID_LittleEndianExplicitTransferSyntax,
                               UID_BigEndianExplicitTransferSyntax,
                               UID_LittleEndianImplicitTransferSyntax};
    return set;
  }
  static const UidSet& storage_classes() {
    static const UidSet set(dcmAllStorageSOPClassUIDs,
                            dcmAllStorageSOPClassUIDs + numberOfDcmAllStorageSOPClassUIDs);
    return set;
  }

 protected:
  OFBool checkCalledAETitleAccepted(const OFString& called_ae) override {
    return trimmed(called_ae) == options_.ae_title;
  }

  // DcmSCPConfig (DcmAssociationConfiguration) caps a profile at 128 presentation contexts, but
  // DCMTK knows ~150 storage SOP classes, so negotiate here. Per context we accept the first
  // transfer syntax *the peer* proposed that we support (as dcm4che-based XNAT does): a peer
  // listing its file's own encoding first then sends it unconverted.
  OFCondition negotiateAssociation() override {
    T_ASC_Parameters* params = assoc_->params;
    const int n = ASC_countPresentationContexts(params);
    for (int i = 0; i < n; ++i) {
      T_ASC_PresentationContext pc;
      OFCondition cond = ASC_getPresentationContext(params, i, &pc);
      if (cond.bad()) return cond;
      const bool echo = std::strcmp(pc.abstractSyntax, UID_VerificationSOPClass) == 0;
      if (!echo && !storage_classes().count(pc.abstractSyntax)) {
        cond = ASC_refusePresentationContext(params, pc.presentationContextID,
                                             ASC_P_ABSTRACTSYNTAXNOTSUPPORTED);
      } else {
        const auto& supported = echo ? echo_transfer_syntaxes() : store_transfer_syntaxes();
        const char* chosen = nullptr;
        for (int t = 0; t < pc.transferSyntaxCount && chosen == nullptr; ++t) {
          if (supported.count(pc.proposedTransferSyntaxes[t]))
            chosen = pc.proposedTransferSyntaxes[t];
        }
        cond = chosen != nullptr
                   ? ASC_acceptPresentationContext(params, pc.presentationContextID, chosen)
                   : ASC_refusePresentationContext(params, pc.presentationContextID,
                                                   ASC_P_TRANSFERSYNTAXESNOTSUPPORTED);
      }
      if (cond.bad()) return cond;
    }
    return EC_Normal;
  }

  void handleAssociation() override {
    if (options_.abort_after_objects == 0) {
      ASC_abortAssociation(assoc_);
      return;
    }
    for (;;) {
      T_ASC_PresentationContextID pres_id = 0;
      T_DIMSE_Message msg;
      std::memset(&msg, 0, sizeof msg);
      OFCondition cond = receiveDIMSECommand(&pres_id, &msg, nullptr, nullptr, kPollSeconds);
      if (cond == DIMSE_NODATAAVAILABLE) {
        if (stopping_) {
          // A-ABORT waits for the peer to close the connection (up to the ACSE timeout);
          // closing our reading side first makes that wait end at once, while the A-ABORT
          // PDU itself is still written.
          if (DcmTransportConnection* c = DUL_getTransportConnection(assoc_->DULassociation))
            ::shutdown(SocketOf::get(*c), SHUT_RD);
          ASC_abortAssociation(assoc_);
          return;
        }
        continue;
      }
      if (cond == DUL_PEERREQUESTEDRELEASE) {
        ASC_acknowledgeRelease(assoc_);
        return;
      }
      if (cond == DUL_PEERABORTEDASSOCIATION) return;
      if (cond.good()) {
        DcmPresentationContextInfo info;
        getPresentationContextInfo(assoc_, pres_id, info);
        cond = handleIncomingCommand(&msg, info);
      }
      if (cond.bad() || abort_now_) {
        ASC_abortAssociation(assoc_);
        return;
      }
    }
  }

  OFCondition handleIncomingCommand(T_DIMSE_Message* msg,
                                    const DcmPresentationContextInfo& info) override {
    if (msg->CommandField != DIMSE_C_STORE_RQ)
      return DcmThreadSCP::handleIncomingCommand(msg, info);
    T_DIMSE_C_StoreRQ& rq = msg->msg.CStoreRQ;
    const auto file = options_.spool_dir / ("rcv_" + std::to_string(::getpid()) + "_" +
                                            std::to_string(g_spool_counter.fetch_add(1)) + ".dcm");
    // Written as received: meta header from the request + the dataset bytes off the wire.
    OFCondition cond = receiveSTORERequest(rq, info.presentationContextID, file.c_str());
    if (cond.bad()) {
      std::error_code ec;
      std::filesystem::remove(file, ec);
      return cond;
    }
    ReceivedObject obj;
    obj.file = file;
    obj.calling_aet = trimmed(getPeerAETitle());
    obj.called_aet = trimmed(getCalledAETitle());
    obj.peer_address = getPeerIP().c_str();
    obj.transfer_syntax_uid = info.acceptedTransferSyntax.c_str();
    StoreOutcome outcome;
    try {
      outcome = handler_(obj);
    } catch (const std::exception& e) {
      outcome = {kStatusOutOfResources, e.what()};
    } catch (...) {
      outcome = {kStatusOutOfResources, "unknown error in object handler"};
    }
    DcmDataset detail;
    const bool with_comment = outcome.status != STATUS_Success && !outcome.error_comment.empty();
    if (with_comment) {
      // Error Comment is LO: at most 64 characters.
      detail.putAndInsertString(DCM_ErrorComment, outcome.error_comment.substr(0, 64).c_str());
    }
    cond = sendSTOREResponse(info.presentationContextID, rq.MessageID, rq.AffectedSOPClassUID,
                             rq.AffectedSOPInstanceUID, outcome.status,
                             with_comment ? &detail : nullptr);
    ++objects_;
    if (options_.abort_after_objects > 0 && objects_ >= options_.abort_after_objects)
      abort_now_ = true;
    return cond;
  }

 private:
  const ReceiverOptions& options_;
  const ObjectHandler& handler_;
  const std::atomic<bool>& stopping_;
  T_ASC_Association* assoc_;
  int objects_ = 0;
  bool abort_now_ = false;
};

}  // namespace

// DCMTK 3.6.7's ASC_initializeNetwork always binds INADDR_ANY and cannot report the port it got
// for port 0. So we bind our own socket (any address, port 0 allowed), let DCMTK create its
// network on a port of its choosing, and swap our socket in for DCMTK's listening one with
// dup2(): DCMTK keeps its descriptor number, which now refers to our socket, and closes it in
// ASC_dropNetwork.
void DicomReceiver::Impl::bind_network() {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(options.port);
  if (inet_pton(AF_INET, options.bind_address.c_str(), &addr.sin_addr) != 1)
    throw std::runtime_error("DICOM receiver: bind_address must be an IPv4 address, got '" +
                             options.bind_address + "'");
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error(std::string("socket(): ") + std::strerror(errno));
  const int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd, 64) != 0) {
    const std::string err = std::strerror(errno);
    ::close(fd);
    throw std::runtime_error("DICOM receiver: cannot listen on " + options.bind_address + ":" +
                             std::to_string(options.port) + ": " + err);
  }
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  const std::uint16_t bound_port = ntohs(addr.sin_port);

  // DCMTK's own (soon replaced) socket needs some free port; random ones, retried on failure.
  OFCondition cond = EC_IllegalCall;
  unsigned seed = static_cast<unsigned>(::getpid()) ^ bound_port;
  for (int attempt = 0; attempt < 50 && cond.bad(); ++attempt) {
    const int dcmtk_port = 20000 + static_cast<int>(rand_r(&seed) % 40000);
    cond = ASC_initializeNetwork(NET_ACCEPTOR, dcmtk_port, kAcseTimeoutSeconds, &network);
    if (cond.bad()) network = nullptr;
  }
  if (cond.bad()) {
    ::close(fd);
    throw std::runtime_error(std::string("DICOM receiver: ASC_initializeNetwork: ") + cond.text());
  }
  auto* key = static_cast<PRIVATE_NETWORKKEY*>(network->network);
  const int dcmtk_fd = static_cast<int>(key->networkSpecific.TCP.listenSocket);
  if (::dup2(fd, dcmtk_fd) < 0) {
    const std::string err = std::strerror(errno);
    ::close(fd);
    ASC_dropNetwork(&network);
    throw std::runtime_error("DICOM receiver: dup2(): " + err);
  }
  ::close(fd);
  listen_fd = dcmtk_fd;
  network->acceptorPort = bound_port;
  options.port = bound_port;
}

// A-ASSOCIATE-RQ: PDU type 0x01, a reserved byte, a 32-bit big-endian length, then that many
// bytes (PS3.8 §9.3.2). The gate hands a connection to DCMTK only once all of it is here.
static Readiness judge_association_request(std::string_view received) {
  constexpr std::size_t kHeader = 6;
  if (static_cast<unsigned char>(received[0]) != 0x01) return Readiness::kReject;
  if (received.size() < kHeader) return Readiness::kWait;
  std::uint32_t length = 0;
  for (std::size_t i = 2; i < kHeader; ++i)
    length = (length << 8) | static_cast<unsigned char>(received[i]);
  if (length > kMaxPduLength) return Readiness::kReject;
  return received.size() >= kHeader + length ? Readiness::kReady : Readiness::kWait;
}

void DicomReceiver::Impl::start_gate() {
  // The gate accepts with accept4(); it must never block on this socket.
  ::fcntl(listen_fd, F_SETFL, ::fcntl(listen_fd, F_GETFL) | O_NONBLOCK);
  GateOptions gate_options;
  gate_options.listen_fd = listen_fd;
  gate_options.deadline =
      std::chrono::milliseconds(static_cast<long long>(options.request_timeout_seconds * 1000));
  gate_options.max_peek = kMaxPduLength + 6;
  gate_options.judge = judge_association_request;
  gate_options.on_ready = [this](int fd) { receive(fd); };
  gate = std::make_unique<ConnectionGate>(gate_options);
  gate->start();
}

// On the gate thread. The whole A-ASSOCIATE-RQ is already in the socket, so DCMTK reads it
// without waiting; negotiation and everything after it run on the association's own thread.
// dcmExternalSocketHandle is a process-wide DCMTK setting, safe here because only this
// thread ever calls ASC_receiveAssociation.
void DicomReceiver::Impl::receive(int fd) {
  reap(false);
  dcmExternalSocketHandle.set(fd);
  T_ASC_Association* assoc = nullptr;
  OFCondition cond = ASC_receiveAssociation(network, &assoc, kMaxPduLength, nullptr, nullptr,
                                            OFFalse, DUL_NOBLOCK, kPollSeconds);
  dcmExternalSocketHandle.set(DCMNET_INVALID_SOCKET);
  if (cond.good() && !stopping) {
    std::lock_guard<std::mutex> lock(sessions_mutex);
    Session& s = sessions.emplace_back();
    s.thread = std::thread([this, assoc, &s] { serve(assoc, &s); });
    return;
  }
  if (assoc != nullptr) {
    if (cond.good()) ASC_abortAssociation(assoc);
    ASC_dropAssociation(assoc);
    ASC_destroyAssociation(&assoc);
  } else {
    ::close(fd);
  }
}

void DicomReceiver::Impl::serve(T_ASC_Association* assoc, Session* session) {
  {
    AssociationWorker worker(options, handler, stopping, assoc);
    worker.setSharedConfig(config);
    worker.serve();
  }  // ~DcmSCP drops and destroys the association
  session->done = true;
}

void DicomReceiver::Impl::reap(bool all) {
  std::list<Session> finished;
  {
    std::lock_guard<std::mutex> lock(sessions_mutex);
    for (auto it = sessions.begin(); it != sessions.end();) {
      auto next = std::next(it);
      if (all || it->done) finished.splice(finished.end(), sessions, it);
      it = next;
    }
  }
  for (auto& s : finished) s.thread.join();
}

DicomReceiver::DicomReceiver(ReceiverOptions options, ObjectHandler handler)
    : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
  impl_->handler = std::move(handler);
}

DicomReceiver::~DicomReceiver() {
  stop();
}

std::uint16_t DicomReceiver::start() {
  Impl& d = *impl_;
  if (d.started) throw std::runtime_error("DICOM receiver already started");
  if (!d.handler) throw std::runtime_error("DICOM receiver needs an object handler");
  if (d.options.spool_dir.empty()) throw std::runtime_error("DICOM receiver needs a spool_dir");
  std::filesystem::create_directories(d.options.spool_dir);
  // Debian's DCMTK leaves Nagle on; every C-STORE response would then wait for a delayed ACK
  // (30-45x slower). DCMTK reads the variable per connection; an explicit setting wins.
  ::setenv("TCP_NODELAY", "1", 0);
  xnatctl::dicom::ensure_dcmtk_initialised();
  // Peers are reported by IP; reverse DNS would only add latency (or hang without DNS).
  dcmDisableGethostbyaddr.set(OFTrue);
  d.config = DcmSharedSCPConfig(make_config(d.options));
  d.bind_network();
  d.started = true;
  d.stopping = false;
  d.start_gate();
  return d.options.port;
}

void DicomReceiver::stop() {
  Impl& d = *impl_;
  if (!d.started) return;
  d.stopping = true;
  if (d.gate) d.gate->stop();
  d.gate.reset();
  d.reap(true);  // workers notice `stopping` within kPollSeconds when their peer is idle
  ASC_dropNetwork(&d.network);
  d.network = nullptr;
  d.listen_fd = -1;
  d.started = false;
}

}  // namespace xnatctl::emulator
