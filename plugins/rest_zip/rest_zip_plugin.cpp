// rest_zip: the default transport of `session upload`. Sends DICOM-zip batches to XNAT's
// import service (POST /data/services/import, import-handler=DICOM-zip).

#include "xnatctl/sdk.hpp"

namespace {

struct RestZip {
  explicit RestZip(xc::Host h) : host_(h) {}
  const xc::Host& host() const { return host_; }
  xc::Host host_;
};

struct Sender {
  Sender(RestZip& plugin, const xc::Invocation&) : plugin_(plugin) {}
  const xc::Host& host() const { return plugin_.host(); }
  xc_status upload(const xc::Job&) {
    throw xc::Error(XC_UNSUPPORTED, "rest_zip: sending DICOM-zip batches is not implemented yet");
  }
  RestZip& plugin_;
};

using Thunks = xc::TransportThunks<RestZip, Sender>;

constexpr xc_transport_desc kTransport =
    xc::Transport("rest_zip", "DICOM-zip batches over the REST import API (one request per batch)",
                  "session upload")
        .capabilities(XC_TRANSPORT_PARALLEL | XC_TRANSPORT_NEEDS_HTTP)
        .lifecycle(Thunks::create, Thunks::upload, Thunks::destroy)
        .desc();
constexpr const xc_transport_desc* kTransports[] = {&kTransport};

constexpr xc_plugin_desc kPlugin =
    xc::Plugin("rest_zip", "0.1.0", "Upload sessions as DICOM-zip batches (REST import API)")
        .transports(kTransports)
        .lifecycle(xc::plugin_init<RestZip>, xc::plugin_shutdown<RestZip>)
        .desc();

}  // namespace

XC_DEFINE_PLUGIN(kPlugin)
