// xnatctl plugin SDK: an in-process fake host for unit-testing a plugin without xnatctl.
//
// FakeHost implements every xc_host_api member over plain C++ containers: options,
// positionals, config values, an upload job and an HTTP handler you provide; it records
// what the plugin emitted, printed, logged and reported per file. Load your built plugin
// (xc::testing::PluginLibrary) or use its descriptor directly, then drive it:
//
//   xc::testing::PluginLibrary lib("build/.../my_plugin.so");
//   xc::testing::FakeHost host;
//   host.set_option("name", "Ada");
//   REQUIRE(host.run_command(lib.descriptor(), "my hello") == XC_OK);
//   CHECK(host.records().at(0).at("greeting") == "hello Ada");
//
// Header-only, C++17, POSIX (dlopen). Like sdk.hpp it is for plugin authors' tests; the
// real host shares none of this code.
#ifndef XNATCTL_SDK_TESTING_HPP
#define XNATCTL_SDK_TESTING_HPP

#include <dlfcn.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cstdio>
#include <cstring>
#include <functional>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "xnatctl/sdk.h"

namespace xc::testing {

// Opens a plugin library the way the host does (RTLD_NOW | RTLD_LOCAL) and returns its
// descriptor. The library stays open until this object is destroyed.
class PluginLibrary {
 public:
  explicit PluginLibrary(const std::string& path) {
    handle_ = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle_ == nullptr) throw std::runtime_error(std::string("dlopen: ") + ::dlerror());
    auto entry = reinterpret_cast<xc_plugin_entry_fn>(::dlsym(handle_, XC_PLUGIN_ENTRY_SYMBOL));
    if (entry == nullptr) throw std::runtime_error("no xc_plugin_entry in " + path);
    desc_ = entry(XC_ABI_MAJOR, XC_ABI_MINOR);
    if (desc_ == nullptr) throw std::runtime_error("xc_plugin_entry returned NULL");
  }
  ~PluginLibrary() {
    if (handle_ != nullptr) ::dlclose(handle_);
  }
  PluginLibrary(const PluginLibrary&) = delete;
  PluginLibrary& operator=(const PluginLibrary&) = delete;
  const xc_plugin_desc& descriptor() const { return *desc_; }

 private:
  void* handle_ = nullptr;
  const xc_plugin_desc* desc_ = nullptr;
};

class FakeHost {
 public:
  struct File {
    std::string path;  // empty: an archive member, whose bytes are `content`
    std::string relative_path;
    uint64_t size = 0;
    std::map<std::string, std::string> attributes;  // DICOM keyword -> value
    std::string content;  // the bytes job_file_open serves; empty = read `path` from disk
    // xc_job_file.object_name (since 1.1); empty = a stand-in with the same guarantees (see
    // add_file), not the real host's policy.
    std::string object_name;
  };
  struct FileResult {
    xc_status outcome;
    std::string message;
    int32_t status = 0;
    uint32_t attempts = 0;
    std::string uri;
    size_t batch_size = 1;  // how many files the report() call that set this covered
  };
  struct HttpExchange {  // what the plugin sent
    std::string method, path, body;
    std::vector<std::pair<std::string, std::string>> query, headers;
    uint32_t flags = 0;  // XC_HTTP_* of the request
  };
  // Answers a request: set response.status (and content_type) and return the body.
  using HttpHandler =
      std::function<std::string(const HttpExchange& request, xc_http_response& response)>;

  FakeHost() {
    api_.struct_size = sizeof(api_);
    api_.abi_major = XC_ABI_MAJOR;
    api_.abi_minor = XC_ABI_MINOR;
    api_.log = [](xc_host* h, int32_t level, xc_str m) {
      std::lock_guard lock(self(h).mutex_);  // like the host: any thread may log
      self(h).logs_.push_back({level, std::string(m.data, m.size)});
    };
    api_.option_get = [](const xc_invocation* i, const char* name, xc_str* out) {
      return item(self(i).options_, name, 0, out);
    };
    api_.option_get_item = [](const xc_invocation* i, const char* name, size_t n, xc_str* out) {
      return item(self(i).options_, name, n, out);
    };
    api_.positional_get = [](const xc_invocation* i, size_t n, xc_str* out) {
      return n < self(i).positionals_.size() ? view(self(i).positionals_[n], out) : XC_NOT_FOUND;
    };
    api_.config_get = [](xc_host* h, const char* key, xc_str* out) {
      const auto it = self(h).config_.find(key);
      return it == self(h).config_.end() ? XC_NOT_FOUND : view(it->second, out);
    };
    api_.output_mode = [](const xc_invocation* i) { return self(i).output_mode_; };
    api_.emit_record = [](const xc_invocation* i, const xc_kv* fields, size_t count) {
      std::map<std::string, std::string> record;
      for (size_t k = 0; k < count; ++k)
        record[fields[k].key] = fields[k].value != nullptr ? fields[k].value : "";
      std::lock_guard lock(self(i).mutex_);
      self(i).records_.push_back(std::move(record));
      return XC_OK;
    };
    api_.print = [](const xc_invocation* i, int32_t stream, xc_str text) {
      // Like the real host: stdout stays machine-readable in JSON and quiet modes.
      if (stream == XC_STDOUT && self(i).output_mode_ != XC_OUTPUT_TABLE) return;
      std::lock_guard lock(self(i).mutex_);
      (stream == XC_STDOUT ? self(i).stdout_ : self(i).stderr_).append(text.data, text.size);
    };
    api_.confirm = [](const xc_invocation* i, const char*) { return self(i).confirm_answer_; };
    api_.http_send = [](xc_host* h, const xc_http_request* rq, xc_http_response* rs, xc_error* e) {
      return self(h).send(*rq, *rs, e);
    };
    api_.cancelled = [](xc_host* h) { return self(h).cancelled_ ? 1 : 0; };
    api_.wait = [](xc_host* h, uint32_t ms) {
      std::lock_guard lock(self(h).mutex_);
      self(h).waits_.push_back(ms);  // recorded, not slept: tests stay fast
      return self(h).cancelled_ ? XC_CANCELLED : XC_OK;
    };
    api_.job_info = [](const xc_upload_job* j, xc_job_info* out) {
      if (out == nullptr || out->struct_size < sizeof(uint32_t)) return XC_INVALID_INPUT;
      FakeHost& h = self(j);
      xc_job_info info = h.info_;
      info.struct_size = out->struct_size;
      info.file_count = h.files_.size();
      info.total_bytes = 0;
      for (const File& f : h.files_) info.total_bytes += f.size;
      // Like the real host: fill only what the caller's struct has room for.
      std::memcpy(out, &info, std::min<size_t>(out->struct_size, sizeof(info)));
      return XC_OK;
    };
    api_.job_file = [](const xc_upload_job* j, size_t index, xc_job_file* out) {
      if (index >= self(j).files_.size()) return XC_NOT_FOUND;
      if (!XC_HAS_MEMBER(out, xc_job_file, size)) return XC_INVALID_INPUT;
      const File& f = self(j).files_[index];
      out->path = f.path.empty() ? nullptr : f.path.c_str();
      out->relative_path = f.relative_path.c_str();
      out->size = f.size;
      if (XC_HAS_MEMBER(out, xc_job_file, display_name))
        out->display_name = f.path.empty() ? f.relative_path.c_str() : f.path.c_str();
      // Like a host of that minor: a 1.0 host (set_abi_minor(0)) leaves it untouched.
      if (XC_HAS_MEMBER(out, xc_job_file, object_name) && self(j).api_.abi_minor >= 1)
        out->object_name = f.object_name.c_str();
      return XC_OK;
    };
    api_.job_file_attribute = [](const xc_upload_job* j, size_t index, const char* keyword,
                                 xc_str* out) {
      if (index >= self(j).files_.size()) return XC_NOT_FOUND;
      const auto& attributes = self(j).files_[index].attributes;
      const auto it = attributes.find(keyword);
      return it == attributes.end() || it->second.empty() ? XC_NOT_FOUND : view(it->second, out);
    };
    api_.job_file_open = [](const xc_upload_job* j, size_t index, xc_body* out, xc_error* e) {
      FakeHost& h = self(j);
      if (index >= h.files_.size()) return fail(e, XC_NOT_FOUND, "job file index out of range");
      return h.open_body(h.file_bytes(index), {index}, out, e);
    };
    api_.job_source_open = [](const xc_upload_job* j, xc_body* out, xc_error* e) {
      FakeHost& h = self(j);
      if (h.info_.source_kind != XC_SOURCE_ARCHIVE)
        return fail(e, XC_UNSUPPORTED, "the job's source is not an archive");
      if (h.source_archive_.empty())  // like the host when the job is not the whole archive
        return fail(e, XC_UNSUPPORTED, "the job holds only some of the archive's members");
      return h.open_body(h.source_archive_, {}, out, e);
    };
    api_.job_archive_open = [](const xc_upload_job* j, const size_t* indices, size_t count,
                               int32_t format, xc_body* out, xc_error* e) {
      FakeHost& h = self(j);
      if (format != XC_ARCHIVE_TAR)  // zip would need a deflater: the real host has one
        return fail(e, XC_UNSUPPORTED, "FakeHost streams tar bodies only");
      std::vector<size_t> files(indices, indices + count);
      std::string tar;
      for (size_t index : files) {
        if (index >= h.files_.size()) return fail(e, XC_NOT_FOUND, "job file index out of range");
        tar += ustar_member(h.files_[index].relative_path, h.file_bytes(index));
      }
      tar.append(1024, '\0');
      {
        std::lock_guard lock(h.mutex_);  // parallel transports open bodies from many threads
        h.archive_requests_.push_back(files);
      }
      return h.open_body(std::move(tar), files, out, e);
    };
    api_.report = [](const xc_upload_job* j, const size_t* indices, size_t count,
                     const xc_file_result* r) {
      FakeHost& h = self(j);
      if (!XC_HAS_MEMBER(r, xc_file_result, message)) return XC_INVALID_INPUT;
      std::lock_guard lock(h.mutex_);
      for (size_t k = 0; k < count; ++k) {
        if (indices[k] >= h.files_.size()) {  // a plugin bug: recorded for the test to see
          h.violations_.push_back("report: file index " + std::to_string(indices[k]) +
                                  " out of range");
          return XC_INVALID_INPUT;
        }
        h.results_[indices[k]] =
            FileResult{r->outcome,  r->message != nullptr ? r->message : "", r->status,
                       r->attempts, r->uri != nullptr ? r->uri : "",         count};
      }
      ++h.report_calls_;
      return h.cancelled_ ? XC_CANCELLED : XC_OK;
    };
    api_.progress = [](const xc_upload_job* j, size_t index, int32_t event, uint64_t bytes) {
      FakeHost& h = self(j);
      std::lock_guard lock(h.mutex_);
      if (event == XC_PROGRESS_STARTED) h.started_.push_back(index);
      if (event == XC_PROGRESS_BYTES) h.progress_bytes_ += bytes;
    };
    api_.job_invocation = [](const xc_upload_job* j) { return self(j).invocation(); };
  }
  FakeHost(const FakeHost&) = delete;
  FakeHost& operator=(const FakeHost&) = delete;
  ~FakeHost() { shutdown(); }

  // ---- set up ----
  void set_option(const std::string& name, const std::string& value) { options_[name] = {value}; }
  void add_option_item(const std::string& name, const std::string& value) {
    options_[name].push_back(value);
  }
  void set_positionals(std::vector<std::string> values) { positionals_ = std::move(values); }
  void set_config(const std::string& key, const std::string& value) { config_[key] = value; }
  void set_output_mode(int32_t mode) { output_mode_ = mode; }
  void set_confirm_answer(xc_status answer) { confirm_answer_ = answer; }
  void set_cancelled(bool cancelled) { cancelled_ = cancelled; }
  // The job's typed settings; strings must outlive the host (string literals are fine).
  // file_count and total_bytes are computed from the files added.
  xc_job_info& job_info() { return info_; }
  // Without an object_name the file gets a stand-in honouring sdk.h's guarantees: the
  // relative path with '/' and every character outside A-Z a-z 0-9 . _ - ~ as '_', leading
  // dots dropped, at most 200 bytes, "~<n>" appended when that name (ignoring case) is taken.
  void add_file(File file) {
    if (file.size == 0) file.size = file.content.size();
    if (file.object_name.empty()) file.object_name = stand_in_name(file.relative_path);
    files_.push_back(std::move(file));
  }
  // Plays a host of an older minor (0: no 1.1 members are filled, abi_minor says 0).
  void set_abi_minor(uint16_t minor) { api_.abi_minor = minor; }
  // The raw bytes job_source_open serves (set job_info().source_kind = XC_SOURCE_ARCHIVE).
  // Left empty, job_source_open answers XC_UNSUPPORTED as the host does for a job holding
  // only some of the archive's members.
  void set_source_archive(std::string bytes) { source_archive_ = std::move(bytes); }
  void on_http(HttpHandler handler) { http_ = std::move(handler); }

  // ---- drive the plugin ----
  xc_status run_command(const xc_plugin_desc& plugin, const std::string& path) {
    for (size_t i = 0; i < plugin.command_count; ++i) {
      if (path == plugin.commands[i]->path)
        return plugin.commands[i]->run(init(plugin), invocation(), &error_);
    }
    throw std::invalid_argument("plugin has no command '" + path + "'");
  }
  xc_status upload(const xc_plugin_desc& plugin, const std::string& transport) {
    for (size_t i = 0; i < plugin.transport_count; ++i) {
      const xc_transport_desc* t = plugin.transports[i];
      if (transport != t->name) continue;
      void* instance = nullptr;
      xc_status status = t->create(init(plugin), invocation(), &instance, &error_);
      if (status != XC_OK) return status;
      if ((info_.flags & XC_JOB_DRY_RUN) != 0) {
        if (t->describe == nullptr) throw std::logic_error("dry run without describe()");
        status = t->describe(instance, job(), &error_);
      } else {
        status = t->upload(instance, job(), &error_);
      }
      t->destroy(instance);
      return status;
    }
    throw std::invalid_argument("plugin has no transport '" + transport + "'");
  }
  xc_status route(const xc_plugin_desc& plugin, const std::string& router, xc_route& decision) {
    for (size_t i = 0; i < plugin.router_count; ++i) {
      if (router != plugin.routers[i]->name) continue;
      decision = xc_route{};
      decision.struct_size = sizeof(decision);
      return plugin.routers[i]->route(init(plugin), job(), &decision, &error_);
    }
    throw std::invalid_argument("plugin has no router '" + router + "'");
  }
  void shutdown() {
    if (plugin_ != nullptr && plugin_->shutdown != nullptr) plugin_->shutdown(context_);
    plugin_ = nullptr;
  }

  // ---- what happened ----
  const std::vector<std::map<std::string, std::string>>& records() const { return records_; }
  const std::string& printed_stdout() const { return stdout_; }
  const std::string& printed_stderr() const { return stderr_; }
  const std::vector<std::pair<int32_t, std::string>>& logs() const { return logs_; }
  const std::map<size_t, FileResult>& file_results() const { return results_; }
  size_t report_calls() const { return report_calls_; }
  const std::vector<size_t>& started_files() const { return started_; }
  // Payload bytes read from host bodies plus XC_PROGRESS_BYTES, minus rewound bytes.
  uint64_t progress_bytes() const { return progress_bytes_; }
  const std::vector<std::vector<size_t>>& archive_requests() const { return archive_requests_; }
  const std::vector<uint32_t>& waits() const { return waits_; }
  size_t open_bodies() const { return open_bodies_; }
  // Misuses of the API the fake detected (bad indices, ...); empty for a correct plugin.
  const std::vector<std::string>& violations() const {
    return violations_;
  }  // not yet closed: a leak if > 0 at the end
  const std::vector<HttpExchange>& http_requests() const { return requests_; }
  std::string last_error() const { return error_.message; }

  const xc_host_api* api() const { return &api_; }
  xc_host* host() { return reinterpret_cast<xc_host*>(this); }
  const xc_invocation* invocation() { return reinterpret_cast<const xc_invocation*>(this); }
  const xc_upload_job* job() { return reinterpret_cast<const xc_upload_job*>(this); }

 private:
  // The opaque handles are this object in disguise: no host-side struct definitions needed.
  static FakeHost& self(const void* handle) {
    return *static_cast<FakeHost*>(const_cast<void*>(handle));
  }
  static xc_status view(const std::string& s, xc_str* out) {
    out->data = s.data();
    out->size = s.size();
    return XC_OK;
  }
  static xc_status fail(xc_error* e, xc_status status, const char* message) {
    if (e != nullptr && e->struct_size >= sizeof(xc_error)) {
      std::snprintf(e->message, sizeof(e->message), "%s", message);
      e->status = status;
    }
    return status;
  }

  std::string stand_in_name(const std::string& relative_path) const {
    std::string name;
    for (unsigned char c : relative_path) {
      const bool keep = std::isalnum(c) != 0 || c == '.' || c == '_' || c == '-' || c == '~';
      name += keep && c < 0x80 ? static_cast<char>(c) : '_';
    }
    name.erase(0, name.find_first_not_of('.'));
    if (name.empty()) name = "object";
    if (name.size() > 180) name.erase(0, name.size() - 180);
    auto folded = [](std::string n) {
      for (char& c : n) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      return n;
    };
    for (size_t n = 0;; ++n) {
      const std::string candidate = n == 0 ? name : name + "~" + std::to_string(n);
      const bool taken = std::any_of(files_.begin(), files_.end(), [&](const File& f) {
        return folded(f.object_name) == folded(candidate);
      });
      if (!taken) return candidate;
    }
  }

  std::string file_bytes(size_t index) const {
    const File& f = files_[index];
    if (!f.content.empty() || f.path.empty()) return f.content;
    std::string bytes;
    if (FILE* in = std::fopen(f.path.c_str(), "rb")) {
      char buffer[65536];
      for (size_t n; (n = std::fread(buffer, 1, sizeof(buffer), in)) > 0;) bytes.append(buffer, n);
      std::fclose(in);
    }
    return bytes;
  }

  // One ustar member (header, data, padding): enough of tar for tests to read bodies back.
  static std::string ustar_member(const std::string& name, const std::string& data) {
    char header[512] = {};
    std::snprintf(header, 100, "%s", name.c_str());
    std::snprintf(header + 100, 8, "%07o", 0644);
    std::snprintf(header + 108, 8, "%07o", 0);
    std::snprintf(header + 116, 8, "%07o", 0);
    std::snprintf(header + 124, 12, "%011llo", static_cast<unsigned long long>(data.size()));
    std::snprintf(header + 136, 12, "%011o", 0);
    header[156] = '0';
    std::memcpy(header + 257, "ustar", 6);
    std::memcpy(header + 263, "00", 2);
    std::memset(header + 148, ' ', 8);
    unsigned sum = 0;
    for (unsigned char c : header) sum += c;
    std::snprintf(header + 148, 8, "%06o", sum);
    std::string member(header, sizeof(header));
    member += data;
    member.append((512 - data.size() % 512) % 512, '\0');
    return member;
  }

  // A body over bytes held in memory, counting progress on behalf of `files` like the host.
  struct Body {
    FakeHost* host;
    std::string bytes;
    size_t offset = 0;
    std::vector<size_t> files;
    uint64_t counted = 0;
  };
  xc_status open_body(std::string bytes, std::vector<size_t> files, xc_body* out, xc_error* e) {
    if (!XC_HAS_MEMBER(out, xc_body, user)) return fail(e, XC_INVALID_INPUT, "xc_body too small");
    auto* body = new Body{this, std::move(bytes), 0, std::move(files), 0};
    out->size = static_cast<int64_t>(body->bytes.size());
    out->user = body;
    out->read = [](void* user, char* buffer, size_t capacity) -> size_t {
      auto* b = static_cast<Body*>(user);
      const size_t n = std::min(capacity, b->bytes.size() - b->offset);
      std::memcpy(buffer, b->bytes.data() + b->offset, n);
      b->offset += n;
      std::lock_guard lock(b->host->mutex_);
      b->host->progress_bytes_ += n;
      b->counted += n;
      return n;
    };
    out->rewind = [](void* user) {
      auto* b = static_cast<Body*>(user);
      std::lock_guard lock(b->host->mutex_);
      b->host->progress_bytes_ -= b->counted;
      b->counted = 0;
      b->offset = 0;
      return XC_OK;
    };
    out->close = [](void* user) {
      auto* b = static_cast<Body*>(user);
      {
        std::lock_guard lock(b->host->mutex_);
        --b->host->open_bodies_;
      }
      delete b;
    };
    std::lock_guard lock(mutex_);
    ++open_bodies_;
    return XC_OK;
  }

  static xc_status item(const std::map<std::string, std::vector<std::string>>& m, const char* name,
                        size_t n, xc_str* out) {
    const auto it = m.find(name);
    return (it == m.end() || n >= it->second.size()) ? XC_NOT_FOUND : view(it->second[n], out);
  }

  void* init(const xc_plugin_desc& plugin) {
    if (plugin_ == &plugin) return context_;
    shutdown();
    error_ = xc_error{};
    error_.struct_size = sizeof(error_);
    context_ = nullptr;
    if (plugin.init != nullptr && plugin.init(&api_, host(), &context_, &error_) != XC_OK) {
      throw std::runtime_error(std::string("plugin init failed: ") + error_.message);
    }
    plugin_ = &plugin;
    return context_;
  }

  xc_status send(const xc_http_request& rq, xc_http_response& rs, xc_error* e) {
    // XC_HAS_MEMBER's NULL check on a reference's address is always true (and GCC says so).
    if (rq.struct_size < offsetof(xc_http_request, flags) + sizeof(rq.flags) ||
        rs.struct_size < offsetof(xc_http_response, content_type) + sizeof(rs.content_type))
      return fail(e, XC_INVALID_INPUT, "http_send: request or response struct too small");
    if (cancelled_) return fail(e, XC_CANCELLED, "cancelled");
    HttpExchange exchange;
    exchange.method = rq.method;
    exchange.path = rq.path;
    exchange.flags = rq.flags;
    for (size_t i = 0; i < rq.query_count; ++i)
      exchange.query.emplace_back(rq.query[i].key, rq.query[i].value);
    for (size_t i = 0; i < rq.header_count; ++i)
      exchange.headers.emplace_back(rq.headers[i].key, rq.headers[i].value);
    if (rq.body_size != 0) {
      char buffer[65536];
      for (size_t n; (n = rq.body_read(rq.body_user, buffer, sizeof(buffer))) != 0;) {
        if (n == XC_READ_FAILED) {
          std::snprintf(e->message, sizeof(e->message), "request body read failed");
          return e->status = XC_FATAL;
        }
        exchange.body.append(buffer, n);
      }
    }
    if (!http_) {
      std::snprintf(e->message, sizeof(e->message), "FakeHost: no HTTP handler set");
      return e->status = XC_UNSUPPORTED;
    }
    rs.attempts = 1;
    const std::string body = http_(exchange, rs);
    {
      std::lock_guard lock(mutex_);
      requests_.push_back(std::move(exchange));
    }
    if (rq.response_write != nullptr && !body.empty())
      return rq.response_write(rq.response_user, body.data(), body.size());
    return XC_OK;
  }

  xc_host_api api_{};
  xc_error error_{sizeof(xc_error), XC_OK, {0}};
  const xc_plugin_desc* plugin_ = nullptr;
  void* context_ = nullptr;
  std::mutex mutex_;
  std::map<std::string, std::vector<std::string>> options_;
  std::vector<std::string> positionals_;
  std::map<std::string, std::string> config_;
  xc_job_info info_{sizeof(xc_job_info),
                    "http://xnat.test",
                    "PROJECT",
                    "SUBJECT",
                    "SESSION",
                    "/source",
                    XC_SOURCE_DIRECTORY,
                    XC_DEST_ARCHIVE,
                    XC_OVERWRITE_DELETE,
                    XC_ARCHIVE_TAR,
                    4,
                    0,
                    0,
                    0};
  std::string source_archive_;
  int32_t output_mode_ = XC_OUTPUT_TABLE;
  xc_status confirm_answer_ = XC_INVALID_INPUT;
  // Atomic: tests cancel from an HTTP handler while other plugin threads poll cancelled().
  std::atomic<bool> cancelled_{false};
  std::vector<File> files_;
  HttpHandler http_;
  std::vector<std::map<std::string, std::string>> records_;
  std::string stdout_, stderr_;
  std::vector<std::pair<int32_t, std::string>> logs_;
  std::map<size_t, FileResult> results_;
  size_t report_calls_ = 0;
  std::vector<size_t> started_;
  uint64_t progress_bytes_ = 0;
  std::vector<std::vector<size_t>> archive_requests_;
  std::vector<uint32_t> waits_;
  size_t open_bodies_ = 0;
  std::vector<std::string> violations_;
  std::vector<HttpExchange> requests_;
};

}  // namespace xc::testing

#endif  // XNATCTL_SDK_TESTING_HPP
