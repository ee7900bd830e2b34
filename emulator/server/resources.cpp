#include "resources.hpp"

#include <Poco/Exception.h>
#include <Poco/Net/HTMLForm.h>
#include <Poco/Net/MessageHeader.h>
#include <Poco/Net/NameValueCollection.h>
#include <Poco/Net/PartHandler.h>

#include <fstream>

#include "archive_stream_reader.hpp"

namespace xnatctl::emulator {
namespace fs = std::filesystem;
namespace {

struct FileEntry {
  std::string rel;
  std::uint64_t size;
  fs::path path;
};

std::vector<FileEntry> files_of(const Resource& r) {
  std::vector<FileEntry> out;
  std::error_code ec;
  if (!fs::is_directory(r.dir, ec)) return out;
  for (auto it = fs::recursive_directory_iterator(r.dir, ec);
       it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) break;
    if (!it->is_regular_file()) continue;
    out.push_back({fs::relative(it->path(), r.dir).generic_string(),
                   static_cast<std::uint64_t>(it->file_size()), it->path()});
  }
  std::sort(out.begin(), out.end(), [](auto& a, auto& b) { return a.rel < b.rel; });
  return out;
}

Resource* find_resource(ResourceOwner& owner, const std::string& key) {
  auto it = owner.resources->find(key);
  if (it != owner.resources->end()) return &it->second;
  for (auto& [label, r] : *owner.resources)
    if (std::to_string(r.id) == key) return &r;
  return nullptr;
}

Resource& create_resource(RequestContext& ctx, ResourceOwner& owner, const std::string& label) {
  if (!is_safe_component(label)) throw HttpError(400, "Invalid resource label: " + label);
  Resource r;
  r.id = ctx.emu.repository.next_resource_id();
  r.label = label;
  r.format = ctx.params.get_or("format", "");
  if (r.format == "json" || r.format == "xml")
    r.format.clear();  // response format, not file format
  r.content = ctx.params.get_or("content", "");
  r.description = ctx.params.get_or("description", "");
  r.dir = ctx.emu.storage.confined(owner.resource_root / label);
  if (!ctx.emu.storage.sink()) fs::create_directories(r.dir);
  return owner.resources->emplace(label, r).first->second;
}

void drain(std::istream& in) {
  char buf[64 * 1024];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
  }
}

void write_stream_to(std::istream& in, const fs::path& file) {
  fs::create_directories(file.parent_path());
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  std::vector<char> buf(256 * 1024);
  while (in.read(buf.data(), static_cast<std::streamsize>(buf.size())) || in.gcount() > 0)
    out.write(buf.data(), in.gcount());
  if (!out) throw HttpError(500, "cannot write " + file.filename().string());
}

// One upload into a resource: plain file, or an archive to unpack with extract=true (§6.2).
class ResourceUpload {
 public:
  ResourceUpload(RequestContext& ctx, Resource& r) : ctx_(ctx), r_(r) {
    extract_ = ctx.params.is_true("extract");
    overwrite_ = ctx.params.is_true("overwrite");
  }

  void store(const std::string& dest_rel, std::istream& data) {
    if (!is_safe_relative_path(dest_rel)) throw HttpError(400, "Invalid file path: " + dest_rel);
    ++stored_;
    const auto format = detect_archive_format(dest_rel);
    if (extract_ && (format == ArchiveFormat::Zip || format == ArchiveFormat::Tar ||
                     format == ArchiveFormat::Tgz)) {
      const auto parent = fs::path(dest_rel).parent_path();
      extract(data, format, parent);
      return;
    }
    const auto target = ctx_.emu.storage.confined(r_.dir / dest_rel);
    if (fs::exists(target) && !overwrite_) {
      duplicates_.push_back(dest_rel);
      drain(data);
      return;
    }
    if (ctx_.emu.storage.sink()) {
      drain(data);
      return;
    }
    const auto temp = ctx_.emu.storage.temp_path();
    try {
      write_stream_to(data, temp);
      ctx_.require_intact_body();  // a short body is not a complete file
      move_file(temp, target);
      remember_meta(dest_rel);
    } catch (...) {
      std::error_code ec;
      fs::remove(temp, ec);
      throw;
    }
  }

  int stored() const { return stored_; }
  // The file's own format/content from this request's parameters (§6.2).
  void remember_meta(const std::string& rel) {
    std::string format = ctx_.params.get_or("format", "");
    if (format == "json" || format == "xml") format.clear();  // response format
    const std::string content = ctx_.params.get_or("content", "");
    if (format.empty() && content.empty())
      r_.file_meta.erase(rel);
    else
      r_.file_meta[rel] = {format, content};
  }
  const std::vector<std::string>& duplicates() const { return duplicates_; }

 private:
  // Unpacks into a staging folder first: a link entry or a path that leaves the resource
  // rejects the whole archive with 400 and nothing is written (issue 4 §1).
  void extract(std::istream& data, ArchiveFormat format, const fs::path& parent) {
    const auto staging = ctx_.emu.storage.temp_path();
    // A zip is spooled first: only its central directory says which entries are symlinks.
    const auto spooled = ctx_.emu.storage.temp_path();
    fs::create_directories(staging);
    try {
      ArchiveLimits limits;
      limits.max_bytes = ctx_.emu.config.max_extract_bytes;
      limits.max_ratio = ctx_.emu.config.max_extract_ratio;
      const EntryVisitor visit = [&](const ArchiveEntry& e, std::istream& entry_data) {
        if (e.kind == EntryKind::Symlink || e.kind == EntryKind::Hardlink ||
            e.kind == EntryKind::Other)
          throw HttpError(
              400, "Archive entry " + e.path + " is not a regular file; nothing was extracted");
        if (!is_safe_relative_path(e.path))
          throw HttpError(400, "Archive entry " + e.path +
                                   " would be written outside the resource; nothing was extracted");
        if (e.kind == EntryKind::Directory) return;
        try {
          write_stream_to(entry_data, staging / e.path);
        } catch (const fs::filesystem_error&) {
          throw HttpError(400, "Archive entry " + e.path +
                                   " clashes with another entry; nothing was extracted");
        }
      };
      if (format == ArchiveFormat::Zip) {
        write_stream_to(data, spooled);
        ctx_.require_intact_body();
        read_archive_file(spooled, format, visit, limits);
      } else {
        read_archive_stream(data, format, visit, limits);
      }
      ctx_.require_intact_body();
      std::vector<FileEntry> staged;
      Resource tmp;
      tmp.dir = staging;
      for (auto& f : files_of(tmp)) {
        const auto rel = (parent / f.rel).generic_string();
        const auto target = ctx_.emu.storage.confined(r_.dir / rel);
        if (fs::exists(target) && !overwrite_) {
          duplicates_.push_back(rel);
          continue;
        }
        if (!ctx_.emu.storage.sink()) move_file(f.path, target);
        remember_meta(rel);
      }
    } catch (const ArchiveReadError& e) {
      clean_up(staging, spooled);
      throw HttpError(400, std::string("Unable to extract the uploaded archive: ") + e.what());
    } catch (...) {
      clean_up(staging, spooled);
      throw;
    }
    clean_up(staging, spooled);
  }

  static void clean_up(const fs::path& staging, const fs::path& spooled) {
    std::error_code ec;
    fs::remove_all(staging, ec);
    fs::remove(spooled, ec);
  }

  RequestContext& ctx_;
  Resource& r_;
  bool extract_ = false, overwrite_ = false;
  int stored_ = 0;
  std::vector<std::string> duplicates_;
};

class UploadPartHandler : public Poco::Net::PartHandler {
 public:
  UploadPartHandler(ResourceUpload& upload, std::string rel)
      : upload_(upload), rel_(std::move(rel)) {}
  void handlePart(const Poco::Net::MessageHeader& header, std::istream& stream) override {
    std::string filename = part_file_name(header, "\\/");
    // The URL remainder names the destination if given; a trailing '/' makes it a folder.
    std::string dest = rel_.empty() ? filename : rel_.back() == '/' ? rel_ + filename : rel_;
    if (dest.empty())
      throw HttpError(400,
                      "multi-part form posts must contain the file name of the uploaded file.");
    upload_.store(dest, stream);
  }

 private:
  ResourceUpload& upload_;
  std::string rel_;
};

void store_upload(RequestContext& ctx, Resource& resource, const std::string& rel);

void upload_files(RequestContext& ctx, ResourceOwner& owner, const std::string& label,
                  const std::string& rel) {
  Resource* r = find_resource(owner, label);
  const bool created = r == nullptr;
  if (!r) r = &create_resource(ctx, owner, label);  // auto-created on upload (§6.2)
  try {
    store_upload(ctx, *r, rel);
  } catch (...) {
    // A failed upload leaves no trace, not even the resource it would have created.
    if (created) {
      std::error_code ec;
      fs::remove_all(r->dir, ec);
      owner.resources->erase(label);
    }
    throw;
  }
}

void store_upload(RequestContext& ctx, Resource& resource, const std::string& rel) {
  ResourceUpload upload(ctx, resource);
  const auto type = to_lower(ctx.request.getContentType());
  if (type.rfind("multipart/form-data", 0) == 0) {
    Poco::Net::HTMLForm form;
    UploadPartHandler parts(upload, rel);
    try {
      form.load(ctx.request, ctx.body(), parts);
    } catch (const Poco::Exception&) {
      ctx.require_intact_body();
      throw HttpError(400, "malformed multipart/form-data body");
    }
  } else {
    const auto length = ctx.request.getContentLength64();
    const bool has_body = ctx.request.getChunkedTransferEncoding() || length > 0;
    if (!has_body)
      throw HttpError(400,
                      "You tried to " + ctx.method() +
                          " to this service, but didn't provide any data (found request entity "
                          "size of 0). If you think you sent data to upload, you can try to " +
                          ctx.method() +
                          " with the query-string parameter inbody=true or use "
                          "multipart/form-data encoding.");
    if (rel.empty() || rel.back() == '/')
      throw HttpError(400, "In-body uploads need the file name in the URL (…/files/<name>)");
    upload.store(rel, ctx.body());
  }
  if (upload.stored() == 0)
    throw HttpError(
        400, "You tried to " + ctx.method() + " to this service, but didn't provide any data.");
  if (!upload.duplicates().empty()) {
    std::string body = "{\"duplicates\":[";
    for (std::size_t i = 0; i < upload.duplicates().size(); ++i)
      body += (i ? "," : "") + json_quote(upload.duplicates()[i]);
    send_text(ctx.response, 200, body + "]}", "text/html");  // §6.2: 200 + duplicates
    return;
  }
  send_text(ctx.response, 200, "");
}

void list_resources(RequestContext& ctx, ResourceOwner& owner) {
  JsonTable t;
  for (const auto& [label, r] : *owner.resources) {
    std::uint64_t bytes = 0;
    const auto files = files_of(r);
    for (const auto& f : files) bytes += f.size;
    t.add_row({{"xnat_abstractresource_id", std::to_string(r.id)},
               {"label", r.label},
               {"element_name", "xnat:resourceCatalog"},
               {"category", owner.category},
               {"cat_id", std::to_string(r.id)},
               {"cat_desc", r.description},
               {"format", r.format},
               {"content", r.content},
               {"tags", ""},
               {"file_count", std::to_string(files.size())},
               {"file_size", std::to_string(bytes)}});
  }
  t.add_meta("title", "Resources");
  t.add_meta("totalRecords", std::to_string(t.size()));
  send_json(ctx.response, 200, t.to_json());
}

void delete_file(RequestContext& ctx, const Resource& r, const std::string& rel) {
  if (!is_safe_relative_path(rel)) throw HttpError(400, "Invalid file path: " + rel);
  const auto path = ctx.emu.storage.confined(r.dir / rel);
  if (!fs::exists(path)) {
    if (ctx.params.is_true("accept-not-found")) return send_text(ctx.response, 204, "");
    throw HttpError(404, "Unable to find file.");
  }
  fs::remove_all(path);
  send_text(ctx.response, 200, "");
}

}  // namespace

void add_file_rows(JsonTable& t, const Resource& r, const std::string& uri_base) {
  const std::string key = r.id ? std::to_string(r.id) : r.label;  // numeric ID in URIs (§6.3)
  for (const auto& f : files_of(r)) {
    // A file's own attributes; the importer's DICOM entries are DICOM/RAW (§6.3).
    std::pair<std::string, std::string> meta;
    if (const auto it = r.file_meta.find(f.rel); it != r.file_meta.end())
      meta = it->second;
    else if (r.imported_dicom)
      meta = {"DICOM", "RAW"};
    t.add_row({{"Name", fs::path(f.rel).filename().string()},
               {"Size", std::to_string(f.size)},
               {"URI", uri_base + "/resources/" + key + "/files/" + f.rel},
               {"collection", r.label},
               {"file_tags", ""},
               {"file_format", meta.first},
               {"file_content", meta.second},
               {"cat_ID", r.id ? std::to_string(r.id) : ""},
               {"digest", md5_of_file(f.path)}});
  }
}

void send_resource_file_path(RequestContext& ctx, const fs::path& file,
                             const std::string& content_type) {
  std::error_code ec;
  if (!fs::is_regular_file(file, ec)) {
    if (ctx.params.is_true("accept-not-found")) return send_text(ctx.response, 204, "");
    throw HttpError(404, "Unable to find file.");
  }
  ctx.response.sendFile(file.string(), content_type);
}

void send_resource_file(RequestContext& ctx, const Resource& r, const std::string& rel) {
  if (!is_safe_relative_path(rel)) throw HttpError(400, "Invalid file path: " + rel);
  send_resource_file_path(ctx, r.dir / rel);
}

void handle_resource_routes(RequestContext& ctx, ResourceOwner owner, std::size_t i) {
  const auto& seg = ctx.segments;
  const auto& method = ctx.method();
  if (seg[i] == "files") {
    // …/files[/{path}]: all resources of the owner (§6).
    const std::string rel = ctx.remainder(i + 1);
    if (rel.empty()) {
      if (method != "GET") throw HttpError(405, "Method Not Allowed");
      JsonTable t;
      t.set_uri_column(ctx.emu.config.context_path);
      for (const auto& [label, r] : *owner.resources) add_file_rows(t, r, owner.uri_base);
      t.add_meta("title", "Files");
      return send_json(ctx.response, 200, t.to_json());
    }
    for (const auto& [label, r] : *owner.resources) {
      if (fs::exists(r.dir / rel)) {
        if (method == "DELETE") return delete_file(ctx, r, rel);
        return send_resource_file(ctx, r, rel);
      }
    }
    throw HttpError(404, "Unable to find file.");
  }
  // seg[i] == "resources"
  if (seg.size() == i + 1) {
    if (method != "GET") throw HttpError(405, "Method Not Allowed");
    return list_resources(ctx, owner);
  }
  const std::string& key = seg[i + 1];
  Resource* r = find_resource(owner, key);
  if (seg.size() == i + 2) {
    if (method == "PUT" || method == "POST") {
      if (r) throw HttpError(409, "Specified resource already exists.");
      create_resource(ctx, owner, key);
      return send_text(ctx.response, 200, "");
    }
    if (!r) throw HttpError(404, "Unable to find the specified resource.");
    if (method == "DELETE") {
      std::error_code ec;
      fs::remove_all(r->dir, ec);
      owner.resources->erase(r->label);
      return send_text(ctx.response, 200, "");
    }
    JsonTable t;
    t.add_row({{"xnat_abstractresource_id", std::to_string(r->id)},
               {"label", r->label},
               {"format", r->format},
               {"content", r->content}});
    return send_json(ctx.response, 200, t.to_json());
  }
  if (seg[i + 2] != "files") {
    if (seg.size() > i + 3) throw HttpError(400, "This resource works at the catalog level only.");
    throw HttpError(404, "Not Found");
  }
  const std::string rel = ctx.remainder(i + 3);
  if (method == "PUT" || method == "POST") return upload_files(ctx, owner, r ? r->label : key, rel);
  if (!r) throw HttpError(404, "Unable to find the specified resource.");
  if (method == "DELETE") return delete_file(ctx, *r, rel);
  if (rel.empty()) {
    JsonTable t;
    t.set_uri_column(ctx.emu.config.context_path);
    add_file_rows(t, *r, owner.uri_base);
    t.add_meta("title", "Files");
    return send_json(ctx.response, 200, t.to_json());
  }
  send_resource_file(ctx, *r, rel);
}

}  // namespace xnatctl::emulator
