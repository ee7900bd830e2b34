#include "plugins/init_failure_log.hpp"

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <sys/stat.h>

#include <fstream>
#include <sstream>

#include "xnatctl/config/environment.hpp"
#include "xnatctl/config/paths.hpp"
#include "xnatctl/config/private_file.hpp"

namespace xnatctl::host {
namespace fs = std::filesystem;
namespace {

struct FileIdentity {
  std::string key;    // canonical path
  std::string stamp;  // size and mtime in nanoseconds
};

std::optional<FileIdentity> identify(const fs::path& plugin) {
  std::error_code ec;
  const fs::path resolved = fs::canonical(plugin, ec);
  struct stat st {};
  if (ec || ::stat(resolved.c_str(), &st) != 0) return std::nullopt;
  const long long mtime_ns =
      static_cast<long long>(st.st_mtim.tv_sec) * 1000000000LL + st.st_mtim.tv_nsec;
  return FileIdentity{resolved.string(),
                      std::to_string(st.st_size) + ":" + std::to_string(mtime_ns)};
}

Poco::JSON::Object::Ptr read_log(const fs::path& file) {
  std::ifstream in(file);
  if (in) {
    try {
      return Poco::JSON::Parser().parse(in).extract<Poco::JSON::Object::Ptr>();
    } catch (...) {
      // A damaged log is no log: it only ever holds hints for `plugin list`.
    }
  }
  return new Poco::JSON::Object;
}

void write_log(const fs::path& file, const Poco::JSON::Object::Ptr& log) {
  std::ostringstream text;
  log->stringify(text, 2);
  text << '\n';
  try {
    config::write_private_file(file, text.str());
  } catch (...) {
    // Best effort (see the header).
  }
}

}  // namespace

InitFailureLog::InitFailureLog(fs::path file) : file_(std::move(file)) {}

InitFailureLog InitFailureLog::for_process() {
  try {
    return InitFailureLog(config::state_directory(config::Environment::process()) /
                          "plugin-init-failures.json");
  } catch (...) {
    return InitFailureLog({});
  }
}

std::optional<std::string> InitFailureLog::failure(const fs::path& plugin) const {
  if (file_.empty()) return std::nullopt;
  const auto id = identify(plugin);
  if (!id) return std::nullopt;
  const auto log = read_log(file_);
  const auto entry = log->getObject(id->key);
  if (!entry || entry->optValue<std::string>("file", "") != id->stamp) return std::nullopt;
  return entry->optValue<std::string>("reason", "init() failed");
}

void InitFailureLog::record(const fs::path& plugin, const std::string& reason) const {
  if (file_.empty()) return;
  const auto id = identify(plugin);
  if (!id) return;
  auto log = read_log(file_);
  Poco::JSON::Object::Ptr entry = new Poco::JSON::Object;
  entry->set("file", id->stamp);
  entry->set("reason", reason);
  log->set(id->key, entry);
  write_log(file_, log);
}

void InitFailureLog::clear(const fs::path& plugin) const {
  if (file_.empty() || !fs::exists(file_)) return;
  const auto id = identify(plugin);
  if (!id) return;
  auto log = read_log(file_);
  if (!log->has(id->key)) return;
  log->remove(id->key);
  write_log(file_, log);
}

}  // namespace xnatctl::host
