#pragma once

// Deterministic synthetic DICOM sessions for tests and benchmarks: the same spec always produces
// byte-identical files (UIDs are derived from the seed, DCMTK writes no timestamps).

#include <cstdint>
#include <filesystem>
#include <string>

namespace xnatctl::emulator {

struct SessionSpec {
  std::filesystem::path out_dir;
  int studies = 1;
  int series = 3;    // per study
  int slices = 200;  // per series
  int rows = 512;
  int cols = 512;
  std::uint64_t seed = 1;
  std::string modality = "MR";  // "MR" or "CT"
  bool implicit_vr = false;     // Implicit VR LE instead of Explicit VR LE
  // When any is non-empty, PatientComments (0010,4000) carries XNAT's routing assignment
  // "Project: P Subject: S Session: E" (xnat-server-api.md §7.3).
  std::string project, subject, session;
};

struct GeneratedSession {
  std::size_t files = 0;
  std::uintmax_t bytes = 0;
};

// Writes OUT/study<k>/series<s>/IM<nnnnn>.dcm (k, s, n from 1). Throws std::runtime_error.
GeneratedSession generate_session(const SessionSpec& spec);

// The 2.25 UID for (seed, parts...) exactly as the generator uses it; tests predict UIDs with it.
std::string derived_uid(std::uint64_t seed, std::uint64_t kind, std::uint64_t a = 0,
                        std::uint64_t b = 0, std::uint64_t c = 0);

// Session label / subject used for study k (1-based) of a spec (see generate_session).
std::string session_label(const SessionSpec& spec, int study);
std::string subject_label(const SessionSpec& spec);

}  // namespace xnatctl::emulator
