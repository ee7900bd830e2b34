#pragma once

// Header-only reading of DICOM objects: what the client needs to route, name and group files
// (the fields XNAT's importer and its DicomObjectIdentifier look at) without touching pixel data.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace xnatctl::dicom {

// Values are the element's string value as DCMTK renders it (multi-valued elements joined with
// '\'); an absent or empty element is an empty string.
struct DicomAttributes {
  std::string sop_class_uid, sop_instance_uid, study_instance_uid, series_instance_uid,
      series_number, instance_number, transfer_syntax_uid, modality, patient_name, patient_id,
      patient_comments, study_comments, additional_patient_history, study_description,
      accession_number, study_date, study_time, series_description;
  // (0002,0002) of a Part-10 file: the only place a DICOMDIR names its SOP Class.
  std::string media_storage_sop_class_uid;
  bool has_file_meta = false;  // Part-10 file (preamble + "DICM" + group 0002) vs bare dataset
};

// Reads the header only (stops before PixelData). Part-10 little endian files go through a
// fast scanner that reads just the header bytes; everything else is parsed by DCMTK. nullopt +
// reason for non-DICOM / truncated-header input. Bare datasets (no meta header) are accepted; their
// transfer syntax is the detected one. Thread-safe.
std::optional<DicomAttributes> probe_file(const std::filesystem::path& file,
                                          std::string* why_not = nullptr);
std::optional<DicomAttributes> probe_buffer(const void* data, std::size_t size,
                                            std::string* why_not = nullptr);

// probe_file for a regular file the caller has already opened (read-only) and stat'ed, so
// discovery pays for one open and one fstat per file. `fd` is read with pread (its offset is
// not used); `path` names the same file for the rare headers the fast path leaves to DCMTK.
std::optional<DicomAttributes> probe_open_file(int fd, std::uint64_t size, const std::string& path,
                                               std::string* why_not = nullptr);

// For an object being streamed (an archive member): `data`/`size` are its first bytes,
// `total_size` its full length. Sets *need_more to 0 when the answer is final (attributes, or
// nullopt + reason), or to a larger prefix length (at most total_size) to call again with
// when the header runs past `size`.
std::optional<DicomAttributes> probe_prefix(const void* data, std::size_t size,
                                            std::uint64_t total_size, std::size_t* need_more,
                                            std::string* why_not = nullptr);

// Cheap magic check used by file discovery: 128-byte preamble + "DICM".
bool has_part10_magic(const std::filesystem::path& file);

// Initialises DCMTK for this process once (quiet logging, dictionary check). Called by the
// functions above before they hand a header to DCMTK (the fast path needs no dictionary, and
// loading it costs tens of milliseconds a process); exposed so other DICOM code (generator,
// receiver) shares one policy.
// Throws std::runtime_error if DCMTK's data dictionary is not loaded.
void ensure_dcmtk_initialised();

}  // namespace xnatctl::dicom
