// cstore: the transport of `session upload-dicom`. Sends DICOM files with C-STORE to an
// XNAT DICOM receiver (native DICOM network protocol, no HTTP).

#include "xnatctl/sdk.hpp"

namespace {

struct CStore {
  explicit CStore(xc::Host h) : host_(h) {}
  const xc::Host& host() const { return host_; }
  xc::Host host_;
};

struct Sender {
  Sender(CStore& plugin, const xc::Invocation&) : plugin_(plugin) {}
  const xc::Host& host() const { return plugin_.host(); }
  xc_status upload(const xc::Job&) {
    throw xc::Error(XC_UNSUPPORTED, "cstore: sending with C-STORE is not implemented yet");
  }
  CStore& plugin_;
};

using Thunks = xc::TransportThunks<CStore, Sender>;

constexpr xc_option_desc kHost = xc::Option("host", XC_OPTION_STRING, "DICOM receiver host name")
                                     .env("XNAT_DICOM_HOST")
                                     .required()
                                     .desc();
constexpr xc_option_desc kPort = xc::Option("port", XC_OPTION_INT, "DICOM receiver port")
                                     .env("XNAT_DICOM_PORT")
                                     .default_value("104")
                                     .desc();
constexpr xc_option_desc kCalledAet =
    xc::Option("called-aet", XC_OPTION_STRING, "AE title of the receiver")
        .value_name("AET")
        .env("XNAT_DICOM_CALLED_AET")
        .required()
        .desc();
constexpr xc_option_desc kCallingAet = xc::Option("calling-aet", XC_OPTION_STRING, "our AE title")
                                           .value_name("AET")
                                           .env("XNAT_DICOM_CALLING_AET")
                                           .default_value("XNATCTL")
                                           .desc();
constexpr const xc_option_desc* kOptions[] = {&kHost, &kPort, &kCalledAet, &kCallingAet};

constexpr xc_transport_desc kTransport =
    xc::Transport("cstore", "DICOM C-STORE to an XNAT DICOM receiver", "session upload-dicom")
        .capabilities(XC_TRANSPORT_PER_FILE_RESULTS | XC_TRANSPORT_PARALLEL)
        .options(kOptions)
        .lifecycle(Thunks::create, Thunks::upload, Thunks::destroy)
        .desc();
constexpr const xc_transport_desc* kTransports[] = {&kTransport};

constexpr xc_plugin_desc kPlugin =
    xc::Plugin("cstore", "0.1.0", "Upload with DICOM C-STORE")
        .transports(kTransports)
        .lifecycle(xc::plugin_init<CStore>, xc::plugin_shutdown<CStore>)
        .desc();

}  // namespace

XC_DEFINE_PLUGIN(kPlugin)
