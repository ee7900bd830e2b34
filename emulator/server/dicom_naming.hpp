// XNAT's DICOM file-name template and scan-folder rule (reference §3.9, §3.4.7).
#pragma once

#include <string>

namespace xnatctl::emulator {

// Java String.hashCode of a UTF-16 string (ASCII input here), 32-bit wrap.
std::int32_t java_string_hash(const std::string& s);
// Java List.hashCode of [a, b]: 31*(31*1 + h(a)) + h(b).
std::int32_t java_list_hash(const std::string& a, const std::string& b);
// Unsigned 32-bit value in lower-case base 36 (Long.toString(x & 0xffffffffL, 36)).
std::string to_base36(std::uint32_t value);

// `${StudyInstanceUID}-${SeriesNumber}-${InstanceNumber}-${HashSOPClassUIDWithSOPInstanceUID}.dcm`,
// with `no-value-for-<Keyword>` for blank values and leading dots stripped (§3.9).
std::string template_file_name(const std::string& study_uid, const std::string& series_number,
                               const std::string& instance_number, const std::string& sop_class_uid,
                               const std::string& sop_instance_uid);

// Scan folder: SeriesNumber if it is a valid file name, else the SeriesInstanceUID in label
// characters, else "NA" (dicom-xnat Restructurer, §3.4.7).
std::string scan_folder_for(const std::string& series_number, const std::string& series_uid);

// A label-safe version of a string (letters, digits, '_' and '-'; others become '_').
std::string to_label_chars(const std::string& s);

// Uploaded file name made safe for storing (last path component, unsafe chars replaced);
// empty if nothing usable remains.
std::string sanitize_file_name(const std::string& name);

}  // namespace xnatctl::emulator
