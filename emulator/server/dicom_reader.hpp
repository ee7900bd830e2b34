// How the emulator reads (and, with --rewrite-header, re-writes) the DICOM objects it
// receives: with DCMTK's own parser, as XNAT reads with dcm4che. It deliberately shares no
// code with the client's header probe (core/dicom), so a bug there cannot hide on both sides
// of a test.
#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>

namespace xnatctl::emulator {

// The attributes the importer looks at (§3.4, §7.3); DCMTK's string rendering, multi-valued
// elements joined with '\', absent ones empty.
struct ObjectHeader {
  std::string sop_class_uid, sop_instance_uid, study_instance_uid, series_instance_uid,
      series_number, instance_number, modality, patient_name, patient_id, patient_comments,
      study_comments, additional_patient_history, study_description, accession_number, study_date,
      study_time, series_description;
};

// Parses the header in `data` (a Part-10 file or a bare dataset), stopping at PixelData.
// `complete` says `data` is the whole object; when it is only a prefix and the header runs
// past it, the answer is nullopt with *why = "" (read the whole object with read_header_file).
std::optional<ObjectHeader> read_header(const void* data, std::size_t size, bool complete,
                                        std::string* why);
std::optional<ObjectHeader> read_header_file(const std::filesystem::path& file, std::string* why);

// Re-writes a stored object the way XNAT's GradualDicomImporter.write does: a new file meta
// header and a re-encoded dataset in the object's own transfer syntax (group lengths
// recalculated, explicit lengths). The file's size and digest change accordingly; catalog
// listings read both from the stored file. False (+ why) if DCMTK cannot re-write it.
bool rewrite_like_xnat(const std::filesystem::path& file, std::string* why);

}  // namespace xnatctl::emulator
