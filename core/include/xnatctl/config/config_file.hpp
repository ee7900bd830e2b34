#pragma once

// ~/.config/xnatctl/config.yaml: the typed view (Config, Profile) and the file itself
// (ConfigFile), which edits the YAML document in place so keys this version does not know
// survive a `config add-profile`.

#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace xnatctl::config {

struct Profile {
  std::string name;
  std::optional<std::string> url;
  std::optional<std::string> username;
  std::optional<std::string> password;
  std::optional<bool> verify_ssl;
  std::optional<long long> timeout;  // seconds
  std::optional<std::string> default_project;
  std::optional<long long> workers;
  std::optional<std::string> overwrite;
  std::optional<bool> direct_archive;
  std::optional<std::string> archive_mode;
  std::optional<std::string> proxy;      // http://[user:pass@]host:port, or "none"
  std::optional<std::string> ca_bundle;  // PEM file or hashed directory of trusted CAs
  // The DICOM receiver `session upload-dicom` sends to (the cstore transport's options).
  std::optional<std::string> dicom_host;
  std::optional<long long> dicom_port;
  std::optional<std::string> dicom_called_aet, dicom_calling_aet;
};

// Every key a profile may hold, once: config_file.cpp reads and writes profiles through this
// table, and the host turns the keys marked `option_default` into option defaults. A new
// profile key is a field above plus one row in kProfileKeys (config_file.cpp).
struct ProfileKey {
  using Text = std::optional<std::string> Profile::*;
  using Flag = std::optional<bool> Profile::*;
  using Number = std::optional<long long> Profile::*;
  std::string_view name;
  std::variant<Text, Flag, Number> field;
  // False for credentials: they are never option defaults and never reach plugins.
  bool option_default = true;
};
std::span<const ProfileKey> profile_keys();
// The profile's value for `key` as text ("true"/"false" for flags), or nullopt when unset or
// not a key of the table.
std::optional<std::string> profile_text(const Profile& profile, std::string_view key);

struct Config {
  std::optional<std::string> default_profile;
  std::optional<std::string> output_format;
  std::vector<Profile> profiles;  // in file order

  const Profile* find(const std::string& name) const;
};

class ConfigFile {
 public:
  // Reads and validates the file. A missing file is an empty configuration. A malformed one
  // (also: a directory, a symlink loop, a key given twice) throws xnatctl::UsageError with
  // one line naming the file and the line.
  static ConfigFile load(const std::filesystem::path& path);
  // The two halves of load(): the YAML document alone (nullopt when there is no file), and
  // the validation of such a document. The host reads its `plugins:` section from the
  // document even when a profile in it is invalid.
  static std::optional<YAML::Node> read_document(const std::filesystem::path& path);
  static ConfigFile from_document(const std::filesystem::path& path,
                                  const std::optional<YAML::Node>& document);

  const std::filesystem::path& path() const { return path_; }
  bool exists() const { return exists_; }
  const Config& config() const { return config_; }
  // The parsed YAML document, for sections read elsewhere (the plugin policy's `plugins:`).
  const YAML::Node& document() const { return root_; }

  void set_default_profile(const std::string& name);
  // Adds the profile or replaces the keys it sets (unset optionals leave keys alone).
  void put_profile(const Profile& profile);
  bool remove_profile(const std::string& name);
  // Drops every profile and setting (`config init --force`).
  void clear();

  // Writes the file atomically with mode 0600 (it may hold a password).
  void save();

 private:
  void reparse();

  std::filesystem::path path_;
  bool exists_ = false;
  YAML::Node root_;
  Config config_;
};

}  // namespace xnatctl::config
