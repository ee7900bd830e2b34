#include "plugins/host_services.hpp"

#include <unistd.h>

#include <chrono>
#include <iostream>
#include <string_view>

#include "plugins/http_bridge.hpp"
#include "plugins/status_mapping.hpp"
#include "plugins/upload_job_handle.hpp"
#include "xnatctl/cancel.hpp"
#include "xnatctl/error.hpp"

namespace xnatctl::host {
namespace {

xc_status view_of(const std::string& value, xc_str* out) {
  out->data = value.data();
  out->size = value.size();
  return XC_OK;
}

// ---- members of the C table. None may throw: an exception must never unwind into plugin
// code, so each body runs under guard() or cannot throw. ----

void log(xc_host* host, int32_t level, xc_str message) {
  HostServices* services = host->services;
  if (level < XC_LOG_WARNING && services->verbosity() < 1) return;
  static const char* const kNames[] = {"debug", "info", "warning", "error"};
  const char* name = (level >= XC_LOG_DEBUG && level <= XC_LOG_ERROR) ? kNames[level] : "log";
  services->err() << name << ": [" << host->plugin_id << "] "
                  << std::string_view(message.data, message.size) << '\n';
}

xc_status option_get_item(const xc_invocation* inv, const char* name, size_t index, xc_str* out) {
  const auto* values = inv->invocation->stored(name);
  if (values == nullptr || index >= values->size()) return XC_NOT_FOUND;
  return view_of((*values)[index], out);
}

xc_status option_get(const xc_invocation* inv, const char* name, xc_str* out) {
  return option_get_item(inv, name, 0, out);
}

xc_status positional_get(const xc_invocation* inv, size_t index, xc_str* out) {
  const auto& positionals = inv->invocation->positionals();
  if (index >= positionals.size()) return XC_NOT_FOUND;
  return view_of(positionals[index], out);
}

xc_status config_get(xc_host* host, const char* key, xc_str* out) {
  xc_error error = make_error();
  return guard(&error, [&] {
    const std::string_view k(key);
    constexpr std::string_view kProfile = "profile.";
    constexpr std::string_view kPlugin = "plugin.";
    std::optional<std::string> value;
    if (k.substr(0, kProfile.size()) == kProfile && host->services->profile()) {
      const std::string name(k.substr(kProfile.size()));
      if (name == "password" || name == "username" || name == "token")
        return XC_NOT_FOUND;  // never to plugins
      value = host->services->profile()(name);
    } else if (k.substr(0, kPlugin.size()) == kPlugin && host->services->plugin_settings()) {
      value =
          host->services->plugin_settings()(host->plugin_id, std::string(k.substr(kPlugin.size())));
    }
    if (!value) return XC_NOT_FOUND;
    // Kept per handle and key so the view stays valid until shutdown, as sdk.h promises.
    std::lock_guard lock(host->config_mutex);
    return view_of(host->config_values[std::string(k)] = *value, out);
  });
}

int32_t output_mode(const xc_invocation* inv) {
  switch (inv->format) {
    case output::Format::kJson:
      return XC_OUTPUT_JSON;
    case output::Format::kQuiet:
      return XC_OUTPUT_QUIET;
    case output::Format::kTable:
      break;
  }
  return XC_OUTPUT_TABLE;
}

xc_status emit_record(const xc_invocation* cinv, const xc_kv* fields, size_t count) {
  auto* inv = const_cast<xc_invocation*>(cinv);  // the record sink is the mutable part
  xc_error error = make_error();
  return guard(&error, [&] {
    output::Record record;
    for (size_t i = 0; i < count; ++i) {
      if (fields[i].key == nullptr) return XC_INVALID_INPUT;
      record.emplace_back(fields[i].key, fields[i].value != nullptr ? fields[i].value : "");
    }
    std::lock_guard lock(inv->output_mutex);
    if (!inv->records) {
      inv->records = std::make_unique<output::RecordWriter>(inv->format, inv->invocation->out());
    }
    inv->records->add(std::move(record));
    return XC_OK;
  });
}

void print(const xc_invocation* cinv, int32_t stream, xc_str text) {
  auto* inv = const_cast<xc_invocation*>(cinv);
  const bool machine_output = inv->format != output::Format::kTable;
  if (stream == XC_STDOUT && machine_output) return;  // keep stdout parseable
  std::lock_guard lock(inv->output_mutex);
  (stream == XC_STDOUT ? inv->invocation->out() : inv->invocation->err())
      << std::string_view(text.data, text.size);
}

xc_status confirm(const xc_invocation* inv, const char* question) {
  if (::isatty(STDIN_FILENO) == 0) return XC_INVALID_INPUT;
  inv->invocation->err() << question << " [y/N] " << std::flush;
  std::string answer;
  if (!std::getline(inv->invocation->in(), answer)) return XC_CANCELLED;
  return (answer == "y" || answer == "Y" || answer == "yes") ? XC_OK : XC_CANCELLED;
}

xc_status http_send(xc_host* host, const xc_http_request* request, xc_http_response* response,
                    xc_error* error) {
  if (!XC_HAS_MEMBER(request, xc_http_request, flags) ||
      !XC_HAS_MEMBER(response, xc_http_response, content_type)) {
    return fail(error, XC_INVALID_INPUT, "http_send: request or response struct too small");
  }
  http::Client* client = nullptr;
  try {
    client = &host->services->client();
  } catch (const Error& e) {
    return fail(error, status_for(e.code()), e.what());
  }
  return guard(error, [&] { return send_through(*client, *request, *response, *error); });
}

int32_t cancelled(xc_host*) {
  return cancel::requested() ? 1 : 0;
}

xc_status wait(xc_host*, uint32_t milliseconds) {
  try {
    return cancel::sleep_for(std::chrono::milliseconds(milliseconds)) ? XC_OK : XC_CANCELLED;
  } catch (...) {  // std::system_error from the condition variable: do not sleep at all
    return cancel::requested() ? XC_CANCELLED : XC_OK;
  }
}

}  // namespace

HostServices::HostServices(std::ostream& out, std::ostream& err, int verbosity)
    : out_(out), err_(err), verbosity_(verbosity) {
  api_.struct_size = sizeof(xc_host_api);
  api_.abi_major = XC_ABI_MAJOR;
  api_.abi_minor = XC_ABI_MINOR;
  api_.log = &log;
  api_.option_get = &option_get;
  api_.option_get_item = &option_get_item;
  api_.positional_get = &positional_get;
  api_.config_get = &config_get;
  api_.output_mode = &output_mode;
  api_.emit_record = &emit_record;
  api_.print = &print;
  api_.confirm = &confirm;
  api_.http_send = &http_send;
  api_.cancelled = &cancelled;
  api_.wait = &wait;
  install_job_api(api_);
}

std::unique_ptr<xc_host> HostServices::make_host_handle(const std::string& plugin_id) {
  auto handle = std::make_unique<xc_host>();
  handle->plugin_id = plugin_id;
  handle->services = this;
  return handle;
}

void HostServices::set_connector(Connector connector) {
  std::lock_guard lock(connection_mutex_);
  connector_ = std::move(connector);
  connection_.reset();
}

http::Client& HostServices::client() {
  std::lock_guard lock(connection_mutex_);
  if (!connection_) {
    if (!connector_)
      throw Error("this command has no XNAT server connection", ExitCode::kUnavailable);
    connection_ = connector_();
  }
  return *connection_->client;
}

std::unique_ptr<xc_invocation> HostServices::wrap(const ParsedCommand& inv, output::Format format) {
  auto wrapped = std::make_unique<xc_invocation>();
  wrapped->invocation = &inv;
  wrapped->format = format;
  wrapped->services = this;
  return wrapped;
}

void HostServices::finish(xc_invocation& inv) {
  std::lock_guard lock(inv.output_mutex);
  // In JSON mode stdout must always parse, so a plugin command that emitted no records
  // still prints an (empty) array.
  if (!inv.records && inv.format == output::Format::kJson) {
    inv.records = std::make_unique<output::RecordWriter>(inv.format, inv.invocation->out());
  }
  if (inv.records) inv.records->finish();
  inv.records.reset();
}

}  // namespace xnatctl::host
