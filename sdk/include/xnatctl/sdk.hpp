// xnatctl plugin SDK: a header-only C++17 layer over sdk.h, compiled into each plugin.
//
// It never crosses the boundary itself: the host only sees the C structs in sdk.h. What it
// adds is C++ convenience on the plugin's side:
//   - constexpr builders for the static descriptors (struct_size filled in for you);
//   - xc::guard(), which turns any exception into a status code plus a one-line message at
//     the boundary, because an exception must never unwind into the host;
//   - thin wrappers (xc::Host, xc::Invocation, xc::Job) over the host-services table;
//   - thunks that adapt member functions to the C callback signatures.
//
// A minimal plugin (see sdk/examples/ for a complete, tested one):
//
//   struct Plugin { explicit Plugin(xc::Host h) : host(h) {} xc::Host host;
//                   void hello(const xc::Invocation& inv) { inv.print(XC_STDOUT, "hi\n"); } };
//   constexpr xc_command_desc kHello = xc::Command("hello", "Says hi")
//                                          .run(xc::command_thunk<Plugin, &Plugin::hello>).desc();
//   constexpr const xc_command_desc* kCommands[] = {&kHello};
//   constexpr xc_plugin_desc kPlugin = xc::Plugin("my_plugin", "1.0", "Greets")
//       .commands(kCommands).lifecycle(xc::plugin_init<Plugin>,
//       xc::plugin_shutdown<Plugin>).desc();
//   XC_DEFINE_PLUGIN(kPlugin)
#ifndef XNATCTL_SDK_HPP
#define XNATCTL_SDK_HPP

#include <algorithm>
#include <cstring>
#include <exception>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "xnatctl/sdk.h"

// Defines the exported entry point returning `descriptor` (a static xc_plugin_desc).
#define XC_DEFINE_PLUGIN(descriptor)                                                      \
  extern "C" XC_PLUGIN_EXPORT const xc_plugin_desc* xc_plugin_entry(uint16_t, uint16_t) { \
    return &(descriptor);                                                                 \
  }

namespace xc {

// ---- errors --------------------------------------------------------------------------

// Throw this from plugin code to fail with a specific status; anything else thrown becomes
// XC_INTERNAL.
class Error : public std::runtime_error {
 public:
  Error(xc_status status, const std::string& message)
      : std::runtime_error(message), status_(status) {}
  xc_status status() const noexcept { return status_; }

 private:
  xc_status status_;
};

// Writes a one-line message into a caller-owned xc_error (truncating, replacing newlines so
// the host can print it as a single line) and returns `status`.
inline xc_status fail(xc_error* error, xc_status status, std::string_view message) noexcept {
  if (error != nullptr && error->struct_size >= sizeof(xc_error)) {
    const size_t n = std::min(message.size(), sizeof(error->message) - 1);
    std::memcpy(error->message, message.data(), n);
    error->message[n] = '\0';
    std::replace(error->message, error->message + n, '\n', ' ');
    error->status = status;
  }
  return status;
}

// Runs `body` (returning xc_status) and converts exceptions into statuses. Every function
// the host calls must go through this: exceptions crossing a C boundary are undefined
// behaviour, and across RTLD_LOCAL libraries even `catch` on the far side may not match.
template <typename Body>
xc_status guard(xc_error* error, Body&& body) noexcept {
  try {
    return body();
  } catch (const Error& e) {
    return fail(error, e.status(), e.what());
  } catch (const std::exception& e) {
    return fail(error, XC_INTERNAL, e.what());
  } catch (...) {
    return fail(error, XC_INTERNAL, "unknown exception in plugin");
  }
}

inline xc_error make_error() noexcept {
  xc_error e{};
  e.struct_size = sizeof(xc_error);
  return e;
}

inline std::string_view view(const xc_str& s) {
  return {s.data, s.size};
}

// ---- descriptor builders (constexpr, so descriptors stay static data) -----------------

class Option {
 public:
  constexpr Option(const char* name, int32_t type, const char* help)
      : d_{sizeof(xc_option_desc),
           name,
           nullptr,
           type,
           0,
           nullptr,
           nullptr,
           help,
           nullptr,
           nullptr,
           nullptr} {}
  constexpr Option short_name(const char* s) const {
    auto o = *this;
    o.d_.short_name = s;
    return o;
  }
  constexpr Option default_value(const char* v) const {
    auto o = *this;
    o.d_.default_value = v;
    return o;
  }
  constexpr Option value_name(const char* v) const {
    auto o = *this;
    o.d_.value_name = v;
    return o;
  }
  constexpr Option env(const char* v) const {
    auto o = *this;
    o.d_.env_var = v;
    return o;
  }
  constexpr Option profile_key(const char* v) const {
    auto o = *this;
    o.d_.profile_key = v;
    return o;
  }
  // since 1.1: the value when the option is given without one (`--wait` alone). Declare
  // .abi_minor(1) on the plugin if it relies on it: a 1.0 host requires a value.
  constexpr Option implicit_value(const char* v) const {
    auto o = *this;
    o.d_.implicit_value = v;
    return o;
  }
  constexpr Option flags(uint32_t f) const {
    auto o = *this;
    o.d_.flags |= f;
    return o;
  }
  constexpr Option required() const { return flags(XC_OPTION_REQUIRED); }
  constexpr Option secret() const { return flags(XC_OPTION_SECRET); }
  constexpr Option hidden() const { return flags(XC_OPTION_HIDDEN); }
  constexpr xc_option_desc desc() const { return d_; }

 private:
  xc_option_desc d_;
};

class Positional {
 public:
  constexpr Positional(const char* name, const char* help, uint32_t flags = XC_OPTION_REQUIRED)
      : d_{sizeof(xc_positional_desc), name, help, flags} {}
  constexpr xc_positional_desc desc() const { return d_; }

 private:
  xc_positional_desc d_;
};

class Command {
 public:
  constexpr Command(const char* path, const char* summary)
      : d_{sizeof(xc_command_desc), path, summary, nullptr, nullptr, 0, nullptr, 0, nullptr} {}
  constexpr Command description(const char* text) const {
    auto c = *this;
    c.d_.description = text;
    return c;
  }
  template <size_t N>
  constexpr Command positionals(const xc_positional_desc* const (&p)[N]) const {
    auto c = *this;
    c.d_.positionals = p;
    c.d_.positional_count = N;
    return c;
  }
  template <size_t N>
  constexpr Command options(const xc_option_desc* const (&o)[N]) const {
    auto c = *this;
    c.d_.options = o;
    c.d_.option_count = N;
    return c;
  }
  constexpr Command run(decltype(xc_command_desc::run) fn) const {
    auto c = *this;
    c.d_.run = fn;
    return c;
  }
  constexpr xc_command_desc desc() const { return d_; }

 private:
  xc_command_desc d_;
};

class Transport {
 public:
  constexpr Transport(const char* name, const char* summary, const char* command)
      : d_{sizeof(xc_transport_desc),
           name,
           summary,
           command,
           0,
           nullptr,
           0,
           nullptr,
           nullptr,
           nullptr,
           nullptr} {}
  constexpr Transport capabilities(uint32_t caps) const {
    auto t = *this;
    t.d_.capabilities |= caps;
    return t;
  }
  template <size_t N>
  constexpr Transport options(const xc_option_desc* const (&o)[N]) const {
    auto t = *this;
    t.d_.options = o;
    t.d_.option_count = N;
    return t;
  }
  constexpr Transport lifecycle(decltype(xc_transport_desc::create) create,
                                decltype(xc_transport_desc::upload) upload,
                                decltype(xc_transport_desc::destroy) destroy) const {
    auto t = *this;
    t.d_.create = create;
    t.d_.upload = upload;
    t.d_.destroy = destroy;
    return t;
  }
  constexpr Transport describe(decltype(xc_transport_desc::describe) fn) const {
    auto t = *this;
    t.d_.describe = fn;
    t.d_.capabilities |= XC_TRANSPORT_DRY_RUN;
    return t;
  }
  constexpr xc_transport_desc desc() const { return d_; }

 private:
  xc_transport_desc d_;
};

class Plugin {
 public:
  constexpr Plugin(const char* id, const char* version, const char* description)
      : d_{sizeof(xc_plugin_desc),
           XC_ABI_MAJOR,
           XC_ABI_MINOR,
           id,
           version,
           description,
           nullptr,
           0,
           nullptr,
           0,
           nullptr,
           0,
           nullptr,
           nullptr} {}
  template <size_t N>
  constexpr Plugin commands(const xc_command_desc* const (&c)[N]) const {
    auto p = *this;
    p.d_.commands = c;
    p.d_.command_count = N;
    return p;
  }
  template <size_t N>
  constexpr Plugin transports(const xc_transport_desc* const (&t)[N]) const {
    auto p = *this;
    p.d_.transports = t;
    p.d_.transport_count = N;
    return p;
  }
  template <size_t N>
  constexpr Plugin routers(const xc_router_desc* const (&r)[N]) const {
    auto p = *this;
    p.d_.routers = r;
    p.d_.router_count = N;
    return p;
  }
  // The oldest host minor the plugin works with (default: the XC_ABI_MINOR it is built
  // with). A plugin that checks newer members itself (sdk/ABI.md) may declare less and so
  // load on older hosts; the host refuses a plugin declaring a newer minor than its own.
  constexpr Plugin abi_minor(uint16_t minor) const {
    auto p = *this;
    p.d_.abi_minor = minor;
    return p;
  }
  constexpr Plugin lifecycle(decltype(xc_plugin_desc::init) init,
                             decltype(xc_plugin_desc::shutdown) shutdown) const {
    auto p = *this;
    p.d_.init = init;
    p.d_.shutdown = shutdown;
    return p;
  }
  constexpr xc_plugin_desc desc() const { return d_; }

 private:
  xc_plugin_desc d_;
};

// ---- host-service wrappers -------------------------------------------------------------

class Host {
 public:
  Host(const xc_host_api* api, xc_host* handle) : api_(api), handle_(handle) {}
  const xc_host_api* api() const { return api_; }
  xc_host* handle() const { return handle_; }
  // The host's ABI minor: members "since 1.N" exist only when it is >= N.
  uint16_t abi_minor() const { return api_->abi_minor; }

  void log(int32_t level, std::string_view message) const {
    api_->log(handle_, level, xc_str{message.data(), message.size()});
  }
  bool cancelled() const { return api_->cancelled(handle_) != 0; }
  // Sleeps up to `milliseconds`; false when the user cancelled meanwhile.
  bool wait(uint32_t milliseconds) const { return api_->wait(handle_, milliseconds) == XC_OK; }
  std::optional<std::string> config(const char* key) const {
    xc_str out{};
    if (api_->config_get(handle_, key, &out) != XC_OK) return std::nullopt;
    return std::string(view(out));
  }

  // Sends `request` (struct_size is set here). Throws xc::Error when no HTTP response came
  // back at all; HTTP error statuses are returned for the caller to judge.
  xc_http_response send(xc_http_request request) const {
    request.struct_size = sizeof(xc_http_request);
    xc_http_response response{};
    response.struct_size = sizeof(xc_http_response);
    xc_error error = make_error();
    const xc_status status = api_->http_send(handle_, &request, &response, &error);
    if (status != XC_OK) throw Error(status, error.message);
    return response;
  }

 private:
  const xc_host_api* api_;
  xc_host* handle_;
};

class Invocation {
 public:
  Invocation(const Host& host, const xc_invocation* inv) : api_(host.api()), inv_(inv) {}

  std::optional<std::string_view> option(const char* name) const {
    xc_str out{};
    if (api_->option_get(inv_, name, &out) != XC_OK) return std::nullopt;
    return view(out);
  }
  bool flag(const char* name) const {
    return option(name) == std::optional<std::string_view>("true");
  }
  std::vector<std::string_view> list(const char* name) const {
    std::vector<std::string_view> items;
    xc_str out{};
    for (size_t i = 0; api_->option_get_item(inv_, name, i, &out) == XC_OK; ++i)
      items.push_back(view(out));
    return items;
  }
  std::optional<std::string_view> positional(size_t index) const {
    xc_str out{};
    if (api_->positional_get(inv_, index, &out) != XC_OK) return std::nullopt;
    return view(out);
  }
  int32_t output_mode() const { return api_->output_mode(inv_); }
  void emit(const std::vector<std::pair<std::string, std::string>>& fields) const {
    std::vector<xc_kv> kv;
    kv.reserve(fields.size());
    for (const auto& [k, v] : fields) kv.push_back(xc_kv{k.c_str(), v.c_str()});
    const xc_status status = api_->emit_record(inv_, kv.data(), kv.size());
    if (status != XC_OK) throw Error(status, "the host refused an output record");
  }
  void print(int32_t stream, std::string_view text) const {
    api_->print(inv_, stream, xc_str{text.data(), text.size()});
  }
  // True for yes; false for no. Throws (usage error) when there is no terminal to ask.
  bool confirm(const char* question) const {
    const xc_status status = api_->confirm(inv_, question);
    if (status == XC_INVALID_INPUT)
      throw Error(status, "cannot ask for confirmation without a terminal; pass --yes");
    return status == XC_OK;
  }
  const xc_invocation* raw() const { return inv_; }

 private:
  const xc_host_api* api_;
  const xc_invocation* inv_;
};

// A body the host produces (xc_body), closed when this object dies. Move-only.
class Body {
 public:
  Body() = default;
  explicit Body(const xc_body& raw) : raw_(raw) {}
  Body(Body&& other) noexcept : raw_(other.raw_) { other.raw_.close = nullptr; }
  Body& operator=(Body&& other) noexcept {
    if (this != &other) {
      close();
      raw_ = other.raw_;
      other.raw_.close = nullptr;
    }
    return *this;
  }
  Body(const Body&) = delete;
  Body& operator=(const Body&) = delete;
  ~Body() { close(); }

  int64_t size() const { return raw_.size; }
  // Copies up to `capacity` bytes; 0 at the end. Throws xc::Error on a read failure.
  size_t read(char* buffer, size_t capacity) {
    const size_t n = raw_.read(raw_.user, buffer, capacity);
    if (n == XC_READ_FAILED) throw Error(XC_FATAL, "reading the upload data failed");
    return n;
  }
  bool rewind() { return raw_.rewind(raw_.user) == XC_OK; }
  // Fills the body members of an HTTP request with this body.
  void attach(xc_http_request& request) const {
    request.body_size = raw_.size;
    request.body_read = raw_.read;
    request.body_rewind = raw_.rewind;
    request.body_user = raw_.user;
  }
  void close() {
    if (raw_.close != nullptr) raw_.close(raw_.user);
    raw_.close = nullptr;
  }

 private:
  xc_body raw_{};
};

// One result for reporting (string members are copied by the host during report()).
struct Result {
  xc_status outcome = XC_OK;
  int32_t status = 0;
  uint32_t attempts = 0;
  std::string uri;
  std::string message;
};

class Job {
 public:
  Job(const Host& host, const xc_upload_job* job) : api_(host.api()), job_(job) {
    info_.struct_size = sizeof(info_);
    if (api_->job_info(job_, &info_) != XC_OK) throw Error(XC_INTERNAL, "job_info failed");
  }

  const xc_job_info& info() const { return info_; }
  size_t file_count() const { return info_.file_count; }
  bool dry_run() const { return (info_.flags & XC_JOB_DRY_RUN) != 0; }
  xc_job_file file(size_t index) const {
    xc_job_file f{};
    f.struct_size = sizeof(xc_job_file);
    if (api_->job_file(job_, index, &f) != XC_OK)
      throw Error(XC_INTERNAL, "job file index out of range");
    return f;
  }
  // since 1.1: the name the host chose to store file `index` under (sdk.h
  // xc_job_file.object_name). Throws xc::Error(XC_UNSUPPORTED) on an older host, which
  // hands out none.
  std::string object_name(size_t index) const {
    const xc_job_file f = file(index);
    if (api_->abi_minor < 1 || f.object_name == nullptr)
      throw Error(XC_UNSUPPORTED,
                  "this xnatctl is too old: the plugin needs object names from the host "
                  "(plugin ABI 1.1, this host speaks 1." +
                      std::to_string(api_->abi_minor) + "); upgrade xnatctl");
    return f.object_name;
  }
  std::optional<std::string_view> attribute(size_t index, const char* keyword) const {
    xc_str out{};
    if (api_->job_file_attribute(job_, index, keyword, &out) != XC_OK) return std::nullopt;
    return view(out);
  }
  Body open_file(size_t index) const {
    return open([&](xc_body* b, xc_error* e) { return api_->job_file_open(job_, index, b, e); });
  }
  Body open_source() const {
    return open([&](xc_body* b, xc_error* e) { return api_->job_source_open(job_, b, e); });
  }
  Body open_archive(const std::vector<size_t>& indices, int32_t format) const {
    return open([&](xc_body* b, xc_error* e) {
      return api_->job_archive_open(job_, indices.data(), indices.size(), format, b, e);
    });
  }
  // Reports one outcome for `indices`; false when the host asks to stop (cancelled).
  bool report(const std::vector<size_t>& indices, const Result& r) const {
    xc_file_result raw{};
    raw.struct_size = sizeof(raw);
    raw.outcome = r.outcome;
    raw.status = r.status;
    raw.attempts = r.attempts;
    raw.uri = r.uri.empty() ? nullptr : r.uri.c_str();
    raw.message = r.message.empty() ? nullptr : r.message.c_str();
    return api_->report(job_, indices.data(), indices.size(), &raw) == XC_OK;
  }
  void started(size_t index) const { api_->progress(job_, index, XC_PROGRESS_STARTED, 0); }
  void sent(size_t index, uint64_t bytes) const {
    api_->progress(job_, index, XC_PROGRESS_BYTES, bytes);
  }
  const xc_invocation* invocation() const { return api_->job_invocation(job_); }
  const xc_upload_job* raw() const { return job_; }

 private:
  template <typename Open>
  Body open(Open&& call) const {
    xc_body body{};
    body.struct_size = sizeof(body);
    xc_error error = make_error();
    const xc_status status = call(&body, &error);
    if (status != XC_OK) throw Error(status, error.message);
    return Body(body);
  }

  const xc_host_api* api_;
  const xc_upload_job* job_;
  xc_job_info info_{};
};

// ---- thunks: adapt C++ classes to the C callbacks --------------------------------------

// Plugin context: any class constructible from xc::Host and exposing `host()`.
template <typename Context>
xc_status plugin_init(const xc_host_api* api, xc_host* host, void** out_context,
                      xc_error* error) noexcept {
  return guard(error, [&] {
    // NOLINTNEXTLINE(bugprone-unhandled-exception-at-new): guard() catches std::bad_alloc
    *out_context = new Context(Host(api, host));
    return XC_OK;
  });
}

template <typename Context>
void plugin_shutdown(void* context) noexcept {
  delete static_cast<Context*>(context);
}

template <typename Context, void (Context::*Method)(const Invocation&)>
xc_status command_thunk(void* context, const xc_invocation* inv, xc_error* error) noexcept {
  return guard(error, [&] {
    auto* self = static_cast<Context*>(context);
    (self->*Method)(Invocation(self->host(), inv));
    return XC_OK;
  });
}

// Transport instance: constructible from (Context&, const Invocation&), with
// `xc_status upload(const Job&)` (and `xc_status describe(const Job&)` for a dry run) and
// `const Host& host()`. upload() must join its worker threads before it returns.
template <typename Context, typename Instance>
struct TransportThunks {
  static xc_status create(void* context, const xc_invocation* inv, void** out,
                          xc_error* error) noexcept {
    return guard(error, [&] {
      auto* self = static_cast<Context*>(context);
      *out = new Instance(*self, Invocation(self->host(), inv));
      return XC_OK;
    });
  }
  static xc_status upload(void* instance, const xc_upload_job* job, xc_error* error) noexcept {
    // cppcheck-suppress throwInNoexceptFunction ; guard() catches everything the body throws
    return guard(error, [&] {
      auto* self = static_cast<Instance*>(instance);
      return self->upload(Job(self->host(), job));
    });
  }
  static void destroy(void* instance) noexcept { delete static_cast<Instance*>(instance); }
  // For instances with `xc_status describe(const Job&)` (dry run); pass to Transport::describe.
  static xc_status describe(void* instance, const xc_upload_job* job, xc_error* error) noexcept {
    // cppcheck-suppress throwInNoexceptFunction ; guard() catches everything the body throws
    return guard(error, [&] {
      auto* self = static_cast<Instance*>(instance);
      return self->describe(Job(self->host(), job));
    });
  }
};

}  // namespace xc

#endif  // XNATCTL_SDK_HPP
