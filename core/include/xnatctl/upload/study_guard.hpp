#pragma once

// XNAT merges every file sent under one session label into one session, whatever study it
// came from. Several StudyInstanceUIDs under one -E label are almost always a mistake, so they
// are refused before anything is sent, unless the user says what they want.

#include <string>
#include <vector>

#include "xnatctl/upload/job.hpp"

namespace xnatctl::upload {

enum class MultiStudyPolicy {
  kRefuse,  // default: a one-line error listing the studies and the ways out
  kSplit,   // --split-studies: one session per study, labels LABEL_1, LABEL_2, ...
  kMerge,   // --allow-multi-study: send as one session, XNAT merges
};

struct Study {
  std::string study_instance_uid;
  std::string description, date, time;  // StudyDescription, StudyDate, StudyTime
  std::vector<std::size_t> files;       // indices into the job's files
};

// Studies of the job's files, ordered by StudyDate, StudyTime, then UID.
std::vector<Study> studies_of(const Job& job);

// Applies the policy: returns the job unchanged (one study, or kMerge), or one job per study
// (kSplit; labels "<session>_1", "<session>_2", ... in study order, files kept in order).
// kRefuse with several studies throws xnatctl::UsageError with one line naming how many
// studies, their UIDs (or descriptions) and the options --split-studies and
// --allow-multi-study.
std::vector<Job> apply_study_guard(Job job, MultiStudyPolicy policy);

// The label a split study gets (documented in the user docs): "<label>_<n>", n from 1.
std::string split_label(const std::string& label, std::size_t study_number);

}  // namespace xnatctl::upload
