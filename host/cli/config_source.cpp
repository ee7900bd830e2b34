#include "cli/config_source.hpp"

#include "xnatctl/config/environment.hpp"
#include "xnatctl/config/paths.hpp"
#include "xnatctl/error.hpp"

namespace xnatctl::host {

ConfigSource::ConfigSource(std::filesystem::path path) : path_(std::move(path)) {}

std::shared_ptr<ConfigSource> ConfigSource::for_process() {
  return std::make_shared<ConfigSource>(config::config_file_path(config::Environment::process()));
}

const std::optional<YAML::Node>& ConfigSource::document() {
  if (document_error_)
    throw Error(document_error_->first, static_cast<ExitCode>(document_error_->second));
  if (!read_) {
    try {
      document_ = config::ConfigFile::read_document(path_);
      read_ = true;
    } catch (const Error& e) {
      document_error_.emplace(e.what(), static_cast<int>(e.code()));
      throw;
    }
  }
  return document_;
}

std::shared_ptr<const config::ConfigFile> ConfigSource::file() {
  if (file_error_) throw Error(file_error_->first, static_cast<ExitCode>(file_error_->second));
  if (!loaded_) {
    const auto& doc = document();
    try {
      loaded_ =
          std::make_shared<const config::ConfigFile>(config::ConfigFile::from_document(path_, doc));
    } catch (const Error& e) {
      file_error_.emplace(e.what(), static_cast<int>(e.code()));
      throw;
    }
  }
  return loaded_;
}

}  // namespace xnatctl::host
