#include "plugins/transport_runner.hpp"

#include <cstring>
#include <mutex>

#include "plugins/host_services.hpp"
#include "plugins/status_mapping.hpp"
#include "plugins/upload_job_handle.hpp"
#include "xnatctl/error.hpp"

namespace xnatctl::host {
namespace {

// Routers only read the job: their reports and progress go nowhere.
class NoReports final : public upload::JobObserver {
 public:
  bool report(const std::vector<std::size_t>&, const upload::FileOutcome&) override {
    return false;
  }
  void started(std::size_t) override {}
  void sent(std::size_t, std::int64_t) override {}
};

// A decision field: NUL-terminated within its array, else the router broke the contract.
std::string field(const char* data, std::size_t capacity, const std::string& router) {
  const void* end = std::memchr(data, '\0', capacity);
  if (end == nullptr)
    throw Error("router '" + router + "' returned a value that is not NUL-terminated");
  return std::string(data, static_cast<const char*>(end));
}

std::string message_of(const xc_error& error, const std::string& fallback) {
  return error.message[0] != '\0' ? std::string(error.message) : fallback;
}

// Destroys a transport instance on every path out of run().
struct InstanceGuard {
  const xc_transport_desc* desc;
  void* instance;
  ~InstanceGuard() {
    if (instance != nullptr) desc->destroy(instance);
  }
};

}  // namespace

TransportRunner::TransportRunner(PluginCatalog& catalog, HostServices& services,
                                 const ParsedCommand& invocation, output::Format format)
    : catalog_(catalog), services_(services), wrapped_(services.wrap(invocation, format)) {}

TransportRunner::~TransportRunner() {
  // Only flushes records a transport emitted; an upload's stdout is the pipeline's (finish()
  // would print an empty JSON array otherwise).
  if (wrapped_->records) HostServices::finish(*wrapped_);
}

void TransportRunner::route(upload::Job& job) {
  for (const RouterRef& router : catalog_.routers()) {
    void* context = catalog_.ensure_initialised(*router.plugin, services_);
    NoReports no_reports;
    xc_route decision{};
    decision.struct_size = sizeof(decision);
    xc_error error = make_error();
    xc_status status = XC_OK;
    {
      const xc_upload_job handle(job, wrapped_.get(), no_reports);
      status = router.desc->route(context, &handle, &decision, &error);
    }
    const std::string name = router.desc->name;
    if (status != XC_OK)
      throw Error("router '" + name + "': " + message_of(error, "failed"), exit_code_for(status));
    const std::string transport = field(decision.transport, sizeof(decision.transport), name);
    const std::string project = field(decision.project, sizeof(decision.project), name);
    const std::string subject = field(decision.subject, sizeof(decision.subject), name);
    const std::string session = field(decision.session, sizeof(decision.session), name);
    if (!transport.empty()) {
      if (!catalog_.transport(transport))
        throw Error("router '" + name + "' chose transport '" + transport +
                        "': " + catalog_.unavailable_reason(transport),
                    ExitCode::kUnavailable);
      job.transport = transport;
    }
    if (!project.empty()) job.target.project = project;
    if (!subject.empty()) job.target.subject = subject;
    if (!session.empty()) job.target.session = session;
  }
}

TransportOutcome TransportRunner::run(const TransportRef& transport, const upload::Job& job,
                                      upload::JobObserver& observer) {
  const xc_transport_desc& desc = *transport.desc;
  void* context = catalog_.ensure_initialised(*transport.plugin, services_);
  xc_error error = make_error();
  void* instance = nullptr;
  const xc_status created = desc.create(context, wrapped_.get(), &instance, &error);
  if (created != XC_OK)
    throw Error(std::string(desc.name) + ": " + message_of(error, "could not start"),
                exit_code_for(created));
  const InstanceGuard guard{&desc, instance};

  TransportOutcome outcome;
  xc_upload_job handle(job, wrapped_.get(), observer);
  handle.warn = [this](const std::string& line) {
    std::lock_guard lock(wrapped_->output_mutex);
    services_.err() << "warning: " << line << '\n';
  };
  error = make_error();
  if (job.settings.dry_run) {
    const bool describes = (desc.capabilities & XC_TRANSPORT_DRY_RUN) != 0 &&
                           XC_HAS_MEMBER(&desc, xc_transport_desc, describe) &&
                           desc.describe != nullptr;
    outcome.status = describes ? desc.describe(instance, &handle, &error) : XC_OK;
  } else {
    outcome.status = desc.upload(instance, &handle, &error);
    const auto deflated = handle.zip_levels->entries_at(1);
    const auto stored = handle.zip_levels->entries_at(0);
    if (services_.verbosity() >= 1 && deflated + stored > 0) {
      std::lock_guard lock(wrapped_->output_mutex);
      services_.err() << "info: zip entries: " << deflated << " deflated, " << stored
                      << " in stored blocks (deflated only where that was faster than sending "
                         "them as they are)\n";
    }
  }
  if (outcome.status != XC_OK)
    outcome.message = message_of(error, std::string(desc.name) + " failed");
  return outcome;
}

}  // namespace xnatctl::host
