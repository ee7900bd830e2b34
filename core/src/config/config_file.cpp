#include "xnatctl/config/config_file.hpp"

#include <fstream>
#include <sstream>

#include "xnatctl/config/private_file.hpp"
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
    profile.url = read.text("url");
    profile.username = read.text("username");
    profile.password = read.text("password");
    profile.verify_ssl = read.boolean("verify_ssl");
    profile.timeout = read.integer("timeout");
    if (profile.timeout && *profile.timeout <= 0) {
      invalid(path, body["timeout"], "profiles." + profile.name + ".timeout must be positive");
    }
    profile.default_project = read.text("default_project");
    profile.workers = read.integer("workers");
    profile.overwrite = read.text("overwrite");
    profile.direct_archive = read.boolean("direct_archive");
    profile.archive_mode = read.text("archive_mode");
    profile.proxy = read.text("proxy");
    profile.ca_bundle = read.text("ca_bundle");
    config.profiles.push_back(std::move(profile));
  }
  return config;
}

}  // namespace

const Profile* Config::find(const std::string& name) const {
  for (const auto& profile : profiles) {
    if (profile.name == name) return &profile;
  }
  return nullptr;
}

ConfigFile ConfigFile::load(const std::filesystem::path& path) {
  ConfigFile file;
  file.path_ = path;
  std::ifstream in(path);
  if (!in) {
    if (std::filesystem::exists(path)) throw UsageError("cannot read config file " + path.string());
    file.root_ = YAML::Node(YAML::NodeType::Map);
    return file;
  }
  file.exists_ = true;
  try {
    file.root_ = YAML::Load(in);
  } catch (const YAML::ParserException& e) {
    throw UsageError(where(path, e.mark) + ": " + e.msg);
  }
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
  auto put = [&](const char* key, const auto& value) {
    if (value) node[key] = *value;
  };
  put("url", profile.url);
  put("username", profile.username);
  put("password", profile.password);
  put("verify_ssl", profile.verify_ssl);
  put("timeout", profile.timeout);
  put("default_project", profile.default_project);
  put("workers", profile.workers);
  put("overwrite", profile.overwrite);
  put("direct_archive", profile.direct_archive);
  put("archive_mode", profile.archive_mode);
  put("proxy", profile.proxy);
  put("ca_bundle", profile.ca_bundle);
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
