// Names for messages and the dry run: "CTImageStorage (1.2.840.10008.5.1.4.1.1.2)",
// "JPEG Lossless, Non-hierarchical, First-Order Prediction (1.2.840.10008.1.2.4.70)".
#pragma once

#include <string>

namespace cstore {

std::string sop_class_name(const std::string& uid);
std::string syntax_name(const std::string& uid);

}  // namespace cstore
