#include "xnatctl/auth/credentials.hpp"

#include <termios.h>
#include <unistd.h>

#include <iostream>

#include "xnatctl/error.hpp"
#include "xnatctl/http/header_safety.hpp"

namespace xnatctl::auth {

bool TerminalPrompter::available() const {
  return ::isatty(STDIN_FILENO) == 1;
}

std::string TerminalPrompter::ask(const std::string& label) {
  std::cerr << label << ": " << std::flush;
  std::string answer;
  if (!std::getline(std::cin, answer)) throw AuthError("no answer to the prompt for " + label);
  return answer;
}

std::string TerminalPrompter::ask_secret(const std::string& label) {
  std::cerr << label << ": " << std::flush;
  termios saved{};
  const bool have_terminal = ::tcgetattr(STDIN_FILENO, &saved) == 0;
  if (have_terminal) {
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
  }
  std::string answer;
  const bool got = static_cast<bool>(std::getline(std::cin, answer));
  if (have_terminal) ::tcsetattr(STDIN_FILENO, TCSANOW, &saved);
  std::cerr << "\n";
  if (!got) throw AuthError("no answer to the prompt for " + label);
  return answer;
}

bool has_stored_credentials(const CredentialInputs& inputs,
                            const config::ResolvedProfile& profile) {
  return (inputs.username || profile.username) && (inputs.password || profile.password);
}

Credentials resolve_credentials(const CredentialInputs& inputs,
                                const config::ResolvedProfile& profile, Prompter* prompter) {
  std::optional<std::string> username = inputs.username ? inputs.username : profile.username;
  std::optional<std::string> password = inputs.password ? inputs.password : profile.password;
  if (!username || !password) {
    const bool nobody_to_ask = prompter == nullptr || !prompter->available();
    if (nobody_to_ask && !username && password) {
      throw AuthError("no user name for profile '" + profile.name + "' (" + profile.url +
                      "): pass --username, set XNAT_USER, or add username to the profile");
    }
    if (nobody_to_ask) {
      throw AuthError("no credentials for profile '" + profile.name + "' (" + profile.url +
                      ") and no terminal to ask: set XNAT_USER and XNAT_PASS, pass "
                      "--password-stdin, or run 'xnatctl auth login' interactively");
    }
    if (!username) username = prompter->ask("Username for " + profile.url);
    if (!password) password = prompter->ask_secret("Password for " + *username);
  }
  if (username->empty()) throw AuthError("empty username for " + profile.url);
  http::require_no_control_characters("the user name", *username);
  return {*username, *password};
}

}  // namespace xnatctl::auth
