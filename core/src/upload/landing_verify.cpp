// verify (landing.hpp): the server's scans and per-scan DICOM catalogs against the job's files.
// Listings: xnat-server-api.md §5.3 (scans), §6.3 (files: Name, Size, URI, digest), §4.3 (the
// same views of a prearchive session).

#include <Poco/DigestEngine.h>
#include <Poco/MD5Engine.h>
#include <Poco/String.h>

#include <algorithm>
#include <map>
#include <set>

#include "landing_internal.hpp"
#include "xnatctl/dicom/header_probe.hpp"
#include "xnatctl/error.hpp"
#include "xnatctl/http/errors.hpp"
#include "xnatctl/upload/byte_source.hpp"
#include "xnatctl/upload/landing.hpp"
#include "xnatctl/xnat/request_paths.hpp"
#include "xnatctl/xnat/result_set.hpp"

namespace xnatctl::upload {
namespace {

using namespace landing_detail;

// Stored objects whose name matches nothing sent are downloaded to read their SOP Instance
// UID; this bounds how many (and how much of each) one verify reads.
constexpr std::size_t kMaxHeaderDownloads = 2000;
constexpr std::size_t kHeaderBytes = 1u << 20;

std::string field(const xnat::Row& row, const char* key) {
  auto it = row.find(key);
  return it == row.end() ? std::string() : it->second;
}

struct StoredFile {
  std::string name;  // path inside the resource ("IM1.dcm", "sub/IM1.dcm")
  std::string uri;   // request path of the file
  std::string uid;   // SOP Instance UID when the server lists it (or it was read)
  std::string digest;
  std::optional<std::uint64_t> size;
  bool matched = false;
};

std::vector<xnat::Row> fetch_rows(http::Client& client, const std::string& path,
                                  const std::string& what, bool* not_found) {
  http::Request request;
  request.path = path;
  request.query = {{"format", "json"}};
  auto response = client.fetch(request, 256u << 20);
  if (response.status == 404 && not_found) {
    *not_found = true;
    return {};
  }
  http::throw_for_status(response, what);
  return xnat::parse_result_set(response.body, what);
}

std::vector<StoredFile> stored_files(http::Client& client, const std::string& scan_path,
                                     const std::string& scan_id, bool* no_resource) {
  std::vector<StoredFile> files;
  const auto rows = fetch_rows(client, scan_path + "/resources/DICOM/files",
                               "listing the DICOM files of scan " + scan_id, no_resource);
  for (const auto& row : rows) {
    StoredFile f;
    f.name = field(row, "Name");
    const auto uri = field(row, "URI");
    if (auto at = uri.find("/files/"); at != std::string::npos) f.name = uri.substr(at + 7);
    try {
      f.uri = xnat::server_uri_to_request_path(uri, client.options().base_url);
    } catch (const Error&) {
      f.uri.clear();
    }
    // A UID column is what XNAT's catalog keeps for DICOM entries (cat:dcmEntry); a listing
    // that carries it lets identities be compared without reading any object.
    f.uid = Poco::trim(field(row, "UID"));
    f.digest = Poco::toLower(Poco::trim(field(row, "digest")));
    const auto size = field(row, "Size");
    try {
      if (!size.empty()) f.size = std::stoull(size);
    } catch (const std::exception&) {
    }
    files.push_back(std::move(f));
  }
  return files;
}

// The SOP Instance UID in a stored object's header, read from its first bytes.
std::string read_stored_uid(http::Client& client, const std::string& uri) {
  if (uri.empty()) return {};
  std::string bytes;
  bool truncated = false;
  http::Request request;
  request.path = uri;
  try {
    client.send(request, [&](const char* data, std::size_t size) {
      bytes.append(data, std::min(size, kHeaderBytes - bytes.size()));
      truncated = bytes.size() >= kHeaderBytes;
      return !truncated;
    });
  } catch (const Error&) {
    if (!truncated) return {};  // the sink stopped the transfer once it had enough
  }
  std::size_t need_more = 0;
  auto attributes = dicom::probe_prefix(bytes.data(), bytes.size(),
                                        bytes.size() + (truncated ? 1 : 0), &need_more);
  return attributes && need_more == 0 ? Poco::trim(attributes->sop_instance_uid) : std::string();
}

std::string local_md5(const Job& job, std::size_t index) {
  auto source = open_job_file(job, index);
  Poco::MD5Engine md5;
  std::vector<char> buffer(1u << 16);
  while (auto n = source->read(buffer.data(), buffer.size())) md5.update(buffer.data(), n);
  return Poco::DigestEngine::digestToHex(md5.digest());
}

class Verifier {
 public:
  Verifier(http::Client& client, const Job& job, const VerifyOptions& options)
      : client_(client), job_(job), options_(options) {}

  VerifyReport run() {
    report_.expected = job_.files.size();
    const std::string base = session_path();
    std::map<std::string, std::vector<std::size_t>> expected;  // scan ID -> job files
    for (std::size_t i = 0; i < job_.files.size(); ++i) {
      const auto& a = job_.files[i].attributes;
      expected[scan_id_for(a.series_number, a.series_instance_uid)].push_back(i);
    }
    std::set<std::string> server_scans;
    for (const auto& row :
         fetch_rows(client_, base + "/scans", "listing the scans of " + where_, nullptr))
      server_scans.insert(field(row, "ID"));

    for (const auto& [scan_id, files] : expected) {
      if (!server_scans.count(scan_id)) {
        for (auto i : files)
          missing(i,
                  "missing on the server (no scan " + scan_id + " in " + job_.target.session + ")");
        continue;
      }
      compare_scan(base + "/scans/" + xnat::encode_segment(scan_id), scan_id, files);
    }
    for (const auto& scan_id : server_scans) {
      if (expected.count(scan_id)) continue;
      bool no_resource = false;
      auto files = stored_files(client_, base + "/scans/" + xnat::encode_segment(scan_id), scan_id,
                                &no_resource);
      for (const auto& f : files) extra(scan_id, f);
    }
    if (!report_.differences.empty()) {
      report_.notes.push_back(
          std::to_string(report_.differences.size()) + " of " + std::to_string(report_.found) +
          " files are stored with other bytes than were sent (XNAT re-writes each object's header "
          "when it stores it); they are all on the server, so this alone is no failure");
    }
    return std::move(report_);
  }

 private:
  // The archived session, else this upload's prearchive session (a --prearchive upload).
  std::string session_path() {
    const auto& t = job_.target;
    if (auto archived = find_archived(client_, t.project, t.session)) {
      where_ = "session " + t.session + " (" + archived->id + ") in " + t.project;
      report_.where = archived->uri;
      return "/data/experiments/" + xnat::encode_segment(archived->id);
    }
    auto rows = find_prearchive(client_, t.project, t.session, study_uid_of(job_));
    if (rows.empty()) {
      throw Error("session " + t.session + " not found in project " + t.project +
                  " (neither in the archive nor in the prearchive)");
    }
    where_ = "prearchive session " + rows.front().url;
    report_.where = rows.front().url;
    report_.notes.push_back("verified in the prearchive (" + rows.front().status +
                            "): " + rows.front().url);
    return rows.front().url;
  }

  void compare_scan(const std::string& scan_path, const std::string& scan_id,
                    const std::vector<std::size_t>& files) {
    bool no_resource = false;
    auto stored = stored_files(client_, scan_path, scan_id, &no_resource);
    if (no_resource) {
      for (auto i : files)
        missing(i, "missing on the server (scan " + scan_id + " has no DICOM resource)");
      return;
    }
    std::vector<std::size_t> unmatched;
    const bool server_has_uids = std::any_of(stored.begin(), stored.end(),
                                             [](const StoredFile& f) { return !f.uid.empty(); });
    std::multimap<std::string, std::size_t> by_key;  // UID or name -> stored index
    for (std::size_t s = 0; s < stored.size(); ++s) {
      if (server_has_uids) {
        by_key.emplace(stored[s].uid, s);
      } else {
        by_key.emplace(stored[s].name, s);
      }
    }
    auto take = [&](const std::string& key) -> std::optional<std::size_t> {
      auto [lo, hi] = by_key.equal_range(key);
      for (auto it = lo; it != hi; ++it)
        if (!stored[it->second].matched) return it->second;
      return std::nullopt;
    };
    for (auto i : files) {
      const auto& file = job_.files[i];
      std::optional<std::size_t> hit;
      if (server_has_uids) {
        hit = take(Poco::trim(file.attributes.sop_instance_uid));
      } else {
        // The name it was sent under, else XNAT's template name (rename, name clashes, §3.9).
        hit = take(stored_name_for(file.relative_path));
        if (!hit) hit = take(file.relative_path);
        // The object name a per-file transport (gradual-DICOM) sends it under.
        if (!hit && !file.object_name.empty()) hit = take(file.object_name);
        if (!hit) hit = take(template_name_for(file.attributes));
      }
      if (hit) {
        matched(i, stored[*hit]);
      } else {
        unmatched.push_back(i);
      }
    }
    if (!unmatched.empty() && !server_has_uids) {
      // Names that match nothing: read the stored objects' SOP Instance UIDs.
      std::multimap<std::string, std::size_t> by_uid;
      for (std::size_t s = 0; s < stored.size(); ++s) {
        if (stored[s].matched || downloads_ >= kMaxHeaderDownloads) continue;
        ++downloads_;
        stored[s].uid = read_stored_uid(client_, stored[s].uri);
        if (!stored[s].uid.empty()) by_uid.emplace(stored[s].uid, s);
      }
      std::vector<std::size_t> still;
      for (auto i : unmatched) {
        auto [lo, hi] = by_uid.equal_range(Poco::trim(job_.files[i].attributes.sop_instance_uid));
        auto it = std::find_if(lo, hi, [&](const auto& kv) { return !stored[kv.second].matched; });
        if (it != hi) {
          matched(i, stored[it->second]);
        } else {
          still.push_back(i);
        }
      }
      unmatched.swap(still);
    }
    const bool unread = std::any_of(stored.begin(), stored.end(), [](const StoredFile& f) {
      return !f.matched && f.uid.empty();
    });
    for (auto i : unmatched)
      missing(i, unread ? "not found on the server (scan " + scan_id +
                              "; objects stored under other names were not all read)"
                        : "missing on the server (scan " + scan_id + ")");
    for (const auto& f : stored)
      if (!f.matched) extra(scan_id, f);
  }

  void matched(std::size_t i, StoredFile& stored) {
    stored.matched = true;
    ++report_.found;
    const auto& file = job_.files[i];
    if (stored.size && *stored.size != file.size) {
      report_.differences.push_back(
          {file.relative_path, "stored as " + std::to_string(*stored.size) + " bytes, " +
                                   std::to_string(file.size) + " were sent"});
      return;
    }
    if (stored.digest.size() == 32) {
      std::string local;
      try {
        local = local_md5(job_, i);
      } catch (const Error& e) {
        report_.notes.push_back(file.relative_path + ": cannot read it to compare checksums (" +
                                e.what() + ")");
        return;
      }
      if (local != stored.digest)
        report_.differences.push_back(
            {file.relative_path, "stored checksum " + stored.digest + " differs from " + local});
    }
  }

  void missing(std::size_t i, const std::string& what) {
    report_.mismatches.push_back({job_.files[i].relative_path, what});
  }

  void extra(const std::string& scan_id, const StoredFile& f) {
    const std::string where = "scan " + scan_id + "/" + f.name;
    if (options_.extra_is_failure) {
      report_.mismatches.push_back({where, "not sent (extra on the server)"});
    } else {
      report_.notes.push_back(where + ": on the server, not part of this upload");
    }
  }

  http::Client& client_;
  const Job& job_;
  const VerifyOptions& options_;
  VerifyReport report_;
  std::string where_;
  std::size_t downloads_ = 0;
};

}  // namespace

VerifyReport verify(http::Client& client, const Job& job, const VerifyOptions& options) {
  return Verifier(client, job, options).run();
}

}  // namespace xnatctl::upload
