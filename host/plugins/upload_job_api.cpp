// The job members of xc_host_api over core's upload::Job (see upload_job_handle.hpp).
// None may throw into plugin code: each body either cannot throw or runs under guard().

#include <algorithm>
#include <cstring>
#include <exception>
#include <map>
#include <string_view>
#include <vector>

#include "plugins/status_mapping.hpp"
#include "plugins/upload_job_handle.hpp"
#include "xnatctl/dicom/keywords.hpp"
#include "xnatctl/error.hpp"
#include "xnatctl/upload/byte_source.hpp"
#include "xnatctl/upload/object_names.hpp"

namespace xnatctl::host {

// A body handed to a plugin: the core byte source plus the progress it has counted, so a
// rewind can take that progress back.
struct HostBody {
  xc_upload_job* owner = nullptr;
  std::unique_ptr<upload::ByteSource> source;
  std::mutex counted_mutex;
  std::map<std::size_t, std::uint64_t> counted;  // file index -> payload bytes reported
};

namespace {

using upload::ArchiveFormat;
using upload::Destination;
using upload::Overwrite;
using upload::SourceKind;

xc_status view_of(std::string_view value, xc_str* out) {
  out->data = value.data();
  out->size = value.size();
  return XC_OK;
}

int32_t destination_code(Destination d) {
  return d == Destination::kPrearchive ? XC_DEST_PREARCHIVE : XC_DEST_ARCHIVE;
}

int32_t overwrite_code(Overwrite o) {
  switch (o) {
    case Overwrite::kNone:
      return XC_OVERWRITE_NONE;
    case Overwrite::kAppend:
      return XC_OVERWRITE_APPEND;
    case Overwrite::kDelete:
      break;
  }
  return XC_OVERWRITE_DELETE;
}

int32_t source_code(SourceKind k) {
  switch (k) {
    case SourceKind::kFile:
      return XC_SOURCE_FILE;
    case SourceKind::kArchive:
      return XC_SOURCE_ARCHIVE;
    case SourceKind::kDirectory:
      break;
  }
  return XC_SOURCE_DIRECTORY;
}

xc_status job_info(const xc_upload_job* handle, xc_job_info* out) {
  if (out == nullptr || out->struct_size < sizeof(uint32_t)) return XC_INVALID_INPUT;
  const upload::Job& job = handle->job;
  const upload::JobSettings& s = job.settings;
  xc_job_info info{};
  info.struct_size = out->struct_size;
  info.server_url = job.target.server_url.c_str();
  info.project = job.target.project.c_str();
  info.subject = job.target.subject.c_str();
  info.session = job.target.session.c_str();
  info.source = handle->source.c_str();
  info.source_kind = source_code(job.source_kind);
  info.destination = destination_code(s.destination);
  info.overwrite = overwrite_code(s.overwrite);
  info.archive_format = s.archive_format == ArchiveFormat::kZip ? XC_ARCHIVE_ZIP : XC_ARCHIVE_TAR;
  info.workers = static_cast<uint32_t>(std::max(1, s.workers));
  info.flags = (s.zip_to_tar ? XC_JOB_ZIP_TO_TAR : 0u) | (s.dry_run ? XC_JOB_DRY_RUN : 0u) |
               (s.resume ? XC_JOB_RESUME : 0u);
  info.file_count = job.files.size();
  info.total_bytes = job.total_bytes();
  // OBS-style: a plugin built against an older, smaller struct gets only what it has room for.
  std::memcpy(out, &info, std::min<std::size_t>(out->struct_size, sizeof(info)));
  return XC_OK;
}

xc_status job_file(const xc_upload_job* handle, size_t index, xc_job_file* out) {
  if (index >= handle->job.files.size()) return XC_NOT_FOUND;
  if (!XC_HAS_MEMBER(out, xc_job_file, size)) return XC_INVALID_INPUT;
  const upload::JobFile& f = handle->job.files[index];
  out->path = f.location.in_archive() ? nullptr : f.location.path.c_str();
  out->relative_path = f.relative_path.c_str();
  out->size = f.size;
  if (XC_HAS_MEMBER(out, xc_job_file, display_name))
    out->display_name = handle->display_names[index].c_str();
  // since 1.1; a plugin built against 1.0 passes a smaller struct, which is not written past.
  if (XC_HAS_MEMBER(out, xc_job_file, object_name)) {
    out->object_name =
        f.object_name.empty() ? handle->object_names[index].c_str() : f.object_name.c_str();
  }
  return XC_OK;
}

xc_status job_file_attribute(const xc_upload_job* handle, size_t index, const char* keyword,
                             xc_str* out) {
  if (index >= handle->job.files.size() || keyword == nullptr) return XC_NOT_FOUND;
  const auto value = dicom::attribute(handle->job.files[index].attributes, keyword);
  if (!value || value->empty()) return XC_NOT_FOUND;
  return view_of(*value, out);
}

const xc_invocation* job_invocation(const xc_upload_job* handle) {
  return handle->invocation;
}

// ---- bodies ----

size_t body_read(void* user, char* buffer, size_t capacity) {
  auto* body = static_cast<HostBody*>(user);
  try {
    return body->source->read(buffer, capacity);
  } catch (const std::exception& e) {
    // The C callback has no error channel; the reason reaches the user through the job.
    if (body->owner->warn) body->owner->warn(e.what());
    return XC_READ_FAILED;
  }
}

xc_status body_rewind(void* user) {
  auto* body = static_cast<HostBody*>(user);
  try {
    std::map<std::size_t, std::uint64_t> counted;
    {
      std::lock_guard lock(body->counted_mutex);
      counted.swap(body->counted);
    }
    for (const auto& [file, bytes] : counted)
      body->owner->observer.sent(file, -static_cast<std::int64_t>(bytes));
    body->source->rewind();
    return XC_OK;
  } catch (const std::exception&) {
    return XC_FATAL;
  }
}

void body_close(void* user) {
  auto* body = static_cast<HostBody*>(user);
  xc_upload_job* owner = body->owner;
  {
    std::lock_guard lock(owner->bodies_mutex);
    owner->open_bodies.erase(body);
  }
  delete body;
}

// Wraps a core byte source as an xc_body owned by the job.
template <typename Open>
xc_status open_body(const xc_upload_job* chandle, xc_body* out, xc_error* error, Open&& open) {
  if (!XC_HAS_MEMBER(out, xc_body, user)) return fail(error, XC_INVALID_INPUT, "xc_body too small");
  auto* handle = const_cast<xc_upload_job*>(chandle);
  return guard(error, [&] {
    auto body = std::make_unique<HostBody>();
    body->owner = handle;
    HostBody* raw = body.get();
    upload::ProgressHook hook = [raw](std::size_t file, std::uint64_t bytes) {
      if (file >= raw->owner->job.files.size()) return;  // raw archive bytes: not per file
      {
        std::lock_guard lock(raw->counted_mutex);
        raw->counted[file] += bytes;
      }
      raw->owner->observer.sent(file, static_cast<std::int64_t>(bytes));
    };
    body->source = open(handle->job, std::move(hook));
    out->size = body->source->size();
    out->read = &body_read;
    out->rewind = &body_rewind;
    out->close = &body_close;
    out->user = raw;
    std::lock_guard lock(handle->bodies_mutex);
    handle->open_bodies.insert(body.release());
    return XC_OK;
  });
}

xc_status job_file_open(const xc_upload_job* handle, size_t index, xc_body* out, xc_error* error) {
  if (index >= handle->job.files.size())
    return fail(error, XC_NOT_FOUND, "job file index out of range");
  return open_body(handle, out, error, [index](const upload::Job& job, upload::ProgressHook h) {
    return upload::open_job_file(job, index, std::move(h));
  });
}

xc_status job_source_open(const xc_upload_job* handle, xc_body* out, xc_error* error) {
  if (handle->job.source_kind != SourceKind::kArchive)
    return fail(error, XC_UNSUPPORTED, "the upload's source is not a pre-built archive");
  if (!handle->job.whole_source)
    return fail(error, XC_UNSUPPORTED,
                "the job holds only some of the archive's members; send them with "
                "job_archive_open");
  return open_body(handle, out, error, [](const upload::Job& job, upload::ProgressHook h) {
    return upload::open_source_archive(job, std::move(h));
  });
}

xc_status job_archive_open(const xc_upload_job* handle, const size_t* indices, size_t count,
                           int32_t format, xc_body* out, xc_error* error) {
  if (format != XC_ARCHIVE_TAR && format != XC_ARCHIVE_ZIP)
    return fail(error, XC_INVALID_INPUT, "job_archive_open: format must be XC_ARCHIVE_*");
  if (count > 0 && indices == nullptr)
    return fail(error, XC_INVALID_INPUT, "job_archive_open: indices is NULL");
  std::vector<std::size_t> files(indices, indices + count);
  for (std::size_t i : files) {
    if (i >= handle->job.files.size())
      return fail(error, XC_NOT_FOUND, "job_archive_open: file index out of range");
  }
  const ArchiveFormat f = format == XC_ARCHIVE_ZIP ? ArchiveFormat::kZip : ArchiveFormat::kTar;
  return open_body(
      handle, out, error, [&files, f, handle](const upload::Job& job, upload::ProgressHook h) {
        return upload::open_archive_body(job, files, f, std::move(h), handle->zip_levels);
      });
}

// ---- results and progress ----

upload::Outcome outcome_of(xc_status status) {
  switch (status) {
    case XC_OK:
      return upload::Outcome::kStored;
    case XC_RETRY:
      return upload::Outcome::kRetryable;
    case XC_CANCELLED:
      return upload::Outcome::kNotAttempted;
    default:
      return upload::Outcome::kRejected;
  }
}

xc_status report(const xc_upload_job* chandle, const size_t* indices, size_t count,
                 const xc_file_result* result) {
  if (!XC_HAS_MEMBER(result, xc_file_result, message) || (count > 0 && indices == nullptr))
    return XC_INVALID_INPUT;
  auto* handle = const_cast<xc_upload_job*>(chandle);
  std::vector<std::size_t> files(indices, indices + count);
  for (std::size_t i : files) {
    if (i >= handle->job.files.size()) return XC_INVALID_INPUT;
  }
  xc_error error = make_error();
  return guard(&error, [&] {
    upload::FileOutcome outcome;
    outcome.outcome = outcome_of(result->outcome);
    outcome.protocol_status = result->status;
    outcome.attempts = result->attempts;
    if (result->uri != nullptr) outcome.uri = result->uri;
    if (result->message != nullptr) outcome.message = result->message;
    return handle->observer.report(files, outcome) ? XC_OK : XC_CANCELLED;
  });
}

void progress(const xc_upload_job* chandle, size_t index, int32_t event, uint64_t bytes) {
  auto* handle = const_cast<xc_upload_job*>(chandle);
  if (index >= handle->job.files.size()) return;
  try {
    if (event == XC_PROGRESS_STARTED) handle->observer.started(index);
    if (event == XC_PROGRESS_BYTES) handle->observer.sent(index, static_cast<std::int64_t>(bytes));
  } catch (...) {  // progress is best effort; never unwind into the plugin
  }
}

}  // namespace

void install_job_api(xc_host_api& api) {
  api.job_info = &job_info;
  api.job_file = &job_file;
  api.job_file_attribute = &job_file_attribute;
  api.job_invocation = &job_invocation;
  api.job_file_open = &job_file_open;
  api.job_source_open = &job_source_open;
  api.job_archive_open = &job_archive_open;
  api.report = &report;
  api.progress = &progress;
}

}  // namespace xnatctl::host

xc_upload_job::xc_upload_job(const xnatctl::upload::Job& job_, const xc_invocation* invocation_,
                             xnatctl::upload::JobObserver& observer_)
    : job(job_), invocation(invocation_), observer(observer_), source(job_.source.string()) {
  display_names.reserve(job.files.size());
  for (const auto& f : job.files) {
    display_names.push_back(f.location.in_archive() ? f.location.path + "!" + f.location.member
                                                    : f.location.path);
  }
  const bool named = std::all_of(job.files.begin(), job.files.end(),
                                 [](const auto& f) { return !f.object_name.empty(); });
  if (!named) object_names = xnatctl::upload::object_names(job.files);
}

xc_upload_job::~xc_upload_job() {
  std::set<xnatctl::host::HostBody*> left;
  {
    std::lock_guard lock(bodies_mutex);
    left.swap(open_bodies);
  }
  for (auto* body : left) delete body;
}
