#include "cli/dispatch.hpp"

#include <boost/program_options.hpp>
#include <cstdlib>
#include <iostream>
#include <set>

#include "cli/help.hpp"
#include "cli/implicit_values.hpp"
#include "xnatctl/error.hpp"

namespace po = boost::program_options;

namespace xnatctl::host {
namespace {

constexpr const char* kPositionalKey = "xnatctl-positional";

// The longest run of leading words that names a command or a group ("hello" and
// "hello fails" may both be commands; the longer match wins).
struct Found {
  std::string path;
  size_t words = 0;
  const CommandSpec* command = nullptr;
};

Found find_command(const CommandRegistry& registry, const std::vector<std::string>& rest) {
  Found found;
  std::string path;
  for (size_t i = 0; i < rest.size() && !rest[i].empty() && rest[i][0] != '-'; ++i) {
    const std::string candidate = path.empty() ? rest[i] : path + " " + rest[i];
    const CommandSpec* spec = registry.find(candidate);
    const bool has_children = !registry.children(candidate).empty();
    if (spec == nullptr && !has_children) break;
    path = candidate;
    found = {path, i + 1, spec};
    if (!has_children) break;
  }
  // A group prefix that is not itself a command falls back to the last command on the way.
  if (found.command == nullptr) {
    std::string prefix;
    for (size_t i = 0; i < found.words; ++i) {
      if (!prefix.empty()) prefix += ' ';
      prefix += rest[i];
      if (const CommandSpec* spec = registry.find(prefix)) {
        found.command = spec;
        found.path = prefix;
        found.words = i + 1;
      }
    }
    if (found.command != nullptr) return found;
    found.path = path;
  }
  return found;
}

po::options_description describe(const CommandSpec& spec) {
  po::options_description desc;
  for (const auto& o : spec.options) {
    std::string names = o.name;
    if (o.short_name != 0) names += std::string(",") + o.short_name;
    switch (o.kind) {
      case OptionKind::kFlag:
        desc.add_options()(names.c_str(), po::bool_switch());
        break;
      case OptionKind::kList:
        desc.add_options()(names.c_str(), po::value<std::vector<std::string>>()->composing());
        break;
      default:
        // Bare uses were spelled out already (implicit_values.hpp); this covers what that
        // leaves to Boost (an abbreviated name given last).
        if (o.implicit_value) {
          desc.add_options()(names.c_str(), po::value<std::string>()->implicit_value(
                                                *o.implicit_value, *o.implicit_value));
        } else {
          desc.add_options()(names.c_str(), po::value<std::string>());
        }
        break;
    }
  }
  desc.add_options()(kPositionalKey, po::value<std::vector<std::string>>());
  return desc;
}

std::map<std::string, std::vector<std::string>> resolve(const CommandSpec& spec,
                                                        const po::variables_map& vm,
                                                        const ValueSources& sources,
                                                        const GlobalOptions& globals) {
  std::map<std::string, std::vector<std::string>> values;
  for (const auto& o : spec.options) {
    std::vector<std::string> value;
    if (o.kind == OptionKind::kFlag) {
      if (vm.count(o.name) && vm[o.name].as<bool>()) value = {"true"};
    } else if (o.kind == OptionKind::kList) {
      if (vm.count(o.name)) value = vm[o.name].as<std::vector<std::string>>();
    } else if (vm.count(o.name)) {
      value = {vm[o.name].as<std::string>()};
    }
    if (value.empty() && !o.env_var.empty() && sources.environment) {
      if (auto v = sources.environment(o.env_var)) value = {*v};
    }
    if (value.empty() && !o.profile_key.empty() && sources.profile) {
      if (auto v = sources.profile(o.profile_key, globals)) value = {*v};
    }
    if (value.empty() && !o.default_value.empty()) value = {o.default_value};
    if (value.empty() && o.required) {
      std::string where = "--" + o.name;
      if (!o.env_var.empty()) where += " (or " + o.env_var + ")";
      throw UsageError("'" + spec.path + "' needs " + where + "; see 'xnatctl " + spec.path +
                       " --help'");
    }
    if (!value.empty()) values[o.name] = std::move(value);
  }
  return values;
}

std::vector<std::string> check_positionals(const CommandSpec& spec,
                                           std::vector<std::string> given) {
  const bool repeats = !spec.positionals.empty() && spec.positionals.back().repeated;
  size_t required = 0;
  for (const auto& p : spec.positionals) required += p.required ? 1 : 0;
  if (given.size() < required) {
    throw UsageError("'" + spec.path + "' needs " + spec.positionals[given.size()].name +
                     "; see 'xnatctl " + spec.path + " --help'");
  }
  if (!repeats && given.size() > spec.positionals.size()) {
    throw UsageError("'" + spec.path + "' got an unexpected argument '" +
                     given[spec.positionals.size()] + "'");
  }
  return given;
}

}  // namespace

ValueSources process_value_sources() {
  ValueSources sources;
  sources.environment = [](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());
    if (v == nullptr || *v == '\0') return std::nullopt;
    return std::string(v);
  };
  return sources;
}

int dispatch(const CommandRegistry& registry, const SplitArgs& split, const ValueSources& sources,
             const ParsedCommand::Streams& streams) {
  const Found found = find_command(registry, split.rest);
  if (found.command == nullptr) {
    if (split.help || found.words == split.rest.size()) {
      print_group_help(*streams.out, registry, found.path);
      return split.help || split.rest.empty() ? 0 : static_cast<int>(ExitCode::kUsage);
    }
    const std::string& word = split.rest[found.words];
    if (!word.empty() && word[0] == '-') {
      throw UsageError("unrecognised option '" + word + "'" +
                       (found.path.empty() ? "" : " for '" + found.path + "'") + "; see 'xnatctl " +
                       (found.path.empty() ? std::string() : found.path + " ") + "--help'");
    }
    throw UsageError("unknown command '" + (found.path.empty() ? word : found.path + " " + word) +
                     "'; see 'xnatctl " + (found.path.empty() ? std::string() : found.path + " ") +
                     "--help'");
  }
  const CommandSpec& spec = *found.command;
  if (!spec.unavailable.empty() && !split.help)
    throw Error(spec.unavailable, ExitCode::kUnavailable);
  if (split.help) {
    print_command_help(*streams.out, spec);
    return 0;
  }

  const std::vector<std::string> args = spell_out_implicit_values(
      spec, std::vector<std::string>(split.rest.begin() + static_cast<std::ptrdiff_t>(found.words),
                                     split.rest.end()));
  const po::options_description desc = describe(spec);
  po::positional_options_description positional;
  positional.add(kPositionalKey, -1);
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(desc).positional(positional).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    throw UsageError(std::string(e.what()) + " (in 'xnatctl " + spec.path + "'; see --help)");
  }
  std::vector<std::string> positionals;
  if (vm.count(kPositionalKey)) positionals = vm[kPositionalKey].as<std::vector<std::string>>();

  ParsedCommand invocation(spec, split.globals, resolve(spec, vm, sources, split.globals),
                           check_positionals(spec, std::move(positionals)), streams,
                           sources.config);
  std::set<std::string> typed;
  for (const auto& o : spec.options) {
    const bool flag_off = o.kind == OptionKind::kFlag && vm.count(o.name) && !vm[o.name].as<bool>();
    if (vm.count(o.name) && !vm[o.name].defaulted() && !flag_off) typed.insert(o.name);
  }
  invocation.set_typed(std::move(typed));
  return spec.run(invocation);
}

}  // namespace xnatctl::host
