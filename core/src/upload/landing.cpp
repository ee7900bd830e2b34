// First cut of the landing steps (see landing.hpp): the project check and the direct-archive
// commit. The full rules (existing sessions, prearchive archiving, verify) come with the
// landing work that replaces this file.
#include "xnatctl/upload/landing.hpp"

#include "xnatctl/error.hpp"
#include "xnatctl/xnat/paths.hpp"

namespace xnatctl::upload {

LandingPlan prepare_landing(http::Client& client, Job& job) {
  http::Request request;
  request.path = "/data/projects/" + xnat::encode_segment(job.target.project);
  request.query = {{"format", "json"}};
  const http::TextResponse r = client.fetch(request);
  if (r.status == 404)
    throw Error("project '" + job.target.project + "' does not exist on " +
                client.options().base_url + " (nothing was sent)");
  if (!r.ok())
    throw Error("checking project '" + job.target.project + "': HTTP " + std::to_string(r.status));
  return {};
}

Landing land(http::Client& client, const Job& job, const LandingPlan&,
             const std::vector<FileOutcome>& outcomes) {
  Landing landing;
  for (const auto& o : outcomes) {
    if (o.outcome == Outcome::kStored && !o.uri.empty()) {
      landing.uri = o.uri;
      break;
    }
  }
  const bool direct = landing.uri.rfind("/xapi/direct-archive/", 0) == 0;
  if (direct && job.settings.commit) {
    http::Request request;
    request.method = "POST";
    request.path = landing.uri;
    const http::TextResponse r = client.fetch(request);
    if (!r.ok()) {
      landing.as_requested = false;
      landing.messages.push_back("archiving the session failed: HTTP " + std::to_string(r.status));
      return landing;
    }
    landing.in_archive = true;
    landing.uri = "/data/projects/" + job.target.project + "/experiments/" + job.target.session;
  }
  if (job.settings.destination == Destination::kArchive && !direct) {
    landing.as_requested = false;
    landing.messages.push_back("the server put the session in the prearchive, not the archive");
  }
  return landing;
}

VerifyReport verify(http::Client&, const Job&) {
  throw Error("--verify is not available yet", ExitCode::kUnavailable);
}

}  // namespace xnatctl::upload
