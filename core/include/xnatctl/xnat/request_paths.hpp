#pragma once

#include <string>
#include <string_view>

namespace xnatctl::xnat {

// One REST path segment (project, subject, experiment label...). Everything outside
// [A-Za-z0-9_~-] is percent-encoded, '.' included: XNAT's routing treats a literal '.' in
// some segments as a format suffix, so it must travel as %2E.
std::string encode_segment(std::string_view segment);

// A URI the server handed back (an import's "/data/prearchive/...", a Location header, a
// files listing's URI column) as a request path for a client whose base URL is `base_url`
// ("https://host/xnat"): an absolute URL on the same server and a path that starts with the
// context path both lose the context path ("/xnat/data/x" -> "/data/x"); a path without it
// is kept as it is, since XNAT returns most URIs relative to its context. Throws
// xnatctl::Error for an absolute URL on another server (it would leave the profile's host,
// proxy decision and credentials behind).
std::string server_uri_to_request_path(const std::string& uri, const std::string& base_url);

}  // namespace xnatctl::xnat
