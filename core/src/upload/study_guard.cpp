#include "xnatctl/upload/study_guard.hpp"

#include <algorithm>
#include <map>
#include <tuple>

#include "xnatctl/error.hpp"

namespace xnatctl::upload {
namespace {

// StudyTime may be written "HHMMSS.frac" or, in old files, "HH:MM:SS"; compare digits only so
// both order the same way.
std::string sortable_time(const std::string& time) {
  std::string out;
  for (char c : time) {
    if (c != ':') out.push_back(c);
  }
  return out;
}

// Studies with a date come first, in date order; undated ones follow.
auto order_key(const Study& s) {
  return std::make_tuple(s.date.empty(), s.date, s.time.empty(), sortable_time(s.time),
                         s.study_instance_uid);
}

// How one study is named in the refusal: its UID, and its description when it has one.
std::string describe(const Study& s) {
  std::string out = s.study_instance_uid.empty() ? "(no StudyInstanceUID)" : s.study_instance_uid;
  if (!s.description.empty()) out += " (" + s.description + ")";
  return out;
}

[[noreturn]] void refuse(const Job& job, const std::vector<Study>& studies) {
  // Long lists stay readable on one line: the first few studies, then a count.
  constexpr std::size_t kShown = 5;
  std::string list;
  for (std::size_t i = 0; i < studies.size() && i < kShown; ++i) {
    if (i > 0) list += ", ";
    list += describe(studies[i]);
  }
  if (studies.size() > kShown) list += " and " + std::to_string(studies.size() - kShown) + " more";
  throw UsageError(std::to_string(studies.size()) + " studies under the session label '" +
                   job.target.session + "': " + list +
                   "; add --split-studies to upload each study as its own session (" +
                   split_label(job.target.session, 1) + ", " + split_label(job.target.session, 2) +
                   ", ...) or --allow-multi-study to let XNAT merge them into one");
}

}  // namespace

std::vector<Study> studies_of(const Job& job) {
  std::vector<Study> studies;
  std::map<std::string, std::size_t> by_uid;
  for (std::size_t i = 0; i < job.files.size(); ++i) {
    const auto& a = job.files[i].attributes;
    auto [it, inserted] = by_uid.emplace(a.study_instance_uid, studies.size());
    if (inserted) {
      studies.push_back(
          {a.study_instance_uid, a.study_description, a.study_date, a.study_time, {}});
    }
    Study& s = studies[it->second];
    // The first file that carries a value speaks for the study.
    if (s.description.empty()) s.description = a.study_description;
    if (s.date.empty()) s.date = a.study_date;
    if (s.time.empty()) s.time = a.study_time;
    s.files.push_back(i);
  }
  std::sort(studies.begin(), studies.end(),
            [](const Study& x, const Study& y) { return order_key(x) < order_key(y); });
  return studies;
}

std::vector<Job> apply_study_guard(Job job, MultiStudyPolicy policy) {
  if (policy == MultiStudyPolicy::kMerge) return {std::move(job)};
  const std::vector<Study> studies = studies_of(job);
  if (studies.size() <= 1) return {std::move(job)};
  if (policy == MultiStudyPolicy::kRefuse) refuse(job, studies);

  std::vector<Job> jobs;
  jobs.reserve(studies.size());
  for (std::size_t n = 0; n < studies.size(); ++n) {
    Job part;
    part.target = job.target;
    part.target.session = split_label(job.target.session, n + 1);
    part.settings = job.settings;
    part.transport = job.transport;
    part.source = job.source;
    part.source_kind = job.source_kind;
    part.files.reserve(studies[n].files.size());
    for (const std::size_t i : studies[n].files) part.files.push_back(job.files[i]);
    jobs.push_back(std::move(part));
  }
  return jobs;
}

std::string split_label(const std::string& label, std::size_t study_number) {
  return label + "_" + std::to_string(study_number);
}

}  // namespace xnatctl::upload
