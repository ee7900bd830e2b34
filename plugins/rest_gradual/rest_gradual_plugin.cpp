// rest_gradual: `session upload --gradual`. Sends one request per DICOM file to XNAT's
// import service (import-handler=gradual-DICOM), so each file succeeds or fails on its own
// and an interrupted upload resumes file by file. The host does everything around it (project
// check, --overwrite, journal, progress, commit, where-did-it-go, --verify); this plugin only
// sends files and reports each one.

#include "gradual_upload.hpp"
#include "xnatctl/sdk.hpp"

namespace {

struct RestGradual {
  explicit RestGradual(xc::Host h) : host_(h) {}
  const xc::Host& host() const { return host_; }
  xc::Host host_;
};

// Every setting comes typed from the job (xc_job_info): the host's `session upload` declares
// --workers, --prearchive, --overwrite and --dry-run, so this transport declares no options.
struct Sender {
  // Object names come from the host (ABI 1.1). The host refuses this plugin below 1.1 already
  // (it declares minor 1); the check makes the reason plain for any host that loads it anyway.
  Sender(RestGradual& plugin, const xc::Invocation&) : plugin_(plugin) {
    if (host().abi_minor() < 1)
      throw xc::Error(XC_UNSUPPORTED,
                      "rest_gradual needs object names from the host (plugin ABI 1.1); this "
                      "xnatctl speaks ABI 1." +
                          std::to_string(host().abi_minor()) + ": upgrade xnatctl");
  }
  const xc::Host& host() const { return plugin_.host(); }
  xc_status upload(const xc::Job& job) { return rest_gradual::upload(host(), job); }
  xc_status describe(const xc::Job& job) {
    xc::Invocation(host(), job.invocation()).print(XC_STDOUT, rest_gradual::describe(job));
    return XC_OK;
  }
  RestGradual& plugin_;
};

using Thunks = xc::TransportThunks<RestGradual, Sender>;

constexpr xc_transport_desc kTransport =
    xc::Transport("rest_gradual",
                  "gradual-DICOM over the REST import API (one request per file; resumable)",
                  "session upload")
        .capabilities(XC_TRANSPORT_PER_FILE_RESULTS | XC_TRANSPORT_PARALLEL |
                      XC_TRANSPORT_NEEDS_HTTP | XC_TRANSPORT_RESUME)
        .lifecycle(Thunks::create, Thunks::upload, Thunks::destroy)
        .describe(Thunks::describe)
        .desc();
constexpr const xc_transport_desc* kTransports[] = {&kTransport};

constexpr xc_plugin_desc kPlugin =
    xc::Plugin("rest_gradual", "0.2.0", "Upload sessions file by file (REST gradual-DICOM)")
        .abi_minor(1)  // xc_job_file.object_name
        .transports(kTransports)
        .lifecycle(xc::plugin_init<RestGradual>, xc::plugin_shutdown<RestGradual>)
        .desc();

}  // namespace

XC_DEFINE_PLUGIN(kPlugin)
