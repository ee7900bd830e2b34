#include "plan.hpp"

#include <map>
#include <set>

namespace cstore {

Plan make_plan(const std::vector<PlanInput>& files, bool allow_transcode,
               std::size_t max_contexts) {
  Plan plan;
  plan.files.resize(files.size());
  // Sorted, so the same files always give the same plan (and the dry run shows it).
  std::map<std::string, std::map<std::string, std::size_t>> by_class;  // class -> ts -> files
  for (std::size_t i = 0; i < files.size(); ++i) {
    const PlanInput& f = files[i];
    FilePlacement& place = plan.files[i];
    if (f.sop_class_uid.empty()) {
      place.problem = "no SOP Class UID in the header: not a storable DICOM object";
    } else if (f.transfer_syntax_uid.empty()) {
      place.problem = "no transfer syntax known for this file (no file meta information)";
    } else {
      place.planned = true;
      ++by_class[f.sop_class_uid][f.transfer_syntax_uid];
    }
  }

  // Context ids per (class, ts) and per class (fallback), filled while packing.
  std::map<std::pair<std::string, std::string>, std::pair<std::size_t, std::uint8_t>> exact;
  std::map<std::string, std::uint8_t> fallback;
  const std::size_t capacity = max_contexts > 1 ? max_contexts - 1 : 1;  // minus Verification
  auto open_association = [&] {
    PlannedAssociation a;
    PlannedContext echo;
    echo.id = 1;
    echo.kind = ContextKind::kVerification;
    echo.sop_class_uid = kVerificationSopClass;
    echo.transfer_syntaxes = {kExplicitLittleEndian, kImplicitLittleEndian};
    a.contexts.push_back(std::move(echo));
    plan.associations.push_back(std::move(a));
  };
  for (const auto& [sop_class, syntaxes] : by_class) {
    const std::size_t needed = syntaxes.size() + (allow_transcode ? 1 : 0);
    if (plan.associations.empty() ||
        (plan.associations.back().contexts.size() - 1) + needed > capacity) {
      open_association();
    }
    // A class needing more contexts than one association holds (over 127 transfer syntaxes)
    // does not exist in practice; it would simply overflow into the next association.
    auto add = [&](ContextKind kind, std::vector<std::string> ts, std::size_t count) {
      if (plan.associations.back().contexts.size() - 1 >= capacity) open_association();
      PlannedAssociation& a = plan.associations.back();
      PlannedContext c;
      c.id = static_cast<std::uint8_t>(2 * a.contexts.size() + 1);
      c.kind = kind;
      c.sop_class_uid = sop_class;
      c.transfer_syntaxes = std::move(ts);
      c.files = count;
      a.contexts.push_back(std::move(c));
      return std::make_pair(plan.associations.size() - 1, a.contexts.back().id);
    };
    for (const auto& [ts, count] : syntaxes)
      exact[{sop_class, ts}] = add(ContextKind::kExact, {ts}, count);
    if (allow_transcode)
      fallback[sop_class] =
          add(ContextKind::kFallback, {kExplicitLittleEndian, kImplicitLittleEndian}, 0).second;
  }
  for (std::size_t i = 0; i < files.size(); ++i) {
    FilePlacement& place = plan.files[i];
    if (!place.planned) continue;
    const auto [association, id] = exact.at({files[i].sop_class_uid, files[i].transfer_syntax_uid});
    place.association = association;
    place.exact_context = id;
    if (allow_transcode) {
      // The fallback sits in the same association unless the class overflowed (see above).
      const PlannedAssociation& a = plan.associations[association];
      for (const PlannedContext& c : a.contexts) {
        if (c.kind == ContextKind::kFallback && c.sop_class_uid == files[i].sop_class_uid)
          place.fallback_context = c.id;
      }
    }
  }
  return plan;
}

}  // namespace cstore
