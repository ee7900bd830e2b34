// The association planner, directly: contexts per (SOP class, transfer syntax), the
// uncompressed fallback only with --allow-transcode, and the split past 128 contexts.
#include <catch2/catch.hpp>

#include "plan.hpp"

using cstore::ContextKind;
using cstore::make_plan;
using cstore::PlanInput;

namespace {
constexpr const char* kCt = "1.2.840.10008.5.1.4.1.1.2";
constexpr const char* kMr = "1.2.840.10008.5.1.4.1.1.4";
constexpr const char* kJpegLossless = "1.2.840.10008.1.2.4.70";
constexpr const char* kRle = "1.2.840.10008.1.2.5";
}  // namespace

TEST_CASE("each (SOP class, transfer syntax) pair gets a context proposing only that syntax") {
  const std::vector<PlanInput> files = {{kCt, kJpegLossless},
                                        {kCt, kJpegLossless},
                                        {kCt, kRle},
                                        {kMr, cstore::kExplicitLittleEndian}};
  const auto plan = make_plan(files, false);
  REQUIRE(plan.associations.size() == 1);
  const auto& contexts = plan.associations[0].contexts;
  REQUIRE(contexts.size() == 4);  // Verification + 3 pairs
  CHECK(contexts[0].kind == ContextKind::kVerification);
  CHECK(contexts[0].id == 1);
  for (std::size_t i = 1; i < contexts.size(); ++i) {
    CHECK(contexts[i].kind == ContextKind::kExact);
    CHECK(contexts[i].transfer_syntaxes.size() == 1);
    CHECK(contexts[i].id == 2 * i + 1);
  }
  // The two JPEG files share a context; the RLE file has its own.
  CHECK(plan.files[0].exact_context == plan.files[1].exact_context);
  CHECK(plan.files[0].exact_context != plan.files[2].exact_context);
  CHECK(contexts[(plan.files[0].exact_context - 1) / 2].files == 2);
  for (const auto& f : plan.files) CHECK(f.fallback_context == 0);
}

TEST_CASE("the uncompressed fallback exists only with --allow-transcode, one per SOP class") {
  const std::vector<PlanInput> files = {{kCt, kJpegLossless}, {kCt, kRle}, {kMr, kRle}};
  const auto without = make_plan(files, false);
  for (const auto& c : without.associations[0].contexts) CHECK(c.kind != ContextKind::kFallback);

  const auto with = make_plan(files, true);
  const auto& contexts = with.associations[0].contexts;
  std::size_t fallbacks = 0;
  for (const auto& c : contexts) {
    if (c.kind != ContextKind::kFallback) continue;
    ++fallbacks;
    CHECK(c.transfer_syntaxes ==
          std::vector<std::string>{cstore::kExplicitLittleEndian, cstore::kImplicitLittleEndian});
  }
  CHECK(fallbacks == 2);
  CHECK(with.files[0].fallback_context == with.files[1].fallback_context);
  CHECK(with.files[0].fallback_context != with.files[2].fallback_context);
  const auto& fallback = contexts[(with.files[2].fallback_context - 1) / 2];
  CHECK(fallback.sop_class_uid == kMr);
}

TEST_CASE("more contexts than an association holds are split, each class kept whole") {
  std::vector<PlanInput> files;
  for (int c = 0; c < 130; ++c) files.push_back({"1.2.3.4." + std::to_string(c), kRle});
  const auto plan = make_plan(files, false);
  REQUIRE(plan.associations.size() == 2);
  CHECK(plan.associations[0].contexts.size() == 128);  // the most ids 1..255 allow
  CHECK(plan.associations[1].contexts.size() == 1 + 3);
  CHECK(plan.associations[0].contexts.back().id == 255);

  // With a fallback each class needs two contexts, which never straddle associations.
  const auto paired = make_plan(files, true);
  for (std::size_t i = 0; i < files.size(); ++i) {
    REQUIRE(paired.files[i].planned);
    const auto& a = paired.associations[paired.files[i].association];
    bool exact = false, fallback = false;
    for (const auto& c : a.contexts) {
      exact |= c.id == paired.files[i].exact_context && c.sop_class_uid == files[i].sop_class_uid;
      fallback |=
          c.id == paired.files[i].fallback_context && c.sop_class_uid == files[i].sop_class_uid;
    }
    CHECK(exact);
    CHECK(fallback);
  }
  for (const auto& a : paired.associations) CHECK(a.contexts.size() <= 128);
}

TEST_CASE("files without SOP class or transfer syntax are not planned, with a reason") {
  const auto plan = make_plan({{"", kRle}, {kCt, ""}, {kCt, kRle}}, false);
  CHECK_FALSE(plan.files[0].planned);
  CHECK(plan.files[0].problem.find("SOP Class UID") != std::string::npos);
  CHECK_FALSE(plan.files[1].planned);
  CHECK(plan.files[1].problem.find("transfer syntax") != std::string::npos);
  CHECK(plan.files[2].planned);
  CHECK(plan.associations.at(0).contexts.size() == 2);
}

TEST_CASE("the plan does not depend on the order of the files") {
  const auto a = make_plan({{kMr, kRle}, {kCt, kJpegLossless}}, true);
  const auto b = make_plan({{kCt, kJpegLossless}, {kMr, kRle}}, true);
  REQUIRE(a.associations[0].contexts.size() == b.associations[0].contexts.size());
  for (std::size_t i = 0; i < a.associations[0].contexts.size(); ++i) {
    CHECK(a.associations[0].contexts[i].sop_class_uid ==
          b.associations[0].contexts[i].sop_class_uid);
    CHECK(a.associations[0].contexts[i].transfer_syntaxes ==
          b.associations[0].contexts[i].transfer_syntaxes);
  }
}
