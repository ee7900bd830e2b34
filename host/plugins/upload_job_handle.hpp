#pragma once

// The host's definition of sdk.h's opaque xc_upload_job: a view of one core upload::Job for
// the duration of one upload(), describe() or route() call, plus the bodies opened from it.
// The members of xc_host_api that read jobs (job_info, job_file, job_file_open, report, ...)
// live in upload_job_api.cpp and are installed into the table by install_job_api().

#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "xnatctl/sdk.h"
#include "xnatctl/upload/job.hpp"
#include "xnatctl/upload/results.hpp"
#include "xnatctl/upload/zip_level_chooser.hpp"

namespace xnatctl::host {
struct HostBody;
}

struct xc_upload_job {
  xc_upload_job(const xnatctl::upload::Job& job, const xc_invocation* invocation,
                xnatctl::upload::JobObserver& observer);
  // Closes every body the plugin left open: the job's bytes never outlive the call.
  ~xc_upload_job();
  xc_upload_job(const xc_upload_job&) = delete;
  xc_upload_job& operator=(const xc_upload_job&) = delete;

  const xnatctl::upload::Job& job;
  const xc_invocation* invocation;
  xnatctl::upload::JobObserver& observer;
  // Display names ("archive.zip!member") handed out by job_file, built once.
  std::vector<std::string> display_names;
  // Object names for a job whose files came without (not from discover(): tests, tools);
  // empty when every file has its own.
  std::vector<std::string> object_names;
  std::string source;  // backs xc_job_info.source
  // Told why a body read failed (the C read callback can only say that it failed).
  std::function<void(const std::string&)> warn;
  // One for every zip body of the job, so what one batch learns about the link serves all.
  std::shared_ptr<xnatctl::upload::ZipLevelChooser> zip_levels =
      std::make_shared<xnatctl::upload::ZipLevelChooser>();

  std::mutex bodies_mutex;
  std::set<xnatctl::host::HostBody*> open_bodies;
};

namespace xnatctl::host {

// Fills the job members of the host-services table.
void install_job_api(xc_host_api& api);

}  // namespace xnatctl::host
