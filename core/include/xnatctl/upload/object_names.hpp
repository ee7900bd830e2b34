#pragma once

// Object names: the name each uploaded file is stored under on the server, handed to
// transports as sdk.h's xc_job_file.object_name (gradual-DICOM sends it as the URL
// remainder after /data/services/import/, xnat-server-api.md §11.5).
//
// XNAT holds a lock per (scan, file name): two parallel sends of one name into one scan fail
// with 400 "Concurrent file sends of the same data is not supported." (the Python tool sends
// every object as `upload.dcm`). So every file gets a name of its own, unique among all the
// files of the run, decided before --resume, --split-studies or routers leave files out of
// a job: a resumed run then sends each file under the name the first run used, and XNAT
// replaces that SOP instance instead of storing a second copy.
//
// The archive bodies' entry names (entry_names.hpp, same source file) are another policy:
// XNAT keeps only an entry's last path component, so entries keep the user's tree and file
// names there, while an object name must be one URL path segment.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "xnatctl/upload/job.hpp"

namespace xnatctl::upload {

// Longest object name: file systems hold 255 bytes per name and XNAT may add a suffix.
constexpr std::size_t kMaxObjectName = 200;

// The name for `relative_path` before uniqueness: its components ("", ".", ".." dropped)
// joined with '_'; every character other than A-Z a-z 0-9 . _ - ~ (one per UTF-8 code
// point, one per byte that is not well-formed UTF-8) replaced by '_'; leading dots removed;
// "object" when nothing is left. Longer than kMaxObjectName: a 16-hex-digit digest of the
// path, '_', and the end of the name (which keeps the extension and usually the
// distinguishing part). Needs no escaping in a URL path and is a file name on any system.
std::string object_name(std::string_view relative_path);

// Every file's object name: its own object_name where set, else one unique, ignoring ASCII
// case, among all the files' names, claimed in order. The first file to claim a name keeps
// it; a later file whose name is taken (e.g. "a_b/c.dcm" after "a/b_c.dcm") gets '~' and 8
// hex digits of its own path's digest before the extension (a counter follows should that
// be taken too).
std::vector<std::string> object_names(const std::vector<JobFile>& files);

// Sets every file's object_name from object_names(); discover() calls it on all it finds.
void assign_object_names(std::vector<JobFile>& files);

}  // namespace xnatctl::upload
