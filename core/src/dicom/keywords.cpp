#include "xnatctl/dicom/keywords.hpp"

#include <array>
#include <utility>

namespace xnatctl::dicom {
namespace {

using Member = std::string DicomAttributes::*;

// One row per attribute the probe reads, under its DICOM keyword (PS3.6).
constexpr std::array<std::pair<std::string_view, Member>, 18> kKeywords{{
    {"SOPClassUID", &DicomAttributes::sop_class_uid},
    {"SOPInstanceUID", &DicomAttributes::sop_instance_uid},
    {"StudyInstanceUID", &DicomAttributes::study_instance_uid},
    {"SeriesInstanceUID", &DicomAttributes::series_instance_uid},
    {"SeriesNumber", &DicomAttributes::series_number},
    {"InstanceNumber", &DicomAttributes::instance_number},
    {"TransferSyntaxUID", &DicomAttributes::transfer_syntax_uid},
    {"Modality", &DicomAttributes::modality},
    {"PatientName", &DicomAttributes::patient_name},
    {"PatientID", &DicomAttributes::patient_id},
    {"PatientComments", &DicomAttributes::patient_comments},
    {"StudyComments", &DicomAttributes::study_comments},
    {"AdditionalPatientHistory", &DicomAttributes::additional_patient_history},
    {"StudyDescription", &DicomAttributes::study_description},
    {"AccessionNumber", &DicomAttributes::accession_number},
    {"StudyDate", &DicomAttributes::study_date},
    {"StudyTime", &DicomAttributes::study_time},
    {"SeriesDescription", &DicomAttributes::series_description},
}};

}  // namespace

std::optional<std::string_view> attribute(const DicomAttributes& attributes,
                                          std::string_view keyword) {
  for (const auto& [name, member] : kKeywords) {
    if (name == keyword) return attributes.*member;
  }
  return std::nullopt;
}

}  // namespace xnatctl::dicom
