#pragma once

// Runs libarchive under a UTF-8 character set for one thread, for the duration of a scope.
//
// libarchive converts entry names between the archive's charset and the current locale's.
// In the C locale (cron jobs, containers, `env -i`), it returns no name at all for a zip
// entry flagged UTF-8, warns on pax names, and never sets the UTF-8 flag on the zips it
// writes, so readers (XNAT's Java, Python) decode our names as CP437. Names on Linux are
// UTF-8 by convention, so every libarchive call in the upload code (discovery included, so
// that member names and indices agree) runs inside this scope. uselocale() is per thread:
// the process locale, which is not a library's business, is left alone.

#include <locale.h>

namespace xnatctl::upload {

class Utf8CtypeScope {
 public:
  Utf8CtypeScope() {
    // Created once, never freed: a locale object is a few hundred bytes for the process.
    static const locale_t utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", static_cast<locale_t>(0));
    if (utf8 != static_cast<locale_t>(0)) previous_ = uselocale(utf8);
  }
  ~Utf8CtypeScope() {
    if (previous_ != static_cast<locale_t>(0)) uselocale(previous_);
  }
  Utf8CtypeScope(const Utf8CtypeScope&) = delete;
  Utf8CtypeScope& operator=(const Utf8CtypeScope&) = delete;

 private:
  locale_t previous_ = static_cast<locale_t>(0);
};

}  // namespace xnatctl::upload
