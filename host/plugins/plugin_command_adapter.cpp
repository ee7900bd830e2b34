#include "plugins/plugin_command_adapter.hpp"

#include <cstddef>

#include "commands/builtin_command_support.hpp"
#include "plugins/host_services.hpp"
#include "plugins/plugin_catalog.hpp"
#include "plugins/status_mapping.hpp"

namespace xnatctl::host {
namespace {

OptionKind kind_of(int32_t type) {
  switch (type) {
    case XC_OPTION_FLAG:
      return OptionKind::kFlag;
    case XC_OPTION_INT:
      return OptionKind::kInt;
    case XC_OPTION_PATH:
      return OptionKind::kPath;
    case XC_OPTION_LIST:
      return OptionKind::kList;
    default:
      return OptionKind::kString;
  }
}

std::string text(const char* s) {
  return s != nullptr ? s : "";
}

}  // namespace

OptionSpec to_option_spec(const xc_option_desc& d, const std::string& group) {
  OptionSpec o;
  o.name = d.name;
  o.short_name = d.short_name != nullptr ? d.short_name[0] : '\0';
  o.kind = kind_of(d.type);
  o.default_value = text(d.default_value);
  o.help = text(d.help);
  o.value_name = text(d.value_name);
  o.env_var = text(d.env_var);
  o.profile_key = text(d.profile_key);
  o.required = (d.flags & XC_OPTION_REQUIRED) != 0;
  o.secret = (d.flags & XC_OPTION_SECRET) != 0;
  o.hidden = (d.flags & XC_OPTION_HIDDEN) != 0;
  // since 1.1: a 1.0 descriptor ends before it and is not read past its struct_size.
  // (XC_HAS_MEMBER spelled out: on a reference its NULL check only draws a warning.)
  const bool has_implicit =
      d.struct_size >= offsetof(xc_option_desc, implicit_value) + sizeof(d.implicit_value);
  if (has_implicit && d.implicit_value != nullptr) o.implicit_value = d.implicit_value;
  o.group = group;
  return o;
}

CommandSpec adapt_plugin_command(PluginCatalog& catalog, PluginRecord& plugin,
                                 const xc_command_desc& desc, HostServices& services) {
  CommandSpec spec;
  spec.path = desc.path;
  spec.summary = desc.summary;
  spec.description = text(desc.description);
  spec.provider = plugin.id;
  for (size_t i = 0; i < desc.positional_count; ++i) {
    const xc_positional_desc& p = *desc.positionals[i];
    spec.positionals.push_back({p.name, text(p.help), (p.flags & XC_OPTION_REQUIRED) != 0,
                                (p.flags & XC_POSITIONAL_REPEATED) != 0});
  }
  for (size_t i = 0; i < desc.option_count; ++i)
    spec.options.push_back(to_option_spec(*desc.options[i]));

  PluginRecord* record = &plugin;
  const xc_command_desc* command = &desc;
  spec.run = [&catalog, record, command, &services](ParsedCommand& inv) {
    void* context = catalog.ensure_initialised(*record, services);
    const config::ConfigFile config = load_config_file(inv);
    services.set_connector([&inv] { return auth::connect(connect_options(inv)); });
    auto wrapped = services.wrap(inv, output_format(inv, config.config()));
    xc_error error{};
    error.struct_size = sizeof(error);
    const xc_status status = command->run(context, wrapped.get(), &error);
    HostServices::finish(*wrapped);
    if (status == XC_OK) return 0;
    std::string message =
        error.message[0] != '\0' ? error.message : "'" + std::string(command->path) + "' failed";
    throw Error(message, exit_code_for(status));
  };
  return spec;
}

}  // namespace xnatctl::host
