// modality_router: routes sessions of one DICOM modality to a configured project (and
// optionally transport). See README.md.

#include <cstring>

#include "xnatctl/sdk.hpp"

namespace {

struct ModalityRouter {
  explicit ModalityRouter(xc::Host h) : host_(h) {}
  const xc::Host& host() const { return host_; }
  xc::Host host_;
};

void copy_into(char* field, size_t capacity, const std::string& value) {
  if (value.size() >= capacity)
    throw xc::Error(XC_INVALID_INPUT, "routing value too long: " + value);
  std::memcpy(field, value.c_str(), value.size() + 1);
}

xc_status route(void* context, const xc_upload_job* raw_job, xc_route* decision,
                xc_error* error) noexcept {
  // cppcheck-suppress throwInNoexceptFunction ; guard() catches everything the body throws
  return xc::guard(error, [&] {
    const auto& host = static_cast<ModalityRouter*>(context)->host();
    const std::string modality = host.config("plugin.modality").value_or("PT");
    const auto project = host.config("plugin.project");
    if (!project) return XC_OK;  // not configured: change nothing

    const xc::Job job(host, raw_job);
    for (size_t i = 0; i < job.file_count(); ++i) {
      if (job.attribute(i, "Modality") == std::optional<std::string_view>(modality)) {
        copy_into(decision->project, sizeof(decision->project), *project);
        if (const auto transport = host.config("plugin.transport")) {
          copy_into(decision->transport, sizeof(decision->transport), *transport);
        }
        host.log(XC_LOG_INFO, "routing " + modality + " session to project " + *project);
        break;
      }
    }
    return XC_OK;
  });
}

constexpr xc_router_desc kRouter = {sizeof(xc_router_desc), "modality_router",
                                    "Send sessions of one modality to a configured project",
                                    &route};
constexpr const xc_router_desc* kRouters[] = {&kRouter};

constexpr xc_plugin_desc kPlugin =
    xc::Plugin("modality_router", "1.0.0", "Example: route by DICOM modality")
        .routers(kRouters)
        .lifecycle(xc::plugin_init<ModalityRouter>, xc::plugin_shutdown<ModalityRouter>)
        .desc();

}  // namespace

XC_DEFINE_PLUGIN(kPlugin)
