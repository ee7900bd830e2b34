#pragma once

// The one place the host drives routers and transports through the C ABI: routers rewrite a
// job's destination or transport, then a transport instance is created, handed the job
// (upload(), or describe() for a dry run) and destroyed, whatever happens in between.

#include <memory>
#include <string>

#include "cli/parsed_command.hpp"
#include "plugins/plugin_catalog.hpp"
#include "xnatctl/output/record_writer.hpp"
#include "xnatctl/sdk.h"
#include "xnatctl/upload/job.hpp"
#include "xnatctl/upload/results.hpp"

namespace xnatctl::host {

class HostServices;

// What a transport call returned: XC_OK, XC_PARTIAL (see the reports), XC_CANCELLED, or a
// failure of the job as a whole with its one-line message.
struct TransportOutcome {
  xc_status status = XC_OK;
  std::string message;
};

class TransportRunner {
 public:
  // `invocation` is what the transport reads its options from; it must outlive the runner.
  TransportRunner(PluginCatalog& catalog, HostServices& services, const ParsedCommand& invocation,
                  output::Format format);
  ~TransportRunner();
  TransportRunner(const TransportRunner&) = delete;
  TransportRunner& operator=(const TransportRunner&) = delete;

  // Runs every enabled router on `job`, in load order, each seeing the job as the previous
  // one left it, and applies their decisions (transport, project, subject, session). Throws
  // xnatctl::Error when a router fails or names a transport that is not available.
  void route(upload::Job& job);

  // create → upload() (describe() when job.settings.dry_run) → destroy. A create() failure
  // (e.g. a bad transport option) throws xnatctl::Error before anything is sent.
  TransportOutcome run(const TransportRef& transport, const upload::Job& job,
                       upload::JobObserver& observer);

 private:
  PluginCatalog& catalog_;
  HostServices& services_;
  std::unique_ptr<xc_invocation> wrapped_;
};

}  // namespace xnatctl::host
