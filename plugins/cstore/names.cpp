#include "names.hpp"

#include <dcmtk/config/osconfig.h>  // must precede every other DCMTK header
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmdata/dcxfer.h>

namespace cstore {

std::string sop_class_name(const std::string& uid) {
  const char* name = dcmFindNameOfUID(uid.c_str(), nullptr);
  return name != nullptr ? std::string(name) + " (" + uid + ")" : uid;
}

std::string syntax_name(const std::string& uid) {
  const DcmXfer xfer(uid.c_str());
  return xfer.getXfer() != EXS_Unknown ? std::string(xfer.getXferName()) + " (" + uid + ")" : uid;
}

}  // namespace cstore
