#include "storage.hpp"

#include <Poco/DigestStream.h>
#include <Poco/MD5Engine.h>
#include <unistd.h>

#include <cctype>
#include <fstream>
#include <stdexcept>

namespace xnatctl::emulator {
namespace fs = std::filesystem;

// Absolute and normalised once, so confined() can compare paths component by component.
Storage::Storage(const fs::path& root, bool sink)
    : root_(fs::absolute(root).lexically_normal()), sink_(sink) {
  if (!root_.has_filename()) root_ = root_.parent_path();  // "/data/" -> "/data"
}

const fs::path& Storage::confined(const fs::path& path) const {
  const fs::path normal = path.lexically_normal();
  auto n = normal.begin();
  for (auto r = root_.begin(); r != root_.end(); ++r, ++n) {
    if (n == normal.end() || *n != *r)
      throw PathOutsideDataRoot("the path would leave the data directory");
  }
  if (n == normal.end() || n->empty())
    throw PathOutsideDataRoot("the path would replace the data directory itself");
  return path;
}

void Storage::prepare(bool reset) {
  fs::create_directories(root_);
  for (const char* part : {"prearchive", "archive", "tmp"}) {
    const auto dir = root_ / part;
    if (fs::exists(dir) && !fs::is_empty(dir)) {
      if (!reset && std::string(part) != "tmp")
        throw std::runtime_error("data directory " + root_.string() + " holds a previous run (" +
                                 part +
                                 "/ is not empty); the emulator does not reload state. Use an "
                                 "empty directory or --reset-data to wipe it.");
      fs::remove_all(dir);
    }
    fs::create_directories(dir);
  }
}

fs::path Storage::prearchive_session_dir(const std::string& project, const std::string& ts,
                                         const std::string& folder) const {
  if (!is_safe_component(ts) || !is_safe_component(folder) ||
      (!project.empty() && !is_safe_component(project)))
    throw PathOutsideDataRoot("invalid prearchive location " + project + "/" + ts + "/" + folder);
  // Unassigned sessions have no project level (§3.4.9).
  if (project.empty()) return confined(root_ / "prearchive" / ts / folder);
  return confined(root_ / "prearchive" / project / ts / folder);
}

fs::path Storage::archive_session_dir(const std::string& project, const std::string& label) const {
  if (!is_safe_component(project) || !is_safe_component(label))
    throw PathOutsideDataRoot("invalid archive location " + project + "/" + label);
  return confined(root_ / "archive" / project / "arc001" / label);
}

fs::path Storage::temp_path() {
  return root_ / "tmp" /
         ("up-" + std::to_string(::getpid()) + "-" + std::to_string(temp_counter_.fetch_add(1)));
}

bool is_safe_component(const std::string& name) {
  return !name.empty() && name != "." && name != ".." && name.find('/') == std::string::npos &&
         name.find('\\') == std::string::npos && name.find('\0') == std::string::npos;
}

bool is_xnat_id(const std::string& id) {
  if (id.empty() || id.size() > 255) return false;
  for (unsigned char c : id)
    if (!std::isalnum(c) && c != '_' && c != '-') return false;
  return true;
}

bool is_safe_relative_path(const std::string& path) {
  if (path.empty() || path.front() == '/') return false;
  std::size_t pos = 0;
  while (pos <= path.size()) {
    auto slash = path.find('/', pos);
    if (slash == std::string::npos) slash = path.size();
    std::string part = path.substr(pos, slash - pos);
    // A trailing slash (directory entry) yields one empty last part; anything else is unsafe.
    if (part.empty() && slash != path.size()) return false;
    if (!part.empty() && !is_safe_component(part)) return false;
    pos = slash + 1;
  }
  return true;
}

std::string md5_of_file(const fs::path& file) {
  Poco::MD5Engine md5;
  Poco::DigestOutputStream digest(md5);
  std::ifstream in(file, std::ios::binary);
  digest << in.rdbuf();
  digest.close();
  return Poco::DigestEngine::digestToHex(md5.digest());
}

void move_file(const fs::path& from, const fs::path& to) {
  fs::create_directories(to.parent_path());
  std::error_code ec;
  fs::rename(from, to, ec);
  if (!ec) return;
  fs::copy_file(from, to, fs::copy_options::overwrite_existing);
  fs::remove(from);
}

}  // namespace xnatctl::emulator
