#pragma once

// The name each gradual-DICOM object is sent under: POST /data/services/import/<name>.
//
// XNAT stores an object under the name in the URL (xnat-server-api.md §11.5) and holds a lock
// per (scan, name): two parallel sends of one name into one scan fail with 400 "Concurrent
// file sends of the same data is not supported." (the Python tool sends every object as
// `upload.dcm`, which is the real cause of its "transient 400s"). So every object gets a name
// of its own, derived from its relative path only, so that a resumed run sends a file under
// the same name as the first run did (XNAT then overwrites the same SOP instance instead of
// storing a second copy).

#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_set>

namespace rest_gradual {

// Longest name sent; file systems hold 255 bytes per name and XNAT may add a suffix.
constexpr std::size_t kMaxObjectName = 200;

// One file name for `relative_path`: its components ("", ".", ".." dropped) joined with '_',
// with bytes a file name cannot hold (control characters, `\ / : * ? " < > |`, bytes that
// are not well-formed UTF-8) replaced by '_' and leading dots removed; "object" when nothing
// is left. Longer than kMaxObjectName: a 16-hex-digit digest of the path, '_', and the end
// of the name (which keeps the extension and usually the distinguishing part).
std::string object_name(std::string_view relative_path);

// Names unique within one job. The first file to claim a name keeps it; a later file whose
// name is taken (e.g. "a_b/c.dcm" and "a/b_c.dcm") gets "~" and the digest of its own
// relative path before the extension, so the result still depends only on that path; a
// counter follows in the (astronomically unlikely) case that is taken too.
class ObjectNames {
 public:
  std::string claim(std::string_view relative_path);

 private:
  std::unordered_set<std::string> used_;
};

// `name` percent-encoded for a URL path segment: everything but A-Z a-z 0-9 - . _ ~ is
// escaped (the host sends request paths as given).
std::string path_segment(std::string_view name);

}  // namespace rest_gradual
