#pragma once

// One DICOM-zip import request of rest_zip: its query, its Content-Type, sending a host body
// through http_send, and what the answer means for the batch's files.

#include <string>
#include <string_view>

#include "common/xnat_import.hpp"
#include "xnatctl/sdk.hpp"

namespace rest_zip {

// import_query(info, "DICOM-zip"), plus Ignore-Unparsable=false whenever a `dest` is sent:
// a dest implies action=commit, and action=commit implies Ignore-Unparsable=true unless the
// parameter is given (xnat-server-api.md §3.1), which would drop unreadable objects silently
// (§11.4). Never Ignore-Unparsable=true.
xnat_import::Query import_query(const xc_job_info& info);

// XNAT picks the archive reader by the synthetic file name of the raw body's Content-Type
// (§3.2, §3.3): application/x-tar -> upload.tar, application/zip -> upload.zip,
// application/x-gtar -> upload.tar.gz.
const char* content_type_of(int32_t archive_format);
// For a pre-built archive sent as it is: by its file name (case-insensitive), or nullptr when
// the name is none of .zip, .tar, .tgz, .tar.gz.
const char* content_type_of_archive(std::string_view path);

// What one answered exchange means: result_of(), except that a 429 and XNAT's transient
// "Concurrent file sends" 400 whose retries ran out are XC_RETRY (a later run may succeed),
// not refusals. Several session URIs (one per study) are named in the message.
xc::Result classify(const xc_http_response& response, std::string_view body);

struct Exchange {
  xc_status status = XC_OK;  // http_send's status: XC_OK when an HTTP answer arrived
  xc::Result result;         // the batch's outcome, ready for report()
};

// POSTs `body` (closed afterwards by its owner) to the import service. Never throws.
Exchange send_import(const xc::Host& host, const xnat_import::Query& query,
                     const char* content_type, const xc::Body& body);

}  // namespace rest_zip
