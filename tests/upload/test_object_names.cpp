// Object names: what each file is stored as on the server (object_names.hpp; sdk.h
// xc_job_file.object_name; xnat-server-api.md §11.5). These are the guarantees sdk.h promises.

#include <catch2/catch.hpp>
#include <set>
#include <string>
#include <vector>

#include "xnatctl/upload/object_names.hpp"

using xnatctl::upload::assign_object_names;
using xnatctl::upload::JobFile;
using xnatctl::upload::kMaxObjectName;
using xnatctl::upload::object_name;
using xnatctl::upload::object_names;

namespace {

std::vector<JobFile> files_of(const std::vector<std::string>& paths) {
  std::vector<JobFile> files;
  for (const auto& p : paths) {
    JobFile f;
    f.relative_path = p;
    files.push_back(std::move(f));
  }
  return files;
}

bool url_safe(const std::string& name) {
  for (unsigned char c : name) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-' || c == '~';
    if (!ok) return false;
  }
  return !name.empty() && name.size() <= kMaxObjectName && name.front() != '.';
}

}  // namespace

TEST_CASE("object names flatten the relative path into one URL-safe file name", "[names]") {
  CHECK(object_name("IM0001.dcm") == "IM0001.dcm");
  CHECK(object_name("DICOM/SE1/IM0001") == "DICOM_SE1_IM0001");
  CHECK(object_name("../../etc/passwd") == "etc_passwd");
  CHECK(object_name("/abs//./x.dcm") == "abs_x.dcm");
  CHECK(object_name("a\\b:c*d?e\"f<g>h|i") == "a_b_c_d_e_f_g_h_i");
  CHECK(object_name("a b#c%d&e+f=g") == "a_b_c_d_e_f_g");  // nothing a URL would escape
  CHECK(object_name(std::string("ctl\x01\x7f.dcm")) == "ctl__.dcm");
  CHECK(object_name(std::string("bad\xff\xfe.dcm")) == "bad__.dcm");
  CHECK(object_name("caf\xc3\xa9.dcm") == "caf_.dcm");      // one '_' per code point
  CHECK(object_name(".hidden/.x.dcm") == "hidden_.x.dcm");  // no leading dot
  CHECK(object_name("..") == "object");
  CHECK(object_name("") == "object");
  CHECK(object_name("1.2.840.113619.2.1.1") == "1.2.840.113619.2.1.1");
  CHECK(object_name("x-y_z~1.2") == "x-y_z~1.2");
}

TEST_CASE("long names are shortened deterministically and keep their end", "[names]") {
  const std::string deep = std::string(150, 'd') + "/" + std::string(150, 'e') + "/IM0001.dcm";
  const std::string name = object_name(deep);
  CHECK(name.size() == kMaxObjectName);
  CHECK(name.substr(name.size() - 11) == "_IM0001.dcm");
  CHECK(object_name(deep) == name);
  // Another path with the same tail gets another digest.
  const std::string other = std::string(150, 'x') + "/" + std::string(150, 'e') + "/IM0001.dcm";
  CHECK(object_name(other) != name);
  CHECK(url_safe(name));
}

TEST_CASE("names are unique in the run, ignoring case, and depend on paths only", "[names]") {
  auto files = files_of({"a/b_c.dcm", "a_b/c.dcm", "a/b/c.dcm", "IM1.DCM", "im1.dcm"});
  assign_object_names(files);
  CHECK(files[0].object_name == "a_b_c.dcm");
  CHECK(files[1].object_name != files[0].object_name);
  CHECK(files[1].object_name.substr(files[1].object_name.size() - 4) == ".dcm");  // ext last
  CHECK(files[2].object_name != files[0].object_name);
  CHECK(files[2].object_name != files[1].object_name);
  CHECK(files[3].object_name == "IM1.DCM");
  CHECK(files[4].object_name != "im1.dcm");  // a case-insensitive file system: one file
  for (const auto& f : files) CHECK(url_safe(f.object_name));

  // The same clash in another run gives the same names: a resumed run names files alike.
  auto again = files_of({"a/b_c.dcm", "a_b/c.dcm", "a/b/c.dcm", "IM1.DCM", "im1.dcm"});
  CHECK(object_names(again) == std::vector<std::string>{files[0].object_name, files[1].object_name,
                                                        files[2].object_name, files[3].object_name,
                                                        files[4].object_name});

  std::set<std::string> seen;
  auto many = files_of(std::vector<std::string>(2000, "same/name.dcm"));
  assign_object_names(many);
  for (const auto& f : many) CHECK(seen.insert(f.object_name).second);
}

TEST_CASE("names already given are kept and never handed out twice", "[names]") {
  auto files = files_of({"x.dcm", "y.dcm"});
  files[0].object_name = "y.dcm";  // e.g. named by discovery before a job was cut
  const auto names = object_names(files);
  CHECK(names[0] == "y.dcm");
  CHECK(names[1] != "y.dcm");
  CHECK(names[1].substr(names[1].size() - 4) == ".dcm");
}

TEST_CASE("a tag on a name at the length bound keeps it within the bound", "[names]") {
  const std::string tail = std::string(kMaxObjectName - 6, 'w') + ".dcm";
  const std::string wide = "a_" + tail;  // exactly kMaxObjectName
  auto files = files_of({"a/" + tail, "a_" + tail});
  assign_object_names(files);
  CHECK(files[0].object_name == wide);
  CHECK(files[1].object_name != wide);
  CHECK(files[1].object_name.size() <= kMaxObjectName);
  CHECK(files[1].object_name.substr(files[1].object_name.size() - 4) == ".dcm");
}
