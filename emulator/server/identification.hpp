// Project / subject / session identification from DICOM headers (reference §7.3): `Key: value`
// assignments in PatientComments, StudyComments, AdditionalPatientHistory; then StudyDescription
// and AccessionNumber for the project (only if they name an existing project); PatientName for
// the subject and PatientID for the session label.
#pragma once

#include <functional>
#include <optional>
#include <string>

namespace xnatctl::emulator {

struct HeaderFields {
  std::string patient_comments, study_comments, additional_patient_history, study_description,
      accession_number, patient_name, patient_id;
};

struct Identification {
  std::string project;  // empty = Unassigned
  std::string subject;
  std::string session;
  std::optional<bool> auto_archive;  // `AA:` assignment
};

// The value of `key: value` inside `text` per dicom-xnat's ContainedAssignmentExtractor
// (case-insensitive key, value made of [\w-], bounded by start/end, whitespace, ',' or ';').
std::optional<std::string> extract_assignment(const std::string& text, const std::string& key);

Identification identify(const HeaderFields& fields,
                        const std::function<bool(const std::string&)>& project_exists);

}  // namespace xnatctl::emulator
