// The send order: the session's first object alone, then each scan's first object, then the
// rest of each scan in parallel. Driven step by step (try_next never blocks).

#include <catch2/catch.hpp>
#include <thread>

#include "scan_schedule.hpp"

using rest_gradual::scan_key;
using rest_gradual::ScanSchedule;
using State = ScanSchedule::State;

namespace {

std::size_t take(ScanSchedule& s) {
  const auto step = s.try_next();
  REQUIRE(step.state == State::kFile);
  return step.file;
}

}  // namespace

TEST_CASE("scan keys follow XNAT's scan folders", "[schedule]") {
  CHECK(scan_key(std::string("3"), std::string("1.2.3")) == "number:3");
  CHECK(scan_key(std::string(" 3 "), std::nullopt) == "number:3");
  CHECK(scan_key(std::string("a/b"), std::string("1.2.3")) == "uid:1.2.3");
  CHECK(scan_key(std::nullopt, std::string("1.2.3")) == "uid:1.2.3");
  CHECK(scan_key(std::nullopt, std::nullopt) == "NA");
  CHECK(scan_key(std::string(".."), std::string(" ")) == "NA");
}

TEST_CASE("the session's first object goes alone, then each scan's first", "[schedule]") {
  // Files 0,1,2 in scan A; 3,4 in scan B; 5 in scan C.
  ScanSchedule s({0, 1, 2, 3, 4, 5}, {"A", "A", "A", "B", "B", "C"});
  CHECK(s.scan_count() == 3);
  CHECK(take(s) == 0);
  CHECK(s.try_next().state == State::kWait);  // nothing else until the session exists
  s.finished(0, true);
  // Now the leaders of B and C first, then the rest of A (open).
  CHECK(take(s) == 3);
  CHECK(take(s) == 5);
  CHECK(take(s) == 1);
  CHECK(take(s) == 2);
  CHECK(s.try_next().state == State::kWait);  // 4 waits for B's first object
  s.finished(3, true);
  CHECK(take(s) == 4);
  for (std::size_t f : {1, 2, 4, 5}) s.finished(f, true);
  CHECK(s.try_next().state == State::kDone);
}

TEST_CASE("a first object that fails hands the role to the scan's next file", "[schedule]") {
  ScanSchedule s({0, 1, 2, 3}, {"A", "A", "A", "B"});
  CHECK(take(s) == 0);
  s.finished(0, false);  // rejected: the session does not exist yet
  CHECK(take(s) == 1);   // A's next file leads, still alone
  CHECK(s.try_next().state == State::kWait);
  s.finished(1, true);
  CHECK(take(s) == 3);  // B's leader
  CHECK(take(s) == 2);
  s.finished(3, false);  // B has no more files: nothing waits for it
  s.finished(2, true);
  CHECK(s.try_next().state == State::kDone);
}

TEST_CASE("stop() wakes waiting workers and ends the schedule", "[schedule]") {
  ScanSchedule s({0, 1}, {"A", "A"});
  CHECK(take(s) == 0);
  std::optional<std::size_t> got = 99;
  std::thread waiter([&] { got = s.next(); });  // blocks: 1 waits for 0
  s.stop();
  waiter.join();
  CHECK_FALSE(got.has_value());
  CHECK(s.try_next().state == State::kDone);
}

TEST_CASE("a subset of a job's files is scheduled by job index", "[schedule]") {
  ScanSchedule s({7, 2}, {"B", "A"});
  CHECK(take(s) == 7);
  s.finished(7, true);
  CHECK(take(s) == 2);
  s.finished(2, true);
  CHECK(s.try_next().state == State::kDone);
}
