// The association plan, made up front from the header probe's attributes (no file is read
// again): every (SOP class, transfer syntax) pair the files hold gets a presentation context of
// its own proposing only that syntax, so a receiver cannot pick another one and silently
// transcode; with --allow-transcode each SOP class also gets one context offering the
// uncompressed syntaxes, used only when its file's own context was refused. An association
// holds at most 128 contexts (ids 1, 3, ... 255), one of them Verification for the C-ECHO, so
// larger plans are split into several associations, each SOP class kept in one.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace cstore {

inline constexpr const char* kVerificationSopClass = "1.2.840.10008.1.1";
inline constexpr const char* kExplicitLittleEndian = "1.2.840.10008.1.2.1";
inline constexpr const char* kImplicitLittleEndian = "1.2.840.10008.1.2";
inline constexpr std::size_t kMaxContextsPerAssociation = 128;

struct PlanInput {  // one job file, as the header probe saw it
  std::string sop_class_uid, transfer_syntax_uid;
};

enum class ContextKind { kVerification, kExact, kFallback };

struct PlannedContext {
  std::uint8_t id = 0;  // odd, 1..255
  ContextKind kind = ContextKind::kExact;
  std::string sop_class_uid;
  std::vector<std::string> transfer_syntaxes;  // in order of preference
  std::size_t files = 0;                       // exact contexts: how many files use it
};

struct PlannedAssociation {
  std::vector<PlannedContext> contexts;  // Verification first
};

struct FilePlacement {
  bool planned = false;  // false: no SOP class or transfer syntax known (see problem)
  std::string problem;
  std::size_t association = 0;
  std::uint8_t exact_context = 0;
  std::uint8_t fallback_context = 0;  // 0 without --allow-transcode
};

struct Plan {
  std::vector<PlannedAssociation> associations;
  std::vector<FilePlacement> files;  // index = job file index
};

// `max_contexts` is a parameter so tests can show the split without 128 SOP classes.
Plan make_plan(const std::vector<PlanInput>& files, bool allow_transcode,
               std::size_t max_contexts = kMaxContextsPerAssociation);

}  // namespace cstore
