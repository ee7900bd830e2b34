// upload(): the job's files sent by `workers` threads, each over one long-lived association
// (re-established when it breaks; sending resumes with the next unacknowledged file), each
// file reported as the receiver answers it.
#pragma once

#include "association.hpp"
#include "plan.hpp"
#include "settings.hpp"
#include "xnatctl/sdk.hpp"

namespace cstore {

struct SendLimits {
  unsigned max_attempts = 3;     // sends of one file when associations break under it
  unsigned busy_retries = 3;     // 0xA7xx answers (out of resources) retried per file
  unsigned connect_retries = 2;  // failed connections before the whole job gives up
  unsigned backoff_ms = 500;     // first pause; doubled each time
  Timeouts timeouts;
};

// The plan for a job from its files' probed attributes.
Plan plan_for(const xc::Job& job, bool allow_transcode);

// Sends; returns XC_OK, XC_PARTIAL, XC_CANCELLED, or a job-level failure (with `error`).
xc_status send_job(const xc::Host& host, const xc::Job& job, const Settings& settings,
                   const SendLimits& limits, xc_error* error);

}  // namespace cstore
