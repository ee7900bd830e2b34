// Resources and files (reference §6): create, upload (raw / multipart, extract=true,
// overwrite), list with MD5 digests, download, delete — at session and scan level.
#pragma once

#include <map>
#include <string>

#include "repository.hpp"
#include "request_context.hpp"

namespace xnatctl::emulator {

// Where a family of resources hangs: an experiment or one of its scans.
struct ResourceOwner {
  std::map<std::string, Resource>* resources;
  std::filesystem::path resource_root;  // new resource R lives in resource_root / R
  std::string uri_base;                 // /data/experiments/E or /data/experiments/E/scans/S
  std::string category;                 // "resources" or "scans" (cat listing column)
};

// Handles …/resources[/{R}[/files[/{path}]]] and …/files[/{path}] with segments starting at
// index `i` (the "resources" or "files" segment). Caller holds the repository mutex.
void handle_resource_routes(RequestContext& ctx, ResourceOwner owner, std::size_t i);

// File-list rows (§6.3) for one resource.
void add_file_rows(JsonTable& table, const Resource& resource, const std::string& uri_base);
void send_resource_file(RequestContext& ctx, const Resource& resource, const std::string& rel);
void send_resource_file_path(RequestContext& ctx, const std::filesystem::path& file,
                             const std::string& content_type = "application/octet-stream");

}  // namespace xnatctl::emulator
