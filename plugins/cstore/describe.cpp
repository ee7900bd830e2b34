#include "describe.hpp"

#include <algorithm>
#include <sstream>

#include "names.hpp"

namespace cstore {
std::string describe_plan(const Settings& s, const xc::Job& job, const Plan& plan) {
  std::ostringstream out;
  const std::size_t planned = static_cast<std::size_t>(
      std::count_if(plan.files.begin(), plan.files.end(), [](const auto& f) { return f.planned; }));
  const std::size_t workers = std::max<std::size_t>(
      1, std::min<std::size_t>(job.info().workers, std::max<std::size_t>(planned, 1)));
  out << "C-STORE to " << s.address() << "\n"
      << "  called AE title:  " << s.called_aet << "\n"
      << "  calling AE title: " << s.calling_aet << "\n"
      << "  workers:          " << workers << " (one association each)\n"
      << "  files:            " << job.file_count() << " (" << job.info().total_bytes << " bytes)\n"
      << "  max PDU:          " << s.max_pdu << " bytes\n"
      << "  transcoding:      "
      << (s.allow_transcode ? "allowed: uncompressed fallback when a file's own syntax is refused"
                            : "off: every file is sent in its own transfer syntax")
      << "\n";
  const std::size_t unplanned = plan.files.size() - planned;
  if (unplanned > 0)
    out << "  not sendable:     " << unplanned << " file(s) (no SOP class or transfer syntax)\n";
  for (std::size_t a = 0; a < plan.associations.size(); ++a) {
    const auto& contexts = plan.associations[a].contexts;
    out << "association plan " << a + 1 << " of " << plan.associations.size() << ": "
        << contexts.size() << " presentation contexts\n";
    for (const PlannedContext& c : contexts) {
      out << "  [" << static_cast<int>(c.id) << "] ";
      switch (c.kind) {
        case ContextKind::kVerification:
          out << "Verification (C-ECHO)\n";
          break;
        case ContextKind::kExact:
          out << sop_class_name(c.sop_class_uid) << " / " << syntax_name(c.transfer_syntaxes.at(0))
              << ": " << c.files << " file(s)\n";
          break;
        case ContextKind::kFallback:
          out << sop_class_name(c.sop_class_uid) << " / uncompressed fallback (Explicit VR LE, "
              << "Implicit VR LE)\n";
          break;
      }
    }
  }
  out << "dry run: no connection was made\n";
  return out.str();
}

}  // namespace cstore
