#pragma once

// The REST import request rules both REST transports (rest_zip, rest_gradual) follow, kept in
// one place so the two cannot drift apart. Header-only C++ over the SDK: plugins link nothing
// but the SDK, and each plugin compiles its own copy behind its hidden visibility.
//
// Server behaviour: ../shared/reference/xnat-server-api.md §3 (import service) and §11
// (corrections); what the Python xnatctl gets wrong: xnatctl-behaviour.md §1-§2, §10.

#include <cctype>
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "xnatctl/sdk.hpp"

namespace xnat_import {

constexpr const char* kImportPath = "/data/services/import";

using Query = std::vector<std::pair<std::string, std::string>>;

// The query of one import request for `info`'s destination.
//  - Direct-Archive=true for the archive (§3.11): the session is archived when committed,
//    never through the prearchive; XNAT falls back to the prearchive when the label exists
//    (§11.3), which the host detects from the returned URI.
//  - dest=/prearchive/projects/P for the prearchive (the session is built and stays there).
//  - overwrite is left out for "none": any value, even "none", allows merging (§11.1).
//  - Ignore-Unparsable is never sent: XNAT then drops objects silently (§11.4); the host has
//    already filtered non-DICOM files, so any object the server cannot read is an error the
//    user must see.
inline Query import_query(const xc_job_info& info, const char* handler) {
  Query q{{"import-handler", handler},
          {"PROJECT_ID", info.project},
          {"SUBJECT_ID", info.subject},
          {"EXPT_LABEL", info.session}};
  if (info.destination == XC_DEST_PREARCHIVE)
    q.emplace_back("dest", std::string("/prearchive/projects/") + info.project);
  else
    q.emplace_back("Direct-Archive", "true");
  if (info.overwrite == XC_OVERWRITE_APPEND) q.emplace_back("overwrite", "append");
  if (info.overwrite == XC_OVERWRITE_DELETE) q.emplace_back("overwrite", "delete");
  return q;
}

// Views of `q` for xc_http_request.query; valid while `q` lives.
inline std::vector<xc_kv> as_kv(const Query& q) {
  std::vector<xc_kv> kv;
  kv.reserve(q.size());
  for (const auto& [k, v] : q) kv.push_back(xc_kv{k.c_str(), v.c_str()});
  return kv;
}

// The session URIs of an import response: text/uri-list, CRLF-separated, `/data`-prefixed
// unless they start with /xapi/ (§3.6). Clients trim, as XNAT's own do.
inline std::vector<std::string> response_uris(std::string_view body) {
  std::vector<std::string> uris;
  std::size_t pos = 0;
  while (pos < body.size()) {
    std::size_t end = body.find('\n', pos);
    if (end == std::string_view::npos) end = body.size();
    std::string_view line = body.substr(pos, end - pos);
    while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back())))
      line.remove_suffix(1);
    while (!line.empty() && std::isspace(static_cast<unsigned char>(line.front())))
      line.remove_prefix(1);
    if (!line.empty() && line.front() == '/') uris.emplace_back(line);
    pos = end + 1;
  }
  return uris;
}

// One line a user can read from an error response: XNAT answers errors as HTML pages or
// plain text (§1.4). Tags are dropped, whitespace collapsed, the result cut to 300 chars.
inline std::string server_message(std::string_view body) {
  std::string out;
  bool in_tag = false;
  for (const char c : body) {
    if (c == '<') {
      in_tag = true;
      continue;
    }
    if (c == '>') {
      in_tag = false;
      if (!out.empty() && out.back() != ' ') out += ' ';
      continue;
    }
    if (in_tag) continue;
    if (std::isspace(static_cast<unsigned char>(c))) {
      if (!out.empty() && out.back() != ' ') out += ' ';
    } else {
      out += c;
    }
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  if (out.size() > 300) out = out.substr(0, 297) + "...";
  return out;
}

// The result of one import exchange that got an HTTP answer: 200 with at least one URI is
// stored; 200 with nothing imported is a rejection (every object filtered out, or non-archive
// bytes, §11.6); a 4xx is the server's refusal; anything else failed transiently (http_send
// has already retried it).
inline xc::Result result_of(const xc_http_response& response, std::string_view body) {
  xc::Result r;
  r.status = response.status;
  r.attempts = response.attempts;
  if (response.status == 200) {
    const std::vector<std::string> uris = response_uris(body);
    if (!uris.empty()) {
      // Every session the request made, one per line (a DICOM-zip body holding several
      // studies makes one session per study, §3.5): the host commits and reports each.
      r.outcome = XC_OK;
      for (const std::string& u : uris) r.uri += (r.uri.empty() ? "" : "\n") + u;
      return r;
    }
    r.outcome = XC_FATAL;
    r.message = "the server answered 200 but imported nothing";
    return r;
  }
  r.outcome = response.status >= 400 && response.status < 500 ? XC_FATAL : XC_RETRY;
  r.message = "HTTP " + std::to_string(response.status);
  if (const std::string text = server_message(body); !text.empty()) r.message += ": " + text;
  return r;
}

}  // namespace xnat_import
