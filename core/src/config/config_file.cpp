#include "xnatctl/config/config_file.hpp"

#include <fstream>
#include <set>
#include <sstream>

#include "xnatctl/config/private_file.hpp"
#include "xnatctl/config/resolve.hpp"
#include "xnatctl/error.hpp"

namespace xnatctl::config {
namespace {

// "FILE:LINE", the form compilers use and the host's plugin policy reader uses for the same
// file, so editors can jump to it.
std::string where(const std::filesystem::path& path, const YAML::Mark& mark) {
  std::string text = path.string();
  if (mark.line >= 0) text += ":" + std::to_string(mark.line + 1);
  return text;
}

[[noreturn]] void invalid(const std::filesystem::path& path, const YAML::Node& node,
                          const std::string& message) {
  throw UsageError(where(path, node.Mark()) + ": " + message);
}

class ProfileReader {
 public:
  ProfileReader(const std::filesystem::path& path, const YAML::Node& node, std::string name)
      : path_(path), node_(node), name_(std::move(name)) {}

  std::optional<std::string> text(const char* key) const {
    auto value = scalar(key);
    if (!value) return std::nullopt;
    return value->Scalar();
  }

  std::optional<bool> boolean(const char* key) const {
    auto value = scalar(key);
    if (!value) return std::nullopt;
    bool result = false;
    if (!YAML::convert<bool>::decode(*value, result)) {
      invalid(path_, *value,
              key_name(key) + " must be true or false, not '" + value->Scalar() + "'");
    }
    return result;
  }

  std::optional<long long> integer(const char* key) const {
    auto value = scalar(key);
    if (!value) return std::nullopt;
    long long result = 0;
    if (!YAML::convert<long long>::decode(*value, result)) {
      invalid(path_, *value, key_name(key) + " must be an integer, not '" + value->Scalar() + "'");
    }
    return result;
  }

 private:
  std::optional<YAML::Node> scalar(const char* key) const {
    YAML::Node value = node_[key];
    if (!value || value.IsNull()) return std::nullopt;
    if (!value.IsScalar()) invalid(path_, value, key_name(key) + " must be a single value");
    return value;
  }

  std::string key_name(const char* key) const { return "profiles." + name_ + "." + key; }

  const std::filesystem::path& path_;
  const YAML::Node& node_;
  std::string name_;
};

// yaml-cpp keeps the first of two equal keys and says nothing; a config where `url:` appears
// twice means something else than its author thinks, so it is an error.
void reject_duplicate_keys(const std::filesystem::path& path, const YAML::Node& node) {
  if (node.IsSequence()) {
    for (const auto& item : node) reject_duplicate_keys(path, item);
    return;
  }
  if (!node.IsMap()) return;
  std::set<std::string> seen;
  for (const auto& entry : node) {
    const std::string key = entry.first.Scalar();
    if (!seen.insert(key).second) invalid(path, entry.first, "key '" + key + "' is given twice");
    reject_duplicate_keys(path, entry.second);
  }
}

Config parse(const std::filesystem::path& path, const YAML::Node& root) {
  Config config;
  if (!root || root.IsNull()) return config;
  if (!root.IsMap()) invalid(path, root, "the top level must be a mapping");
  auto top_text = [&](const char* key) -> std::optional<std::string> {
    YAML::Node value = root[key];
    if (!value || value.IsNull()) return std::nullopt;
    if (!value.IsScalar()) invalid(path, value, std::string(key) + " must be a single value");
    return value.Scalar();
  };
  config.default_profile = top_text("default_profile");
  config.output_format = top_text("output_format");
  if (config.output_format && *config.output_format != "table" && *config.output_format != "json") {
    invalid(path, root["output_format"], "output_format must be 'table' or 'json'");
  }
  YAML::Node profiles = root["profiles"];
  if (!profiles || profiles.IsNull()) return config;
  if (!profiles.IsMap()) invalid(path, profiles, "profiles must be a mapping of names to profiles");
  for (const auto& entry : profiles) {
    Profile profile;
    profile.name = entry.first.as<std::string>();
    const YAML::Node& body = entry.second;
    if (body.IsNull()) {
      config.profiles.push_back(profile);
      continue;
    }
    if (!body.IsMap()) invalid(path, body, "profile '" + profile.name + "' must be a mapping");
    ProfileReader read(path, body, profile.name);
    for (const ProfileKey& key : profile_keys()) {
      const std::string name(key.name);
      std::visit(
          [&](auto field) {
            using Field = decltype(field);
            if constexpr (std::is_same_v<Field, ProfileKey::Text>) {
              profile.*field = read.text(name.c_str());
            } else if constexpr (std::is_same_v<Field, ProfileKey::Flag>) {
              profile.*field = read.boolean(name.c_str());
            } else {
              profile.*field = read.integer(name.c_str());
            }
          },
          key.field);
    }
    if (profile.timeout && (*profile.timeout <= 0 || *profile.timeout > kMaxTimeoutSeconds)) {
      invalid(path, body["timeout"],
              "profiles." + profile.name + ".timeout must be between 1 and " +
                  std::to_string(kMaxTimeoutSeconds) + " seconds");
    }
    config.profiles.push_back(std::move(profile));
  }
  return config;
}

constexpr ProfileKey kProfileKeys[] = {
    {"url", &Profile::url},
    {"username", &Profile::username, false},
    {"password", &Profile::password, false},
    {"verify_ssl", &Profile::verify_ssl},
    {"timeout", &Profile::timeout},
    {"default_project", &Profile::default_project},
    {"workers", &Profile::workers},
    {"overwrite", &Profile::overwrite},
    {"direct_archive", &Profile::direct_archive},
    {"archive_mode", &Profile::archive_mode},
    {"proxy", &Profile::proxy, false},  // may hold proxy credentials
    {"ca_bundle", &Profile::ca_bundle, false},
    {"dicom_host", &Profile::dicom_host},
    {"dicom_port", &Profile::dicom_port},
    {"dicom_called_aet", &Profile::dicom_called_aet},
    {"dicom_calling_aet", &Profile::dicom_calling_aet},
};

}  // namespace

std::span<const ProfileKey> profile_keys() {
  return kProfileKeys;
}

std::optional<std::string> profile_text(const Profile& profile, std::string_view key) {
  for (const ProfileKey& k : profile_keys()) {
    if (k.name != key) continue;
    return std::visit(
        [&](auto field) -> std::optional<std::string> {
          const auto& value = profile.*field;
          if (!value) return std::nullopt;
          using Value = std::decay_t<decltype(*value)>;
          if constexpr (std::is_same_v<Value, bool>) {
            return *value ? "true" : "false";
          } else if constexpr (std::is_same_v<Value, std::string>) {
            return *value;
          } else {
            return std::to_string(*value);
          }
        },
        k.field);
  }
  return std::nullopt;
}

const Profile* Config::find(const std::string& name) const {
  for (const auto& profile : profiles) {
    if (profile.name == name) return &profile;
  }
  return nullptr;
}

ConfigFile ConfigFile::load(const std::filesystem::path& path) {
  return from_document(path, read_document(path));
}

std::optional<YAML::Node> ConfigFile::read_document(const std::filesystem::path& path) {
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (ec && ec != std::errc::no_such_file_or_directory)
    throw UsageError("cannot read config file " + path.string() + ": " + ec.message());
  if (!std::filesystem::exists(status)) return std::nullopt;
  if (std::filesystem::is_directory(status))
    throw UsageError("cannot read config file " + path.string() + ": it is a directory");
  std::ifstream in(path);
  if (!in) throw UsageError("cannot read config file " + path.string());
  YAML::Node root;
  try {
    root = YAML::Load(in);
  } catch (const YAML::ParserException& e) {
    throw UsageError(where(path, e.mark) + ": " + e.msg);
  } catch (const std::exception& e) {
    throw UsageError("cannot read config file " + path.string() + ": " + e.what());
  }
  reject_duplicate_keys(path, root);
  return root;
}

ConfigFile ConfigFile::from_document(const std::filesystem::path& path,
                                     const std::optional<YAML::Node>& document) {
  ConfigFile file;
  file.path_ = path;
  file.exists_ = document.has_value();
  if (document) file.root_ = *document;
  if (!file.root_ || file.root_.IsNull()) file.root_ = YAML::Node(YAML::NodeType::Map);
  file.reparse();
  return file;
}

void ConfigFile::reparse() {
  config_ = parse(path_, root_);
}

void ConfigFile::set_default_profile(const std::string& name) {
  root_["default_profile"] = name;
  reparse();
}

void ConfigFile::put_profile(const Profile& profile) {
  YAML::Node node = root_["profiles"][profile.name];
  for (const ProfileKey& key : profile_keys()) {
    std::visit(
        [&](auto field) {
          if (const auto& value = profile.*field) node[std::string(key.name)] = *value;
        },
        key.field);
  }
  reparse();
}

bool ConfigFile::remove_profile(const std::string& name) {
  YAML::Node profiles = root_["profiles"];
  if (!profiles || !profiles.IsMap() || !profiles[name]) return false;
  profiles.remove(name);
  reparse();
  return true;
}

void ConfigFile::clear() {
  root_ = YAML::Node(YAML::NodeType::Map);
  reparse();
}

void ConfigFile::save() {
  YAML::Emitter out;
  out << root_;
  write_private_file(path_, std::string(out.c_str()) + "\n");
  exists_ = true;
}

}  // namespace xnatctl::config
