#include <catch2/catch.hpp>

#include "dimse_status.hpp"

using cstore::classify;
using cstore::StatusClass;

TEST_CASE("DIMSE statuses: success and warnings count as stored") {
  CHECK(classify(0x0000) == StatusClass::kSuccess);
  for (std::uint16_t s : {0xB000, 0xB006, 0xB007, 0x0001, 0x0107, 0x0116})
    CHECK(classify(s) == StatusClass::kWarning);
}

TEST_CASE("DIMSE statuses: out of resources is transient, other failures are refusals") {
  CHECK(classify(0xA700) == StatusClass::kTransient);
  CHECK(classify(0xA7FF) == StatusClass::kTransient);
  for (std::uint16_t s : {0xA900, 0xA9FF, 0xC000, 0xC123, 0x0122, 0x0124, 0x0110, 0x0211, 0xFE00})
    CHECK(classify(s) == StatusClass::kRefused);
}

TEST_CASE("DIMSE statuses are described with code, meaning and the receiver's comment") {
  CHECK(cstore::describe_status(0xB007) == "0xB007 data set does not match SOP class");
  CHECK(cstore::describe_status(0xA701) == "0xA701 out of resources");
  CHECK(cstore::describe_status(0xC005, "no SOP Class UID") ==
        "0xC005 cannot understand (receiver: no SOP Class UID)");
  CHECK(cstore::describe_status(0xA950) == "0xA950 data set does not match SOP class");
}
