// Object names: what XNAT stores each gradual-DICOM object as (xnat-server-api.md §11.5).

#include <catch2/catch.hpp>
#include <set>

#include "object_names.hpp"

using rest_gradual::kMaxObjectName;
using rest_gradual::object_name;
using rest_gradual::ObjectNames;
using rest_gradual::path_segment;

TEST_CASE("object names flatten the relative path into one safe file name", "[names]") {
  CHECK(object_name("IM0001.dcm") == "IM0001.dcm");
  CHECK(object_name("DICOM/SE1/IM0001") == "DICOM_SE1_IM0001");
  CHECK(object_name("../../etc/passwd") == "etc_passwd");
  CHECK(object_name("/abs//./x.dcm") == "abs_x.dcm");
  CHECK(object_name("a\\b:c*d?e\"f<g>h|i") == "a_b_c_d_e_f_g_h_i");
  CHECK(object_name(std::string("ctl\x01\x7f.dcm")) == "ctl__.dcm");
  CHECK(object_name(std::string("bad\xff\xfe.dcm")) == "bad__.dcm");
  CHECK(object_name("caf\xc3\xa9.dcm") == "caf\xc3\xa9.dcm");  // UTF-8 kept
  CHECK(object_name(".hidden/.x.dcm") == "hidden_.x.dcm");     // no leading dot
  CHECK(object_name("..") == "object");
  CHECK(object_name("") == "object");
  CHECK(object_name("1.2.840.113619.2.1.1") == "1.2.840.113619.2.1.1");
}

TEST_CASE("long names are shortened deterministically and keep their end", "[names]") {
  const std::string deep = std::string(150, 'd') + "/" + std::string(150, 'e') + "/IM0001.dcm";
  const std::string name = object_name(deep);
  CHECK(name.size() <= kMaxObjectName);
  CHECK(name.size() > 100);
  CHECK(name.substr(name.size() - 11) == "_IM0001.dcm");
  CHECK(object_name(deep) == name);
  // Another path with the same tail gets another digest.
  const std::string other = std::string(150, 'x') + "/" + std::string(150, 'e') + "/IM0001.dcm";
  CHECK(object_name(other) != name);
  // A multi-byte character is never cut in half.
  std::string wide;
  for (int i = 0; i < 150; ++i) wide += "\xc3\xa9";
  const std::string cut = object_name(wide);
  CHECK(cut.size() <= kMaxObjectName);
  CHECK((static_cast<unsigned char>(cut[17]) & 0xC0) != 0x80);
}

TEST_CASE("names are unique within a job and depend only on the file's own path", "[names]") {
  ObjectNames names;
  const std::string first = names.claim("a_b/c.dcm");
  const std::string second = names.claim("a/b_c.dcm");  // flattens to the same name
  const std::string third = names.claim("a/b/c.dcm");
  CHECK(first == "a_b_c.dcm");
  CHECK(second != first);
  CHECK(third != first);
  CHECK(third != second);
  CHECK(second.size() > 4);
  CHECK(second.substr(second.size() - 4) == ".dcm");  // the extension stays last
  // The same clash in another job gives the same name: a resumed run names files alike.
  ObjectNames again;
  again.claim("a_b/c.dcm");
  CHECK(again.claim("a/b_c.dcm") == second);

  std::set<std::string> seen;
  ObjectNames many;
  for (int i = 0; i < 2000; ++i) CHECK(seen.insert(many.claim("same/name.dcm")).second);
}

TEST_CASE("path segments are percent-encoded", "[names]") {
  CHECK(path_segment("IM0001.dcm") == "IM0001.dcm");
  CHECK(path_segment("a b#c?d%e&f+g/h") == "a%20b%23c%3Fd%25e%26f%2Bg%2Fh");
  CHECK(path_segment("caf\xc3\xa9") == "caf%C3%A9");
  CHECK(path_segment("x-y_z~1.2") == "x-y_z~1.2");
}
