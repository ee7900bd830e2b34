#include "cli/help.hpp"

#include <algorithm>
#include <map>
#include <ostream>
#include <set>

namespace xnatctl::host {
namespace {

constexpr const char* kGlobalOptionsHelp =
    "Global options (before or after the command):\n"
    "  -p, --profile NAME       configuration profile to use (env: XNAT_PROFILE)\n"
    "  -o, --output FORMAT      table or json (config: output_format)\n"
    "  -q, --quiet              print only IDs; no progress\n"
    "  -v, --verbose            more detail on stderr; repeat for more (-vv)\n"
    "      --plugin-dir DIR     also load plugins from DIR (repeatable)\n"
    "      --proxy URL          reach the server through this HTTP proxy (config: proxy;\n"
    "                           env: HTTPS_PROXY, HTTP_PROXY, ALL_PROXY, NO_PROXY)\n"
    "      --no-proxy           connect directly, whatever the profile and environment say\n"
    "  -h, --help               show help for the command\n"
    "      --version            show the version\n";

std::string upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  std::replace(s.begin(), s.end(), '-', '_');
  return s;
}

std::string option_label(const OptionSpec& o) {
  std::string label =
      o.short_name != 0 ? std::string("-") + o.short_name + ", " : std::string("    ");
  label += "--" + o.name;
  const std::string value = o.value_name.empty() ? upper(o.name) : o.value_name;
  if (o.implicit_value) {
    label += " [" + value + "]";  // the value may be left out: the note says what it means
  } else if (o.kind != OptionKind::kFlag) {
    label += " " + value;
  }
  if (o.kind == OptionKind::kList) label += "...";
  return label;
}

void print_options(std::ostream& out, const std::vector<const OptionSpec*>& options) {
  size_t width = 0;
  for (const auto* o : options) width = std::max(width, option_label(*o).size());
  for (const auto* o : options) {
    std::string label = option_label(*o);
    label.resize(width + 2, ' ');
    out << "  " << label << o->help;
    std::vector<std::string> notes;
    if (o->required) notes.push_back("required");
    if (o->implicit_value) notes.push_back("alone: " + *o->implicit_value);
    if (!o->default_value.empty() && !o->secret) notes.push_back("default: " + o->default_value);
    if (!o->env_var.empty()) notes.push_back("env: " + o->env_var);
    if (!o->profile_key.empty()) notes.push_back("profile: " + o->profile_key);
    if (!notes.empty()) {
      out << " (";
      for (size_t i = 0; i < notes.size(); ++i) out << (i ? "; " : "") << notes[i];
      out << ")";
    }
    out << '\n';
  }
}

}  // namespace

void print_group_help(std::ostream& out, const CommandRegistry& registry,
                      const std::string& group) {
  if (group.empty()) {
    out << "xnatctl moves imaging data into XNAT: DICOM sessions over the REST import API or\n"
           "DICOM C-STORE, non-DICOM resources, and the prearchive workflow around them.\n\n"
           "Usage: xnatctl [global options] <command> [options] [arguments]\n\n";
  } else {
    out << "Usage: xnatctl " << group << " <command> [options] [arguments]\n\n";
  }
  const auto commands = registry.children(group);
  size_t width = 0;
  for (const auto* c : commands) width = std::max(width, c->path.size());
  out << "Commands:\n";
  for (const auto* c : commands) {
    std::string path = c->path;
    path.resize(width + 2, ' ');
    out << "  " << path << c->summary;
    if (c->provider != "built-in") out << " [plugin: " << c->provider << "]";
    out << '\n';
  }
  out << '\n' << kGlobalOptionsHelp;
  out << "\nRun 'xnatctl " << (group.empty() ? "" : group + " ")
      << "<command> --help' for a command's options.\n";
}

void print_command_help(std::ostream& out, const CommandSpec& spec) {
  out << "Usage: xnatctl " << spec.path;
  if (!spec.options.empty()) out << " [options]";
  for (const auto& p : spec.positionals) {
    std::string word = p.name + (p.repeated ? "..." : "");
    out << ' ' << (p.required ? word : "[" + word + "]");
  }
  out << "\n\n" << spec.summary << '\n';
  if (!spec.description.empty()) out << '\n' << spec.description << '\n';
  if (!spec.positionals.empty()) {
    out << "\nArguments:\n";
    for (const auto& p : spec.positionals) out << "  " << p.name << "  " << p.help << '\n';
  }
  // Options grouped by section: the command's own first, then one section per transport.
  std::vector<std::string> groups{""};
  for (const auto& o : spec.options) {
    if (std::find(groups.begin(), groups.end(), o.group) == groups.end()) groups.push_back(o.group);
  }
  for (const auto& g : groups) {
    std::vector<const OptionSpec*> visible;
    for (const auto& o : spec.options) {
      if (o.group == g && !o.hidden) visible.push_back(&o);
    }
    if (visible.empty()) continue;
    out << '\n' << (g.empty() ? std::string("Options") : g) << ":\n";
    print_options(out, visible);
  }
  out << '\n' << kGlobalOptionsHelp;
  if (!spec.examples.empty()) {
    out << "\nExamples:\n";
    for (const auto& e : spec.examples) out << "  " << e << '\n';
  }
  if (spec.provider != "built-in") out << "\nProvided by plugin '" << spec.provider << "'.\n";
}

}  // namespace xnatctl::host
