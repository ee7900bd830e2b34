// resource: the `resource` command group, for non-DICOM files (NIfTI, BIDS trees, QC
// snapshots) attached to sessions and scans.
//
// Requests (../shared/reference/xnat-server-api.md §5-§6): the session is looked up first
// (GET /data/projects/P/experiments/S or /data/experiments/S, §5.1: under a project an ID or
// a label), the resource is created with PUT …/resources/LABEL (409 = it exists, §6.1), then
// a single file goes to PUT …/resources/LABEL/files/NAME and a directory is streamed as one
// zip to PUT …/files/DIR.zip?extract=true, which XNAT unpacks keeping the inner folders
// (§6.2). Duplicates the server reports ({"duplicates":[…]}, §6.2) are shown and fail the
// command; the Python tool ignored creation errors and dropped duplicates silently
// (xnatctl-behaviour.md §5).

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "xnat_rest.hpp"
#include "xnatctl/sdk.hpp"
#include "zip_body.hpp"

namespace {

namespace fs = std::filesystem;
using xnat_rest::Row;

std::string field(const Row& row, const char* key) {
  const auto it = row.find(key);
  return it == row.end() ? std::string() : it->second;
}

xc_status status_for_http(int32_t status) {
  return status == 401 || status == 403 ? XC_AUTH : XC_FATAL;
}

std::string mib(std::uint64_t bytes) {
  const auto tenths = (bytes * 10 + (1u << 19)) >> 20;
  return std::to_string(tenths / 10) + "." + std::to_string(tenths % 10) + " MiB";
}

// Content-Type by suffix; XNAT stores the bytes whatever it is (inbody=true makes the raw
// body explicit, §3.2).
std::string content_type_for(const std::string& name) {
  auto ends = [&](const char* suffix) {
    const std::string s(suffix);
    return name.size() >= s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0;
  };
  if (ends(".zip")) return "application/zip";
  if (ends(".tar")) return "application/x-tar";
  if (ends(".tar.gz") || ends(".tgz")) return "application/x-gtar";
  if (ends(".gz")) return "application/gzip";
  if (ends(".json")) return "application/json";
  if (ends(".xml")) return "application/xml";
  if (ends(".txt") || ends(".csv") || ends(".tsv")) return "text/plain";
  if (ends(".png")) return "image/png";
  if (ends(".jpg") || ends(".jpeg")) return "image/jpeg";
  if (ends(".pdf")) return "application/pdf";
  return "application/octet-stream";
}

// Progress on stderr for uploads of at least 16 MiB: one line per tenth.
class Progress {
 public:
  Progress(const xc::Invocation& inv, std::string what, std::uint64_t total)
      : inv_(inv), what_(std::move(what)), total_(total) {}
  void update(std::uint64_t done) {
    // -q means no progress (the global option's contract).
    if (total_ < (std::uint64_t{16} << 20) || inv_.output_mode() == XC_OUTPUT_QUIET) return;
    const auto tenth = static_cast<int>(std::min<std::uint64_t>(done * 10 / total_, 10));
    if (tenth <= shown_) return;
    shown_ = tenth;
    inv_.print(XC_STDERR, "uploading " + what_ + ": " + std::to_string(tenth * 10) + "% (" +
                              mib(done) + " of " + mib(total_) + ")\n");
  }
  void restart() { shown_ = 0; }

 private:
  const xc::Invocation& inv_;
  std::string what_;
  std::uint64_t total_;
  int shown_ = 0;
};

// The bodies: C callbacks over C++ objects; exceptions stop at this boundary.
struct FileBody {
  std::ifstream in;
  std::string path;
  std::uint64_t size = 0, sent = 0;
  Progress* progress = nullptr;
  std::string error;

  static size_t read(void* user, char* buffer, size_t capacity) {
    auto* self = static_cast<FileBody*>(user);
    self->in.read(buffer, static_cast<std::streamsize>(capacity));
    const auto n = static_cast<size_t>(self->in.gcount());
    if (n == 0 && self->in.bad()) {
      self->error = "cannot read " + self->path;
      return XC_READ_FAILED;
    }
    self->sent += n;
    if (self->sent > self->size) {
      self->error = self->path + " grew while it was being sent";
      return XC_READ_FAILED;
    }
    self->progress->update(self->sent);
    return n;
  }
  static xc_status rewind(void* user) {
    auto* self = static_cast<FileBody*>(user);
    self->in.clear();
    self->in.seekg(0);
    self->sent = 0;
    self->progress->restart();
    return self->in ? XC_OK : XC_FATAL;
  }
};

struct ZipSource {
  std::unique_ptr<resource_zip::ZipBody> zip;
  Progress* progress = nullptr;
  std::string error;

  static size_t read(void* user, char* buffer, size_t capacity) {
    auto* self = static_cast<ZipSource*>(user);
    try {
      const size_t n = self->zip->read(buffer, capacity);
      self->progress->update(self->zip->consumed());
      return n;
    } catch (const std::exception& e) {
      self->error = e.what();
      return XC_READ_FAILED;
    }
  }
  static xc_status rewind(void* user) {
    auto* self = static_cast<ZipSource*>(user);
    try {
      self->zip->rewind();
      self->progress->restart();
      return XC_OK;
    } catch (const std::exception& e) {
      self->error = e.what();
      return XC_FATAL;
    }
  }
};

// Where a session's resources live.
struct Target {
  std::string session_id;  // the XNAT experiment ID
  std::string base;        // /data/experiments/ID[/scans/N]
  std::string scan;        // "" for the session itself
};

class Resource {
 public:
  explicit Resource(xc::Host h) : host_(h) {}
  const xc::Host& host() const { return host_; }

  void upload(const xc::Invocation& inv) {
    const std::string label =
        xnat_rest::checked_segment(inv.positional(1).value_or(""), "resource label");
    const std::string given(inv.positional(2).value_or(""));
    std::error_code ec;
    const fs::file_status st = fs::status(given, ec);
    if (given.empty() || ec || !fs::exists(st))
      throw xc::Error(XC_INVALID_INPUT, "no such file or directory: " + given);
    if (!fs::is_directory(st) && !fs::is_regular_file(st))
      throw xc::Error(XC_INVALID_INPUT, given + " is neither a regular file nor a directory");
    const bool overwrite = inv.flag("overwrite");

    // Read the local side first: a bad PATH fails before anything is created on the server.
    std::vector<resource_zip::Entry> entries;
    std::string remote_name;
    std::uint64_t bytes = 0;
    if (fs::is_directory(st)) {
      try {
        entries = resource_zip::collect_tree(given);
      } catch (const std::exception& e) {
        throw xc::Error(XC_INVALID_INPUT, e.what());
      }
      if (entries.empty())
        throw xc::Error(XC_INVALID_INPUT, "directory " + given + " has no files");
      for (const auto& e : entries) bytes += e.size;
      std::string dir = fs::weakly_canonical(fs::absolute(given)).filename().string();
      remote_name = (dir.empty() ? std::string("upload") : dir) + ".zip";
    } else {
      remote_name = fs::path(given).filename().string();
      bytes = fs::file_size(given, ec);
      if (ec) throw xc::Error(XC_INVALID_INPUT, "cannot read " + given + ": " + ec.message());
    }

    const Target target = resolve(inv);
    const std::string resource_uri = target.base + "/resources/" + xnat_rest::encode_segment(label);
    create_resource(inv, resource_uri, label);

    xnat_rest::Query query{{"inbody", "true"}};
    if (overwrite) query.emplace_back("overwrite", "true");
    Progress progress(inv, given, bytes);
    xnat_rest::Reply reply;
    std::string body_error;
    if (!entries.empty()) {
      // extract=true: XNAT unpacks the zip into the resource, keeping its folders (§6.2).
      query.emplace_back("extract", "true");
      ZipSource source{std::make_unique<resource_zip::ZipBody>(entries), &progress, {}};
      reply = send_body(resource_uri + "/files/" + xnat_rest::encode_file_segment(remote_name),
                        query, "application/zip",
                        {-1, &ZipSource::read, &ZipSource::rewind, &source}, source.error);
    } else {
      FileBody file{std::ifstream(given, std::ios::binary), given, bytes, 0, &progress, {}};
      if (!file.in) throw xc::Error(XC_INVALID_INPUT, "cannot read " + given);
      if (bytes == 0)
        throw xc::Error(XC_INVALID_INPUT, given + " is empty; XNAT refuses empty uploads");
      reply = send_body(resource_uri + "/files/" + xnat_rest::encode_file_segment(remote_name),
                        query, content_type_for(remote_name),
                        {static_cast<int64_t>(bytes), &FileBody::read, &FileBody::rewind, &file},
                        file.error);
    }
    if (!reply.ok())
      throw xc::Error(status_for_http(reply.status),
                      "uploading " + given + " to " + label + " failed: " + reply.describe());

    const std::vector<std::string> duplicates = duplicates_of(reply);
    const std::size_t files = entries.empty() ? 1 : entries.size();
    inv.emit({{"uri", resource_uri},
              {"session", target.session_id},
              {"scan", target.scan},
              {"label", label},
              {"files", std::to_string(files)},
              {"bytes", std::to_string(bytes)},
              {"duplicates", std::to_string(duplicates.size())}});
    if (duplicates.empty()) {
      if (inv.output_mode() == XC_OUTPUT_QUIET) return;
      inv.print(XC_STDERR, "uploaded " + std::to_string(files) + (files == 1 ? " file" : " files") +
                               " (" + mib(bytes) + ") to " + resource_uri + "\n");
      return;
    }
    std::string list;
    for (std::size_t i = 0; i < duplicates.size(); ++i) {
      if (i == 10) {
        list += ", ... (" + std::to_string(duplicates.size() - 10) + " more)";
        break;
      }
      list += (i ? ", " : "") + duplicates[i];
    }
    const std::string what = std::to_string(duplicates.size()) + " of " + std::to_string(files) +
                             (files == 1 ? " file" : " files") + " already existed in " + label +
                             " and were not replaced: " + list;
    if (overwrite) throw xc::Error(XC_FATAL, what + " (the server ignored --overwrite)");
    throw xc::Error(duplicates.size() < files ? XC_PARTIAL : XC_FATAL,
                    what + "; pass --overwrite to replace them");
  }

  void list(const xc::Invocation& inv) {
    const Target target = resolve(inv);
    const auto reply =
        xnat_rest::call(host_, "GET", target.base + "/resources", {{"format", "json"}});
    if (!reply.ok())
      throw xc::Error(status_for_http(reply.status),
                      "listing the resources of " + target.base + " failed: " + reply.describe());
    for (const Row& r : xnat_rest::result_rows(reply, "resource listing")) {
      const std::string label = field(r, "label");
      inv.emit({{"label", label},
                {"format", field(r, "format")},
                {"content", field(r, "content")},
                {"files", field(r, "file_count")},
                {"bytes", field(r, "file_size")},
                {"uri", target.base + "/resources/" + xnat_rest::encode_segment(label)}});
    }
  }

 private:
  xnat_rest::Reply send_body(const std::string& path, const xnat_rest::Query& query,
                             const std::string& type, const xnat_rest::BodySpec& body,
                             const std::string& body_error) {
    try {
      return xnat_rest::call(host_, "PUT", path, query, {{"Content-Type", type}}, body);
    } catch (const xc::Error& e) {
      // A body that failed on our side says why better than the transport's message.
      if (!body_error.empty()) throw xc::Error(XC_FATAL, body_error);
      throw;
    }
  }

  // The experiment named by SESSION: with a project (-P, else the profile's default_project)
  // an ID or a label (§5.1), else an XNAT ID. An ID of another project is still found when
  // the project only came from the profile (as `scan list` does).
  Target resolve(const xc::Invocation& inv) {
    const std::string session =
        xnat_rest::checked_segment(inv.positional(0).value_or(""), "session");
    const std::string explicit_project = xnat_rest::option_or(inv, "project");
    const std::string project = explicit_project.empty()
                                    ? host_.config("profile.default_project").value_or("")
                                    : explicit_project;
    if (!project.empty()) xnat_rest::checked_segment(project, "project");
    std::optional<std::string> id;
    if (!project.empty()) {
      id = experiment_id("/data/projects/" + xnat_rest::encode_segment(project) + "/experiments/" +
                         xnat_rest::encode_segment(session));
    }
    if (!id && explicit_project.empty())
      id = experiment_id("/data/experiments/" + xnat_rest::encode_segment(session));
    if (!id) {
      if (!project.empty())
        throw xc::Error(XC_FATAL, "no session '" + session + "' in project " + project +
                                      " (neither an experiment ID nor a label there)");
      throw xc::Error(XC_FATAL, "no session with the experiment ID '" + session +
                                    "' (to name a session by label, pass -P PROJECT)");
    }
    Target t{*id, "/data/experiments/" + xnat_rest::encode_segment(*id), ""};
    if (const auto scan = inv.option("scan")) {
      t.scan = xnat_rest::checked_segment(*scan, "scan");
      const auto reply = xnat_rest::call(host_, "GET", t.base + "/scans", {{"format", "json"}});
      if (!reply.ok())
        throw xc::Error(status_for_http(reply.status),
                        "listing the scans of " + *id + " failed: " + reply.describe());
      std::vector<std::string> ids;
      for (const Row& r : xnat_rest::result_rows(reply, "scan listing"))
        ids.push_back(field(r, "ID"));
      if (std::find(ids.begin(), ids.end(), t.scan) == ids.end()) {
        std::string have;
        for (std::size_t i = 0; i < ids.size(); ++i) have += (i ? ", " : "") + ids[i];
        throw xc::Error(XC_FATAL, "session " + *id + " has no scan '" + t.scan + "'" +
                                      (ids.empty() ? std::string(" (it has no scans)")
                                                   : " (its scans: " + have + ")"));
      }
      t.base += "/scans/" + xnat_rest::encode_segment(t.scan);
    }
    return t;
  }

  std::optional<std::string> experiment_id(const std::string& path) {
    const auto reply = xnat_rest::call(host_, "GET", path, {{"format", "json"}});
    if (reply.status == 404) return std::nullopt;
    if (!reply.ok())
      throw xc::Error(status_for_http(reply.status),
                      "looking up the session failed: " + reply.describe());
    // Item form {"items":[{"data_fields":{"ID":…}}]} (§5.2); some servers answer a ResultSet.
    const auto root = xnat_rest::parse_json(reply, "session lookup");
    try {
      const auto object = root.extract<Poco::JSON::Object::Ptr>();
      if (const auto items = object ? object->getArray("items") : nullptr;
          items && items->size() > 0) {
        const auto fields = items->getObject(0)->getObject("data_fields");
        if (fields && fields->has("ID")) return xnat_rest::to_text(fields->get("ID"));
      }
      const auto rows = xnat_rest::result_rows(reply, "session lookup");
      if (!rows.empty() && !field(rows.front(), "ID").empty()) return field(rows.front(), "ID");
    } catch (const Poco::Exception&) {
    }
    throw xc::Error(XC_FATAL, "looking up the session: the server's answer has no experiment ID");
  }

  // PUT …/resources/LABEL: 200 creates it, 409 means it exists (fine); anything else is an
  // error the Python tool silently ignored.
  void create_resource(const xc::Invocation& inv, const std::string& uri,
                       const std::string& label) {
    xnat_rest::Query query;
    if (const auto v = inv.option("format")) query.emplace_back("format", std::string(*v));
    if (const auto v = inv.option("content")) query.emplace_back("content", std::string(*v));
    const auto reply = xnat_rest::call(host_, "PUT", uri, query);
    if (reply.ok() || reply.status == 409) return;
    throw xc::Error(status_for_http(reply.status),
                    "cannot create the resource " + label + ": " + reply.describe());
  }

  static std::vector<std::string> duplicates_of(const xnat_rest::Reply& reply) {
    std::vector<std::string> out;
    const auto start = reply.body.find_first_not_of(" \t\r\n");
    if (start == std::string::npos || reply.body[start] != '{') return out;
    try {
      const auto root = xnat_rest::parse_json(reply, "upload answer");
      const auto object = root.extract<Poco::JSON::Object::Ptr>();
      const auto list = object ? object->getArray("duplicates") : nullptr;
      if (list)
        for (std::size_t i = 0; i < list->size(); ++i)
          out.push_back(xnat_rest::to_text(list->get(i)));
    } catch (const std::exception&) {
    }
    return out;
  }

  xc::Host host_;
};

constexpr xc_positional_desc kSession =
    xc::Positional("SESSION", "XNAT experiment ID (e.g. XNAT_E00001), or a label with -P").desc();
constexpr xc_positional_desc kLabel =
    xc::Positional("RESOURCE_LABEL", "resource name, e.g. NIFTI").desc();
constexpr xc_positional_desc kPath =
    xc::Positional("PATH", "a file, or a directory (sent as one zip, extracted on the server)")
        .desc();
constexpr const xc_positional_desc* kUploadArgs[] = {&kSession, &kLabel, &kPath};
constexpr const xc_positional_desc* kListArgs[] = {&kSession};

constexpr xc_option_desc kProject =
    xc::Option("project", XC_OPTION_STRING,
               "project of SESSION, so it may be a label (default: the profile's default_project)")
        .short_name("P")
        .value_name("PROJECT")
        .desc();
constexpr xc_option_desc kScan =
    xc::Option("scan", XC_OPTION_STRING, "attach to this scan instead of the session")
        .value_name("SCAN_ID")
        .desc();
constexpr xc_option_desc kContent =
    xc::Option("content", XC_OPTION_STRING, "resource content description (new resources)").desc();
constexpr xc_option_desc kFormat =
    xc::Option("format", XC_OPTION_STRING, "resource format, e.g. NIFTI (new resources)").desc();
constexpr xc_option_desc kOverwrite =
    xc::Option("overwrite", XC_OPTION_FLAG, "replace files that already exist").desc();
constexpr const xc_option_desc* kUploadOptions[] = {&kProject, &kScan, &kContent, &kFormat,
                                                    &kOverwrite};
constexpr const xc_option_desc* kListOptions[] = {&kProject, &kScan};

constexpr xc_command_desc kUpload =
    xc::Command("resource upload", "Upload a file or directory to a session or scan resource")
        .description(
            "Creates the resource when missing. A directory is streamed as one zip "
            "that XNAT extracts, keeping its folders (BIDS trees); a file is stored "
            "under its own name. Files that already exist are reported and make the "
            "exit code non-zero unless --overwrite replaces them.")
        .positionals(kUploadArgs)
        .options(kUploadOptions)
        .run(xc::command_thunk<Resource, &Resource::upload>)
        .desc();
constexpr xc_command_desc kList =
    xc::Command("resource list", "List the resources of a session or scan")
        .positionals(kListArgs)
        .options(kListOptions)
        .run(xc::command_thunk<Resource, &Resource::list>)
        .desc();
constexpr const xc_command_desc* kCommands[] = {&kUpload, &kList};

constexpr xc_plugin_desc kPlugin =
    xc::Plugin("resource", "0.2.0", "Non-DICOM resources: upload and list")
        .commands(kCommands)
        .lifecycle(xc::plugin_init<Resource>, xc::plugin_shutdown<Resource>)
        .desc();

}  // namespace

XC_DEFINE_PLUGIN(kPlugin)
