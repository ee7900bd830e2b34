#include "cli/implicit_values.hpp"

namespace xnatctl::host {
namespace {

bool is_integer(const std::string& word) {
  const std::size_t digits = !word.empty() && word[0] == '-' ? 1 : 0;
  if (word.size() == digits) return false;
  for (std::size_t i = digits; i < word.size(); ++i)
    if (word[i] < '0' || word[i] > '9') return false;
  return true;
}

const OptionSpec* implicit_option(const CommandSpec& spec, const std::string& word) {
  for (const auto& o : spec.options) {
    if (!o.implicit_value) continue;
    if (word == "--" + o.name) return &o;
    if (o.short_name != 0 && word == std::string("-") + o.short_name) return &o;
  }
  return nullptr;
}

}  // namespace

std::vector<std::string> spell_out_implicit_values(const CommandSpec& spec,
                                                   const std::vector<std::string>& args) {
  std::vector<std::string> out;
  out.reserve(args.size());
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--") {  // the rest are positionals, whatever they look like
      out.insert(out.end(), args.begin() + static_cast<std::ptrdiff_t>(i), args.end());
      break;
    }
    const OptionSpec* o = implicit_option(spec, args[i]);
    if (o == nullptr) {
      out.push_back(args[i]);
      continue;
    }
    const bool takes_next =
        o->kind == OptionKind::kInt && i + 1 < args.size() && is_integer(args[i + 1]);
    out.push_back("--" + o->name + "=" + (takes_next ? args[++i] : *o->implicit_value));
  }
  return out;
}

}  // namespace xnatctl::host
