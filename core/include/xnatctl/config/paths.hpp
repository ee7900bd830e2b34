#pragma once

#include <filesystem>

#include "xnatctl/config/environment.hpp"

namespace xnatctl::config {

// $XDG_CONFIG_HOME/xnatctl when XDG_CONFIG_HOME is set, else $HOME/.config/xnatctl.
// Throws xnatctl::Error when neither HOME nor XDG_CONFIG_HOME is set.
std::filesystem::path config_directory(const Environment& env);

// <config_directory>/config.yaml
std::filesystem::path config_file_path(const Environment& env);

// <config_directory>/sessions: one cached JSESSION token per profile.
std::filesystem::path token_cache_directory(const Environment& env);

// $XDG_STATE_HOME/xnatctl when XDG_STATE_HOME is set, else $HOME/.local/state/xnatctl: what
// xnatctl remembers between runs that is neither configuration nor a secret.
std::filesystem::path state_directory(const Environment& env);

}  // namespace xnatctl::config
