// The receiver's C-STORE status for import failures (xnat-server-api.md §7.2): a concurrent
// send of the same object is the client's doing (XNAT's ClientException), so 0xC000 "cannot
// understand", never 0xA700 "out of resources", which senders retry as if the server were full.
#include <catch2/catch.hpp>

#include "object_ingest.hpp"

using xnatctl::emulator::c_store_status;
using xnatctl::emulator::IngestError;

TEST_CASE("import failures map to XNAT's C-STORE statuses", "[scp]") {
  CHECK(c_store_status(IngestError("unable to read DICOM object x", true)) == 0xC000);
  CHECK(c_store_status(IngestError("Concurrent file sends of the same data is not supported.",
                                   false, true)) == 0xC000);
  CHECK(c_store_status(IngestError("unable to merge a different StudyInstanceUID", false, true)) ==
        0xC000);
  CHECK(c_store_status(IngestError("cannot store IM1.dcm", false)) == 0xA700);
}
