#include "scan_schedule.hpp"

#include <algorithm>
#include <map>

namespace rest_gradual {
namespace {

std::string trimmed(const std::string& text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return "";
  return text.substr(first, text.find_last_not_of(" \t\r\n") - first + 1);
}

}  // namespace

std::string scan_key(const std::optional<std::string>& series_number,
                     const std::optional<std::string>& series_uid) {
  if (series_number) {
    const std::string number = trimmed(*series_number);
    if (!number.empty() && number != "." && number != ".." &&
        number.find_first_of("/\\:*?\"<>|") == std::string::npos)
      return "number:" + number;
  }
  if (series_uid && !trimmed(*series_uid).empty()) return "uid:" + trimmed(*series_uid);
  return "NA";
}

ScanSchedule::ScanSchedule(const std::vector<std::size_t>& files,
                           const std::vector<std::string>& scan_of) {
  std::map<std::string, std::size_t> ordinal;
  std::size_t largest = 0;
  for (std::size_t k = 0; k < files.size(); ++k) largest = std::max(largest, files[k] + 1);
  scan_of_file_.assign(largest, 0);
  for (std::size_t k = 0; k < files.size(); ++k) {
    const auto [it, added] = ordinal.emplace(scan_of.at(k), scans_.size());
    if (added) scans_.emplace_back();
    scans_[it->second].files.push_back(files[k]);
    scan_of_file_[files[k]] = it->second;
  }
  for (std::size_t s = 0; s < scans_.size(); ++s) need_leader_.push_back(s);
}

std::size_t ScanSchedule::lead_locked(std::size_t scan) {
  Scan& s = scans_[scan];
  const std::size_t file = s.files.front();
  s.files.pop_front();
  s.leader = file;
  if (!session_open_) session_leader_ = file;
  ++in_flight_;
  return file;
}

ScanSchedule::Step ScanSchedule::take_locked() {
  if (stopped_) return {State::kDone};
  if (!session_open_) {
    if (!session_leader_ && !need_leader_.empty()) {
      const std::size_t scan = need_leader_.front();
      need_leader_.pop_front();
      return {State::kFile, lead_locked(scan)};
    }
  } else {
    if (!need_leader_.empty()) {
      const std::size_t scan = need_leader_.front();
      need_leader_.pop_front();
      return {State::kFile, lead_locked(scan)};
    }
    if (!open_with_files_.empty()) {
      const std::size_t scan = *open_with_files_.begin();
      Scan& s = scans_[scan];
      const std::size_t file = s.files.front();
      s.files.pop_front();
      if (s.files.empty()) open_with_files_.erase(open_with_files_.begin());
      ++in_flight_;
      return {State::kFile, file};
    }
  }
  // Nothing to hand out now: more may come only from an answer still outstanding.
  return {in_flight_ > 0 ? State::kWait : State::kDone};
}

ScanSchedule::Step ScanSchedule::try_next() {
  std::lock_guard lock(mutex_);
  return take_locked();
}

std::optional<std::size_t> ScanSchedule::next() {
  std::unique_lock lock(mutex_);
  for (;;) {
    const Step step = take_locked();
    if (step.state == State::kFile) return step.file;
    if (step.state == State::kDone) return std::nullopt;
    changed_.wait(lock);
  }
}

void ScanSchedule::finished(std::size_t file, bool stored) {
  {
    std::lock_guard lock(mutex_);
    if (in_flight_ > 0) --in_flight_;
    if (session_leader_ == file) {
      session_leader_.reset();
      if (stored) session_open_ = true;
    }
    const std::size_t scan = file < scan_of_file_.size() ? scan_of_file_[file] : 0;
    if (scan < scans_.size() && scans_[scan].leader == file) {
      Scan& s = scans_[scan];
      s.leader.reset();
      if (stored) {
        s.open = true;
        if (!s.files.empty()) open_with_files_.insert(scan);
      } else if (!s.files.empty()) {
        need_leader_.push_front(scan);  // the scan's next file takes over at once
      }
    }
  }
  changed_.notify_all();
}

void ScanSchedule::stop() {
  {
    std::lock_guard lock(mutex_);
    stopped_ = true;
  }
  changed_.notify_all();
}

}  // namespace rest_gradual
