#pragma once

// Who logs in. Precedence per field: command line > environment (XNAT_USER/XNAT_PASS) >
// profile > interactive prompt; the prompt only when stdin is a terminal.

#include <optional>
#include <string>

#include "xnatctl/config/resolve.hpp"

namespace xnatctl::auth {

struct Credentials {
  std::string username;
  std::string password;  // never printed, logged or written to the token cache
};

// Asks the user; the terminal implementation reads from stdin and writes prompts to stderr.
class Prompter {
 public:
  virtual ~Prompter() = default;
  virtual bool available() const = 0;  // false when nobody can answer (stdin not a terminal)
  virtual std::string ask(const std::string& label) = 0;
  virtual std::string ask_secret(const std::string& label) = 0;  // no echo
};

// stdin/stderr; available() only when stdin is a terminal.
class TerminalPrompter : public Prompter {
 public:
  bool available() const override;
  std::string ask(const std::string& label) override;
  std::string ask_secret(const std::string& label) override;
};

struct CredentialInputs {
  std::optional<std::string> username;  // from the command line
  std::optional<std::string> password;  // from the command line or --password-stdin
};

// Resolves both fields by precedence. Throws AuthError with a one-line hint when a field is
// missing and `prompter` is null or unavailable.
Credentials resolve_credentials(const CredentialInputs& inputs,
                                const config::ResolvedProfile& profile, Prompter* prompter);

// True when the command line, environment or profile supply both fields, i.e. a re-login
// needs nobody at the keyboard.
bool has_stored_credentials(const CredentialInputs& inputs, const config::ResolvedProfile& profile);

}  // namespace xnatctl::auth
