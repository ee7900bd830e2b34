#pragma once

// What the server says about itself: its XNAT version, and what follows from it.

#include <optional>
#include <string>

#include "xnatctl/http/client.hpp"

namespace xnatctl::xnat {

// GET /xapi/siteConfig/buildInfo ("version"), falling back to GET /data/version (plain
// text, older servers). nullopt when neither answers with a version.
std::optional<std::string> server_version(http::Client& client);

// Direct archive (the Direct-Archive import parameter) exists from XNAT 1.8.3 on.
// nullopt when the version is not a dotted number.
std::optional<bool> supports_direct_archive(const std::string& version);

}  // namespace xnatctl::xnat
