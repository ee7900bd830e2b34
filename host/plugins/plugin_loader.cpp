#include "plugins/plugin_loader.hpp"

#include <dlfcn.h>

#include <cstddef>
#include <set>

namespace xnatctl::host {
namespace {

// The smallest descriptor a v1 plugin can have: everything up to `shutdown` (1.0's last
// member). Later minors only append, so anything at least this big is readable.
constexpr size_t kMinPluginDescSize = offsetof(xc_plugin_desc, shutdown) + sizeof(void*);
constexpr size_t kMinCommandDescSize = offsetof(xc_command_desc, run) + sizeof(void*);
constexpr size_t kMinTransportDescSize = offsetof(xc_transport_desc, destroy) + sizeof(void*);
constexpr size_t kMinRouterDescSize = offsetof(xc_router_desc, route) + sizeof(void*);
constexpr size_t kMinOptionDescSize = offsetof(xc_option_desc, profile_key) + sizeof(void*);
constexpr size_t kMinPositionalDescSize = offsetof(xc_positional_desc, flags) + sizeof(uint32_t);

bool blank(const char* s) {
  return s == nullptr || *s == '\0';
}

bool is_integer(const char* s) {
  if (*s == '-') ++s;
  if (*s == '\0') return false;
  for (; *s != '\0'; ++s)
    if (*s < '0' || *s > '9') return false;
  return true;
}

std::string check_options(const xc_option_desc* const* options, size_t count,
                          const std::string& where) {
  if (count > 0 && options == nullptr) return where + ": option_count > 0 but options is NULL";
  std::set<std::string> names;
  for (size_t i = 0; i < count; ++i) {
    const xc_option_desc* o = options[i];
    if (o == nullptr || o->struct_size < kMinOptionDescSize)
      return where + ": option " + std::to_string(i) + " is malformed";
    if (blank(o->name) || blank(o->help))
      return where + ": option " + std::to_string(i) + " lacks a name or help";
    if (o->type < XC_OPTION_FLAG || o->type > XC_OPTION_LIST)
      return where + ": option --" + o->name + " has an unknown type";
    if (o->short_name != nullptr && std::char_traits<char>::length(o->short_name) != 1) {
      return where + ": option --" + o->name + " has a short name longer than one character";
    }
    if (!names.insert(o->name).second)
      return where + ": option --" + o->name + " is declared twice";
    // since 1.1; read only when the plugin's struct has it (a 1.0 one ends before).
    if (XC_HAS_MEMBER(o, xc_option_desc, implicit_value) && o->implicit_value != nullptr) {
      if (o->type == XC_OPTION_FLAG || o->type == XC_OPTION_LIST)
        return where + ": option --" + o->name +
               " has an implicit value but is a flag or a list (only values may be left out)";
      if (o->type == XC_OPTION_INT && !is_integer(o->implicit_value))
        return where + ": option --" + o->name + " is an integer option with implicit value '" +
               o->implicit_value + "', which is not an integer";
    }
  }
  return {};
}

}  // namespace

std::string validate_descriptor(const xc_plugin_desc* d, const std::string& expected_id,
                                PluginState* state) {
  *state = PluginState::kAbiMismatch;
  if (d == nullptr) return "entry point returned no descriptor (NULL)";
  if (d->struct_size < kMinPluginDescSize) {
    return "descriptor too small (" + std::to_string(d->struct_size) + " bytes; ABI 1.0 needs " +
           std::to_string(kMinPluginDescSize) + ")";
  }
  const std::string theirs = std::to_string(d->abi_major) + "." + std::to_string(d->abi_minor);
  const std::string ours = std::to_string(XC_ABI_MAJOR) + "." + std::to_string(XC_ABI_MINOR);
  if (d->abi_major != XC_ABI_MAJOR) {
    return "built for plugin ABI " + theirs + ", this xnatctl speaks ABI " + ours +
           " (major versions differ)";
  }
  if (d->abi_minor > XC_ABI_MINOR) {
    return "built for plugin ABI " + theirs + ", newer than this xnatctl's ABI " + ours +
           "; upgrade xnatctl";
  }
  // The version checks passed: what fails from here is the plugin breaking sdk.h's rules.
  *state = PluginState::kMalformed;
  if (blank(d->id) || blank(d->version) || blank(d->description))
    return "descriptor lacks id, version or description";
  if (expected_id != d->id) {
    *state = PluginState::kConflict;
    return std::string("descriptor id '") + d->id + "' differs from the file name '" + expected_id +
           "'";
  }
  if ((d->command_count > 0 && d->commands == nullptr) ||
      (d->transport_count > 0 && d->transports == nullptr) ||
      (d->router_count > 0 && d->routers == nullptr)) {
    return "a descriptor count is non-zero but its array is NULL";
  }
  for (size_t i = 0; i < d->command_count; ++i) {
    const xc_command_desc* c = d->commands[i];
    if (c == nullptr || c->struct_size < kMinCommandDescSize || blank(c->path) ||
        blank(c->summary) || c->run == nullptr) {
      return "command " + std::to_string(i) + " is malformed (size, path, summary or run missing)";
    }
    if (c->positional_count > 0 && c->positionals == nullptr)
      return std::string("command '") + c->path + "': positionals is NULL";
    for (size_t p = 0; p < c->positional_count; ++p) {
      const xc_positional_desc* pd = c->positionals[p];
      if (pd == nullptr || pd->struct_size < kMinPositionalDescSize || blank(pd->name)) {
        return std::string("command '") + c->path + "': positional " + std::to_string(p) +
               " is malformed";
      }
    }
    if (auto why =
            check_options(c->options, c->option_count, std::string("command '") + c->path + "'");
        !why.empty())
      return why;
  }
  for (size_t i = 0; i < d->transport_count; ++i) {
    const xc_transport_desc* t = d->transports[i];
    if (t == nullptr || t->struct_size < kMinTransportDescSize || blank(t->name) ||
        blank(t->summary) || blank(t->command) || t->create == nullptr || t->upload == nullptr ||
        t->destroy == nullptr) {
      return "transport " + std::to_string(i) +
             " is malformed (size, name, summary, command or callbacks missing)";
    }
    if (auto why =
            check_options(t->options, t->option_count, std::string("transport '") + t->name + "'");
        !why.empty())
      return why;
  }
  for (size_t i = 0; i < d->router_count; ++i) {
    const xc_router_desc* r = d->routers[i];
    if (r == nullptr || r->struct_size < kMinRouterDescSize || blank(r->name) ||
        blank(r->summary) || r->route == nullptr) {
      return "router " + std::to_string(i) + " is malformed";
    }
  }
  *state = PluginState::kEnabled;
  return {};
}

OpenedPlugin open_plugin(const std::filesystem::path& path, const std::string& expected_id) {
  OpenedPlugin opened;
  // dlopen itself rather than Boost.DLL: its error code drops dlerror()'s text, which is the
  // one thing that says why ("invalid ELF header", "undefined symbol: ...").
  opened.library = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (opened.library == nullptr) {
    const char* why = ::dlerror();
    opened.reason = std::string("cannot open: ") + (why != nullptr ? why : "dlopen failed");
    return opened;
  }
  using Entry = const xc_plugin_desc* (*)(uint16_t, uint16_t);
  ::dlerror();
  void* symbol = ::dlsym(opened.library, XC_PLUGIN_ENTRY_SYMBOL);
  if (symbol == nullptr) {
    opened.reason =
        std::string("not an xnatctl plugin: no '") + XC_PLUGIN_ENTRY_SYMBOL + "' symbol";
    return opened;
  }
  const auto entry = reinterpret_cast<Entry>(symbol);
  opened.desc = entry(XC_ABI_MAJOR, XC_ABI_MINOR);
  opened.reason = validate_descriptor(opened.desc, expected_id, &opened.state);
  return opened;
}

}  // namespace xnatctl::host
