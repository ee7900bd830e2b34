// cstore: the transport of `session upload-dicom` (and `session upload --transport cstore`).
// Sends DICOM files with C-STORE to an XNAT DICOM receiver (native DICOM, no HTTP, so no REST
// login: the transport does not declare XC_TRANSPORT_NEEDS_HTTP). The pieces:
//   settings   options, checked in create()
//   plan       presentation contexts from the probed attributes, split into associations
//   sender     workers, one long-lived association each, retries, per-file reports
//   association DCMTK ASC/DIMSE, data sets sent byte for byte
//   describe   the dry run

#include "dcmtk_log.hpp"
#include "describe.hpp"
#include "sender.hpp"
#include "settings.hpp"
#include "xnatctl/sdk.hpp"

namespace {

struct CStore {
  explicit CStore(xc::Host h) : host_(h), log_route_(host_) {}
  const xc::Host& host() const { return host_; }
  xc::Host host_;
  cstore::DcmtkLogRoute log_route_;
};

struct Sender {
  Sender(CStore& plugin, const xc::Invocation& inv)
      : plugin_(plugin),
        settings_(cstore::read_settings([&inv](const char* name) { return inv.option(name); })) {}
  const xc::Host& host() const { return plugin_.host(); }

  xc_status upload(const xc::Job& job) {
    xc_error error = xc::make_error();
    const xc_status status = cstore::send_job(host(), job, settings_, limits_, &error);
    if (status != XC_OK && status != XC_PARTIAL) throw xc::Error(status, error.message);
    return status;
  }
  xc_status describe(const xc::Job& job) {
    const cstore::Plan plan = cstore::plan_for(job, settings_.allow_transcode);
    xc::Invocation(host(), job.invocation())
        .print(XC_STDOUT, cstore::describe_plan(settings_, job, plan));
    return XC_OK;
  }

  CStore& plugin_;
  cstore::Settings settings_;
  cstore::SendLimits limits_;
};

using Thunks = xc::TransportThunks<CStore, Sender>;

// Names, environment variables and profile keys are the user contract (docs/uploading.md);
// the host also reads "host", "port" and "called-aet" by name for the resume journal's key.
constexpr xc_option_desc kHost = xc::Option("host", XC_OPTION_STRING, "DICOM receiver host name")
                                     .env("XNAT_DICOM_HOST")
                                     .profile_key("dicom_host")
                                     .required()
                                     .desc();
constexpr xc_option_desc kPort =
    xc::Option("port", XC_OPTION_INT, "DICOM receiver port (XNAT's default receiver: 8104)")
        .env("XNAT_DICOM_PORT")
        .profile_key("dicom_port")
        .default_value("104")
        .desc();
constexpr xc_option_desc kCalledAet =
    xc::Option("called-aet", XC_OPTION_STRING, "AE title of the receiver (XNAT's default: XNAT)")
        .value_name("AET")
        .env("XNAT_DICOM_CALLED_AET")
        .profile_key("dicom_called_aet")
        .required()
        .desc();
constexpr xc_option_desc kCallingAet = xc::Option("calling-aet", XC_OPTION_STRING, "our AE title")
                                           .value_name("AET")
                                           .env("XNAT_DICOM_CALLING_AET")
                                           .profile_key("dicom_calling_aet")
                                           .default_value("XNATCTL")
                                           .desc();
constexpr xc_option_desc kMaxPdu =
    xc::Option("max-pdu", XC_OPTION_INT, "largest PDU in bytes we send and receive (4096-131072)")
        .value_name("BYTES")
        .default_value("116794")
        .desc();
constexpr xc_option_desc kAllowTranscode =
    xc::Option("allow-transcode", XC_OPTION_FLAG,
               "send a file uncompressed when the receiver refuses its own transfer syntax "
               "(off: such files are reported, never altered)")
        .desc();
constexpr const xc_option_desc* kOptions[] = {&kHost,       &kPort,   &kCalledAet,
                                              &kCallingAet, &kMaxPdu, &kAllowTranscode};

constexpr xc_transport_desc kTransport =
    xc::Transport("cstore", "DICOM C-STORE to an XNAT DICOM receiver", "session upload-dicom")
        .capabilities(XC_TRANSPORT_PER_FILE_RESULTS | XC_TRANSPORT_PARALLEL | XC_TRANSPORT_RESUME)
        .options(kOptions)
        .lifecycle(Thunks::create, Thunks::upload, Thunks::destroy)
        .describe(Thunks::describe)
        .desc();
constexpr const xc_transport_desc* kTransports[] = {&kTransport};

constexpr xc_plugin_desc kPlugin =
    xc::Plugin("cstore", "0.2.0", "Upload with DICOM C-STORE")
        .transports(kTransports)
        .lifecycle(xc::plugin_init<CStore>, xc::plugin_shutdown<CStore>)
        .desc();

}  // namespace

XC_DEFINE_PLUGIN(kPlugin)
