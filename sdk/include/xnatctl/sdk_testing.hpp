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

#include <cstdio>
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
    std::string path, relative_path;
    uint64_t size = 0;
    std::map<std::string, std::string> attributes;  // DICOM keyword -> value
  };
  struct FileResult {
    xc_status outcome;
    std::string detail;
  };
  struct HttpExchange {  // what the plugin sent
    std::string method, path, body;
    std::vector<std::pair<std::string, std::string>> query, headers;
  };
  // Answers a request: set response.status (and content_type) and return the body.
  using HttpHandler =
      std::function<std::string(const HttpExchange& request, xc_http_response& response)>;

  FakeHost() {
    api_.struct_size = sizeof(api_);
    api_.abi_major = XC_ABI_MAJOR;
    api_.abi_minor = XC_ABI_MINOR;
    api_.log = [](xc_host* h, int32_t level, xc_str m) {
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
      std::lock_guard lock(self(i).mutex_);
      (stream == XC_STDOUT ? self(i).stdout_ : self(i).stderr_).append(text.data, text.size);
    };
    api_.confirm = [](const xc_invocation* i, const char*) { return self(i).confirm_answer_; };
    api_.http_send = [](xc_host* h, const xc_http_request* rq, xc_http_response* rs, xc_error* e) {
      return self(h).send(*rq, *rs, e);
    };
    api_.progress = [](const xc_upload_job* j, uint64_t done, uint64_t total) {
      self(j).progress_ = {done, total};
    };
    api_.file_result = [](const xc_upload_job* j, size_t index, xc_status outcome,
                          const char* detail) {
      std::lock_guard lock(self(j).mutex_);
      self(j).results_[index] = FileResult{outcome, detail != nullptr ? detail : ""};
    };
    api_.cancelled = [](xc_host* h) { return self(h).cancelled_ ? 1 : 0; };
    api_.job_get = [](const xc_upload_job* j, const char* key, xc_str* out) {
      const auto it = self(j).job_fields_.find(key);
      return it == self(j).job_fields_.end() ? XC_NOT_FOUND : view(it->second, out);
    };
    api_.job_file_count = [](const xc_upload_job* j) { return self(j).files_.size(); };
    api_.job_file = [](const xc_upload_job* j, size_t index, xc_job_file* out) {
      if (index >= self(j).files_.size()) return XC_NOT_FOUND;
      const File& f = self(j).files_[index];
      out->path = f.path.c_str();
      out->relative_path = f.relative_path.c_str();
      out->size = f.size;
      return XC_OK;
    };
    api_.job_file_attribute = [](const xc_upload_job* j, size_t index, const char* keyword,
                                 xc_str* out) {
      if (index >= self(j).files_.size()) return XC_NOT_FOUND;
      const auto& attributes = self(j).files_[index].attributes;
      const auto it = attributes.find(keyword);
      return it == attributes.end() ? XC_NOT_FOUND : view(it->second, out);
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
  void set_job_field(const std::string& key, const std::string& value) { job_fields_[key] = value; }
  void add_file(File file) { files_.push_back(std::move(file)); }
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
      status = t->upload(instance, job(), &error_);
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
    HttpExchange exchange;
    exchange.method = rq.method;
    exchange.path = rq.path;
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
  std::map<std::string, std::string> config_, job_fields_;
  int32_t output_mode_ = XC_OUTPUT_TABLE;
  xc_status confirm_answer_ = XC_INVALID_INPUT;
  bool cancelled_ = false;
  std::vector<File> files_;
  HttpHandler http_;
  std::vector<std::map<std::string, std::string>> records_;
  std::string stdout_, stderr_;
  std::vector<std::pair<int32_t, std::string>> logs_;
  std::map<size_t, FileResult> results_;
  std::pair<uint64_t, uint64_t> progress_{0, 0};
  std::vector<HttpExchange> requests_;
};

}  // namespace xc::testing

#endif  // XNATCTL_SDK_TESTING_HPP
