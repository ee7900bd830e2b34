// The generator library, read back with the core header probe: UIDs follow derived_uid(), the
// routing labels land where XNAT looks for them, and the files are Part-10 with meta.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <set>

#include "session_generator.hpp"
#include "xnatctl/dicom/header_probe.hpp"

namespace fs = std::filesystem;
using namespace xnatctl::emulator;

namespace {
struct TempDir {
  fs::path path = fs::temp_directory_path() / ("xnat-gen-test-" + std::to_string(::getpid()));
  TempDir() { fs::create_directories(path); }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};
}  // namespace

TEST_CASE("generated files carry the derived UIDs and routing labels", "[generator]") {
  TempDir tmp;
  SessionSpec spec;
  spec.out_dir = tmp.path / "s";
  spec.studies = 2;
  spec.series = 2;
  spec.slices = 3;
  spec.rows = 32;
  spec.cols = 24;
  spec.seed = 42;
  spec.project = "P1";
  spec.subject = "SUBJ";
  spec.session = "SESS";
  const auto result = generate_session(spec);
  CHECK(result.files == 12);
  CHECK(result.bytes > 12u * 32u * 24u * 2u);

  std::set<std::string> sop_uids;
  for (int k = 1; k <= 2; ++k) {
    for (int s = 1; s <= 2; ++s) {
      for (int z = 1; z <= 3; ++z) {
        const auto f = spec.out_dir / ("study" + std::to_string(k)) /
                       ("series" + std::to_string(s)) / ("IM0000" + std::to_string(z) + ".dcm");
        INFO(f.string());
        CHECK(xnatctl::dicom::has_part10_magic(f));
        auto a = xnatctl::dicom::probe_file(f);
        REQUIRE(a.has_value());
        CHECK(a->has_file_meta);
        CHECK(a->transfer_syntax_uid == "1.2.840.10008.1.2.1");
        CHECK(a->sop_class_uid == "1.2.840.10008.5.1.4.1.1.4");
        CHECK(a->study_instance_uid == derived_uid(42, 1, k));
        CHECK(a->series_instance_uid == derived_uid(42, 2, k, s));
        CHECK(a->sop_instance_uid == derived_uid(42, 3, k, s, z));
        CHECK(a->series_number == std::to_string(s));
        CHECK(a->instance_number == std::to_string(z));
        CHECK(a->modality == "MR");
        CHECK(a->patient_name == "SUBJ");
        CHECK(a->patient_id == "SESS_" + std::to_string(k));
        CHECK(a->patient_comments ==
              "Project: P1 Subject: SUBJ Session: SESS_" + std::to_string(k));
        sop_uids.insert(a->sop_instance_uid);
      }
    }
  }
  CHECK(sop_uids.size() == 12);
}

TEST_CASE("derived UIDs are valid 2.25 UIDs and depend on every input", "[generator]") {
  std::set<std::string> seen;
  for (std::uint64_t seed : {0ull, 1ull, 2ull, ~0ull}) {
    for (std::uint64_t kind = 1; kind <= 4; ++kind) {
      for (std::uint64_t a = 0; a < 3; ++a) {
        const auto uid = derived_uid(seed, kind, a, 1, 1);
        CHECK(uid.rfind("2.25.", 0) == 0);
        CHECK(uid.size() <= 64);
        CHECK(uid.find_first_not_of("0123456789", 5) == std::string::npos);
        CHECK(uid[5] != '0');
        seen.insert(uid);
      }
    }
  }
  CHECK(seen.size() == 4 * 4 * 3);
  CHECK(derived_uid(1, 3, 1, 1, 1) == derived_uid(1, 3, 1, 1, 1));
}

TEST_CASE("CT + implicit VR and default labels", "[generator]") {
  TempDir tmp;
  SessionSpec spec;
  spec.out_dir = tmp.path / "ct";
  spec.series = 1;
  spec.slices = 1;
  spec.rows = spec.cols = 16;
  spec.seed = 5;
  spec.modality = "CT";
  spec.implicit_vr = true;
  generate_session(spec);
  auto a = xnatctl::dicom::probe_file(spec.out_dir / "study1/series1/IM00001.dcm");
  REQUIRE(a.has_value());
  CHECK(a->transfer_syntax_uid == "1.2.840.10008.1.2");
  CHECK(a->sop_class_uid == "1.2.840.10008.5.1.4.1.1.2");
  CHECK(a->modality == "CT");
  CHECK(a->patient_name == "SYN5");
  CHECK(a->patient_id == "SYN5_CT1");
  CHECK(a->patient_comments.empty());
}

TEST_CASE("invalid specs are refused before anything is written", "[generator]") {
  TempDir tmp;
  SessionSpec spec;
  spec.out_dir = tmp.path / "bad";
  spec.slices = 0;
  CHECK_THROWS(generate_session(spec));
  spec.slices = 1;
  spec.modality = "US";
  CHECK_THROWS(generate_session(spec));
  spec.modality = "MR";
  spec.session = "a.b";  // dots are not allowed in XNAT assignment values
  CHECK_THROWS(generate_session(spec));
  CHECK_FALSE(fs::exists(spec.out_dir));
}
