#include "commands/plugin_commands.hpp"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include <ostream>

#include "cli/parsed_command.hpp"
#include "commands/builtin_command_support.hpp"
#include "plugins/plugin_catalog.hpp"
#include "plugins/plugin_command_adapter.hpp"
#include "xnatctl/error.hpp"
#include "xnatctl/output/record_writer.hpp"

namespace xnatctl::host {
namespace {

output::Format format_of(const ParsedCommand& inv) {
  return output_format(inv, load_config_file(inv).config());
}

int list_plugins(const PluginCatalog& catalog, ParsedCommand& inv) {
  output::RecordWriter writer(format_of(inv), inv.out());
  for (const auto& p : catalog.plugins()) {
    const xc_plugin_desc* d =
        p.state == PluginState::kEnabled || p.state == PluginState::kInitFailed ? p.desc()
                                                                                : nullptr;
    writer.add({{"id", p.id},
                {"state", std::string(to_string(p.shown_state()))},
                {"version", d != nullptr ? d->version : ""},
                {"origin", p.origin},
                {"reason", p.shown_reason()},
                {"path", p.path.string()}});
  }
  writer.finish();
  return 0;
}

Poco::JSON::Array::Ptr options_json(const xc_option_desc* const* options, size_t count) {
  Poco::JSON::Array::Ptr array = new Poco::JSON::Array;
  for (size_t i = 0; i < count; ++i) {
    const OptionSpec o = to_option_spec(*options[i]);
    Poco::JSON::Object::Ptr item = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
    item->set("name", "--" + o.name);
    item->set("help", o.help);
    if (!o.env_var.empty()) item->set("env", o.env_var);
    if (!o.default_value.empty() && !o.secret) item->set("default", o.default_value);
    array->add(item);
  }
  return array;
}

int plugin_info(const PluginCatalog& catalog, ParsedCommand& inv) {
  const std::string id = inv.positionals().at(0);
  const PluginRecord* p = catalog.find(id);
  if (p == nullptr)
    throw Error("no plugin '" + id + "' was found (see 'xnatctl plugin list')", ExitCode::kUsage);
  const xc_plugin_desc* d = p->opened.desc != nullptr && p->state != PluginState::kAbiMismatch &&
                                    p->state != PluginState::kMalformed
                                ? p->desc()
                                : nullptr;

  Poco::JSON::Object info(Poco::JSON_PRESERVE_KEY_ORDER);
  info.set("id", p->id);
  info.set("state", std::string(to_string(p->shown_state())));
  info.set("reason", p->shown_reason());
  info.set("path", p->path.string());
  info.set("origin", p->origin);
  Poco::JSON::Array::Ptr commands = new Poco::JSON::Array;
  Poco::JSON::Array::Ptr transports = new Poco::JSON::Array;
  Poco::JSON::Array::Ptr routers = new Poco::JSON::Array;
  if (d != nullptr) {
    info.set("version", d->version);
    info.set("description", d->description);
    info.set("abi", std::to_string(d->abi_major) + "." + std::to_string(d->abi_minor));
    for (size_t i = 0; i < d->command_count; ++i) {
      Poco::JSON::Object::Ptr c = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
      c->set("path", d->commands[i]->path);
      c->set("summary", d->commands[i]->summary);
      c->set("options", options_json(d->commands[i]->options, d->commands[i]->option_count));
      commands->add(c);
    }
    for (size_t i = 0; i < d->transport_count; ++i) {
      Poco::JSON::Object::Ptr t = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
      t->set("name", d->transports[i]->name);
      t->set("command", d->transports[i]->command);
      t->set("summary", d->transports[i]->summary);
      t->set("options", options_json(d->transports[i]->options, d->transports[i]->option_count));
      transports->add(t);
    }
    for (size_t i = 0; i < d->router_count; ++i) {
      Poco::JSON::Object::Ptr r = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
      r->set("name", d->routers[i]->name);
      r->set("summary", d->routers[i]->summary);
      routers->add(r);
    }
  }
  info.set("commands", commands);
  info.set("transports", transports);
  info.set("routers", routers);

  if (format_of(inv) == output::Format::kJson) {
    info.stringify(inv.out(), 2);
    inv.out() << '\n';
    return 0;
  }
  std::ostream& out = inv.out();
  out << p->id << " — " << (d != nullptr ? d->description : "(not opened)") << '\n';
  const std::string reason = p->shown_reason();
  out << "  state:   " << to_string(p->shown_state()) << (reason.empty() ? "" : " (" + reason + ")")
      << '\n';
  if (d != nullptr)
    out << "  version: " << d->version << "  (plugin ABI " << d->abi_major << "." << d->abi_minor
        << ")\n";
  out << "  path:    " << p->path.string() << "  [" << p->origin << "]\n";
  auto print_options = [&](const xc_option_desc* const* options, size_t count) {
    for (size_t i = 0; i < count; ++i) {
      const OptionSpec o = to_option_spec(*options[i]);
      out << "      --" << o.name << "  " << o.help
          << (o.env_var.empty() ? "" : " (env: " + o.env_var + ")") << '\n';
    }
  };
  if (d != nullptr) {
    for (size_t i = 0; i < d->command_count; ++i) {
      out << "  command:   " << d->commands[i]->path << " — " << d->commands[i]->summary << '\n';
      print_options(d->commands[i]->options, d->commands[i]->option_count);
    }
    for (size_t i = 0; i < d->transport_count; ++i) {
      out << "  transport: " << d->transports[i]->name << " (for '" << d->transports[i]->command
          << "') — " << d->transports[i]->summary << '\n';
      print_options(d->transports[i]->options, d->transports[i]->option_count);
    }
    for (size_t i = 0; i < d->router_count; ++i) {
      out << "  router:    " << d->routers[i]->name << " — " << d->routers[i]->summary << '\n';
    }
  }
  return 0;
}

}  // namespace

void register_plugin_commands(CommandRegistry& registry, const PluginCatalog& catalog) {
  CommandSpec list;
  list.path = "plugin list";
  list.summary = "List every plugin found, with its state and the reason for it";
  list.description =
      "Shows each candidate plugin in search order: enabled; disabled by system, user or env; "
      "refused (unsafe permissions); shadowed; failed to open; ABI mismatch; malformed; conflict; "
      "init failed.";
  list.run = [&catalog](ParsedCommand& inv) { return list_plugins(catalog, inv); };
  registry.add(std::move(list));

  CommandSpec info;
  info.path = "plugin info";
  info.summary = "Show one plugin's commands, transports, routers and options";
  info.positionals = {{"ID", "the plugin id (its file name without .so)", true, false}};
  info.run = [&catalog](ParsedCommand& inv) { return plugin_info(catalog, inv); };
  registry.add(std::move(info));
}

}  // namespace xnatctl::host
