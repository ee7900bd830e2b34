#pragma once

// What a running command sees: its resolved option values, positionals, global options and
// the process streams. Values are already resolved by precedence (command line >
// environment variable > profile key > default) so commands never re-implement it.

#include <iosfwd>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "cli/command_spec.hpp"
#include "cli/config_source.hpp"

namespace xnatctl::host {

class ParsedCommand {
 public:
  struct Streams {
    std::istream* in;
    std::ostream* out;
    std::ostream* err;
  };

  ParsedCommand(const CommandSpec& spec, GlobalOptions globals,
                std::map<std::string, std::vector<std::string>> values,
                std::vector<std::string> positionals, const Streams& streams,
                std::shared_ptr<ConfigSource> config = nullptr);

  const CommandSpec& spec() const { return *spec_; }
  const GlobalOptions& globals() const { return globals_; }

  // The single value of a string/int/path option, or nullopt when no source supplied one.
  std::optional<std::string> value(std::string_view name) const;
  // An int option; throws UsageError naming the option if the value is not an integer.
  std::optional<long long> integer(std::string_view name) const;
  // A flag: true when given (or defaulted to "true").
  bool flag(std::string_view name) const;
  // Every value of a list option, in command-line order.
  std::vector<std::string> values(std::string_view name) const;
  const std::vector<std::string>& positionals() const { return positionals_; }
  // The stored values of an option (stable for the invocation's lifetime), or nullptr.
  // Plugins receive views into these through the C ABI.
  const std::vector<std::string>* stored(std::string_view name) const;

  // True when the user typed the option on the command line (not env, profile or default):
  // e.g. to repeat a command faithfully (the resume command of an interrupted upload).
  bool typed(std::string_view name) const { return typed_.count(std::string(name)) > 0; }
  void set_typed(std::set<std::string> names) { typed_ = std::move(names); }

  // config.yaml as this process read it (once); see config_source.hpp.
  ConfigSource& config() const;

  std::istream& in() const { return *streams_.in; }
  std::ostream& out() const { return *streams_.out; }
  std::ostream& err() const { return *streams_.err; }

 private:
  const CommandSpec* spec_;
  GlobalOptions globals_;
  std::map<std::string, std::vector<std::string>> values_;
  std::vector<std::string> positionals_;
  Streams streams_;
  mutable std::shared_ptr<ConfigSource> config_;
  std::set<std::string> typed_;
};

}  // namespace xnatctl::host
