// resource: the `resource` command group, for non-DICOM files (NIfTI, BIDS trees, QC
// snapshots) attached to sessions and scans.

#include "xnatctl/sdk.hpp"

namespace {

struct Resource {
  explicit Resource(xc::Host h) : host_(h) {}
  const xc::Host& host() const { return host_; }

  void upload(const xc::Invocation&) {
    throw xc::Error(XC_UNSUPPORTED, "'resource upload' is not implemented yet");
  }
  void list(const xc::Invocation&) {
    throw xc::Error(XC_UNSUPPORTED, "'resource list' is not implemented yet");
  }
  xc::Host host_;
};

constexpr xc_positional_desc kSession =
    xc::Positional("SESSION_ID", "XNAT experiment ID, e.g. XNAT_E00001").desc();
constexpr xc_positional_desc kLabel =
    xc::Positional("RESOURCE_LABEL", "resource name, e.g. NIFTI").desc();
constexpr xc_positional_desc kPath =
    xc::Positional("PATH", "a file, or a directory (sent as one archive, extracted on the server)")
        .desc();
constexpr const xc_positional_desc* kUploadArgs[] = {&kSession, &kLabel, &kPath};
constexpr const xc_positional_desc* kListArgs[] = {&kSession};

constexpr xc_option_desc kScan =
    xc::Option("scan", XC_OPTION_STRING, "attach to this scan instead of the session").desc();
constexpr xc_option_desc kContent =
    xc::Option("content", XC_OPTION_STRING, "resource content description").desc();
constexpr xc_option_desc kFormat =
    xc::Option("format", XC_OPTION_STRING, "resource format, e.g. NIFTI").desc();
constexpr xc_option_desc kOverwrite =
    xc::Option("overwrite", XC_OPTION_FLAG, "replace files that already exist").desc();
constexpr const xc_option_desc* kUploadOptions[] = {&kScan, &kContent, &kFormat, &kOverwrite};
constexpr const xc_option_desc* kListOptions[] = {&kScan};

constexpr xc_command_desc kUpload =
    xc::Command("resource upload", "Upload a file or directory to a session or scan resource")
        .positionals(kUploadArgs)
        .options(kUploadOptions)
        .run(xc::command_thunk<Resource, &Resource::upload>)
        .desc();
constexpr xc_command_desc kList =
    xc::Command("resource list", "List the resources of a session or scan")
        .positionals(kListArgs)
        .options(kListOptions)
        .run(xc::command_thunk<Resource, &Resource::list>)
        .desc();
constexpr const xc_command_desc* kCommands[] = {&kUpload, &kList};

constexpr xc_plugin_desc kPlugin =
    xc::Plugin("resource", "0.1.0", "Non-DICOM resources: upload and list")
        .commands(kCommands)
        .lifecycle(xc::plugin_init<Resource>, xc::plugin_shutdown<Resource>)
        .desc();

}  // namespace

XC_DEFINE_PLUGIN(kPlugin)
