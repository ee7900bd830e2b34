// rest_gradual: `session upload --gradual`. Sends one request per DICOM file to XNAT's
// import service (import-handler=gradual-DICOM), so each file succeeds or fails on its own.

#include "xnatctl/sdk.hpp"

namespace {

struct RestGradual {
  explicit RestGradual(xc::Host h) : host_(h) {}
  const xc::Host& host() const { return host_; }
  xc::Host host_;
};

struct Sender {
  Sender(RestGradual& plugin, const xc::Invocation&) : plugin_(plugin) {}
  const xc::Host& host() const { return plugin_.host(); }
  xc_status upload(const xc::Job&) {
    throw xc::Error(XC_UNSUPPORTED, "rest_gradual: sending gradual-DICOM is not implemented yet");
  }
  RestGradual& plugin_;
};

using Thunks = xc::TransportThunks<RestGradual, Sender>;

constexpr xc_transport_desc kTransport =
    xc::Transport("rest_gradual",
                  "gradual-DICOM over the REST import API (one request per file; resumable)",
                  "session upload")
        .capabilities(XC_TRANSPORT_PER_FILE_RESULTS | XC_TRANSPORT_PARALLEL |
                      XC_TRANSPORT_NEEDS_HTTP)
        .lifecycle(Thunks::create, Thunks::upload, Thunks::destroy)
        .desc();
constexpr const xc_transport_desc* kTransports[] = {&kTransport};

constexpr xc_plugin_desc kPlugin =
    xc::Plugin("rest_gradual", "0.1.0", "Upload sessions file by file (REST gradual-DICOM)")
        .transports(kTransports)
        .lifecycle(xc::plugin_init<RestGradual>, xc::plugin_shutdown<RestGradual>)
        .desc();

}  // namespace

XC_DEFINE_PLUGIN(kPlugin)
