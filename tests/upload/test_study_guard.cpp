// The study guard on jobs made from real discoveries (xnat-gen-session studies) and on
// hand-made jobs where the order of StudyDate/StudyTime matters.
#include <catch2/catch.hpp>

#include "upload_test_support.hpp"
#include "xnatctl/error.hpp"
#include "xnatctl/upload/discovery.hpp"
#include "xnatctl/upload/study_guard.hpp"

using namespace upload_test;
using namespace xnatctl::upload;

namespace {

Job job_from(const fs::path& source) {
  Job job;
  job.target = {"http://127.0.0.1:1", "P1", "S1", "MR1"};
  job.transport = "rest_zip";
  const Discovery d = discover(source);
  job.source = d.source;
  job.source_kind = d.kind;
  job.files = d.files;
  return job;
}

JobFile file_of(const std::string& uid, const std::string& date, const std::string& time,
                const std::string& name) {
  JobFile f;
  f.relative_path = name;
  f.attributes.study_instance_uid = uid;
  f.attributes.study_date = date;
  f.attributes.study_time = time;
  return f;
}

}  // namespace

TEST_CASE("one study passes the guard unchanged", "[upload][study_guard]") {
  TempDir tmp("guard");
  gen_session(tmp.path / "one", 1, 2, 3);
  const Job job = job_from(tmp.path / "one");
  REQUIRE(job.files.size() == 6);
  REQUIRE(studies_of(job).size() == 1);
  for (auto policy :
       {MultiStudyPolicy::kRefuse, MultiStudyPolicy::kSplit, MultiStudyPolicy::kMerge}) {
    const auto jobs = apply_study_guard(job, policy);
    REQUIRE(jobs.size() == 1);
    CHECK(jobs[0].target.session == "MR1");
    CHECK(jobs[0].files.size() == 6);
  }
}

TEST_CASE("two studies under one label are refused with a one-line way out",
          "[upload][study_guard]") {
  TempDir tmp("guard");
  gen_session(tmp.path / "two", 2, 1, 3);
  const Job job = job_from(tmp.path / "two");
  const auto studies = studies_of(job);
  REQUIRE(studies.size() == 2);
  try {
    apply_study_guard(job, MultiStudyPolicy::kRefuse);
    FAIL("two studies were not refused");
  } catch (const xnatctl::UsageError& e) {
    const std::string m = e.what();
    CHECK(m.find('\n') == std::string::npos);
    CHECK_THAT(m, Catch::StartsWith("2 studies under the session label 'MR1'"));
    CHECK_THAT(m, Catch::Contains(studies[0].study_instance_uid));
    CHECK_THAT(m, Catch::Contains(studies[1].study_instance_uid));
    CHECK_THAT(m, Catch::Contains("--split-studies"));
    CHECK_THAT(m, Catch::Contains("--allow-multi-study"));
    CHECK_THAT(m, Catch::Contains("MR1_1"));
  }
  const auto merged = apply_study_guard(job, MultiStudyPolicy::kMerge);
  REQUIRE(merged.size() == 1);
  CHECK(merged[0].files.size() == 6);
  CHECK(merged[0].target.session == "MR1");

  const auto split = apply_study_guard(job, MultiStudyPolicy::kSplit);
  REQUIRE(split.size() == 2);
  for (std::size_t n = 0; n < 2; ++n) {
    CHECK(split[n].target.session == "MR1_" + std::to_string(n + 1));
    CHECK(split[n].target.project == "P1");
    CHECK(split[n].transport == "rest_zip");
    REQUIRE(split[n].files.size() == 3);
    for (const auto& f : split[n].files) {
      CHECK(f.attributes.study_instance_uid == studies[n].study_instance_uid);
    }
    CHECK(std::is_sorted(
        split[n].files.begin(), split[n].files.end(),
        [](const JobFile& a, const JobFile& b) { return a.relative_path < b.relative_path; }));
  }
}

TEST_CASE("split studies are numbered in StudyDate/StudyTime order", "[upload][study_guard]") {
  Job job;
  job.target.session = "E";
  // Listed out of order on purpose: the later study's files come first.
  job.files = {file_of("2.25.9", "20240301", "080000", "a"),
               file_of("2.25.1", "20240301", "0730", "b"),
               file_of("2.25.5", "20231231", "235959", "c"),
               file_of("2.25.9", "20240301", "080000", "d"), file_of("2.25.7", "", "", "e")};
  const auto studies = studies_of(job);
  REQUIRE(studies.size() == 4);
  CHECK(studies[0].study_instance_uid == "2.25.5");
  CHECK(studies[1].study_instance_uid == "2.25.1");  // 07:30 before 08:00
  CHECK(studies[2].study_instance_uid == "2.25.9");
  CHECK(studies[3].study_instance_uid == "2.25.7");  // undated last
  CHECK(studies[2].files == std::vector<std::size_t>{0, 3});

  const auto split = apply_study_guard(job, MultiStudyPolicy::kSplit);
  REQUIRE(split.size() == 4);
  CHECK(split[0].target.session == "E_1");
  CHECK(split[0].files[0].relative_path == "c");
  CHECK(split[1].target.session == "E_2");
  CHECK(split[1].files[0].relative_path == "b");
  CHECK(split[2].target.session == "E_3");
  REQUIRE(split[2].files.size() == 2);
  CHECK(split[3].target.session == "E_4");
  CHECK(split_label("LABEL", 2) == "LABEL_2");

  // Many studies still make one readable line.
  try {
    apply_study_guard(job, MultiStudyPolicy::kRefuse);
    FAIL("not refused");
  } catch (const xnatctl::UsageError& e) {
    CHECK_THAT(std::string(e.what()), Catch::StartsWith("4 studies under the session label 'E'"));
  }
}
