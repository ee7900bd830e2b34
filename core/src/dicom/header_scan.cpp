#include "header_scan.hpp"

#include <array>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <string>
#include <string_view>

namespace xnatctl::dicom::detail {
namespace {

constexpr std::size_t kPreamble = 128;
constexpr std::uint32_t kUndefinedLength = 0xFFFFFFFFu;
constexpr int kMaxNesting = 32;

constexpr std::uint32_t tag(std::uint16_t group, std::uint16_t element) {
  return (static_cast<std::uint32_t>(group) << 16) | element;
}
constexpr std::uint32_t kPixelData = tag(0x7FE0, 0x0010);
constexpr std::uint32_t kItem = tag(0xFFFE, 0xE000);
constexpr std::uint32_t kItemDelimitation = tag(0xFFFE, 0xE00D);
constexpr std::uint32_t kSequenceDelimitation = tag(0xFFFE, 0xE0DD);

constexpr std::uint16_t vr_code(const char (&s)[3]) {
  return static_cast<std::uint16_t>((static_cast<unsigned char>(s[0]) << 8) |
                                    static_cast<unsigned char>(s[1]));
}

// Explicit VRs whose length field is 4 bytes after 2 reserved ones (PS3.5 7.1.2).
constexpr bool has_long_length(std::uint16_t vr) {
  switch (vr) {
    case vr_code("OB"):
    case vr_code("OD"):
    case vr_code("OF"):
    case vr_code("OL"):
    case vr_code("OV"):
    case vr_code("OW"):
    case vr_code("SQ"):
    case vr_code("SV"):
    case vr_code("UC"):
    case vr_code("UN"):
    case vr_code("UR"):
    case vr_code("UT"):
    case vr_code("UV"):
      return true;
    default:
      return false;
  }
}

constexpr bool is_short_length_vr(std::uint16_t vr) {
  switch (vr) {
    case vr_code("AE"):
    case vr_code("AS"):
    case vr_code("AT"):
    case vr_code("CS"):
    case vr_code("DA"):
    case vr_code("DS"):
    case vr_code("DT"):
    case vr_code("FL"):
    case vr_code("FD"):
    case vr_code("IS"):
    case vr_code("LO"):
    case vr_code("LT"):
    case vr_code("PN"):
    case vr_code("SH"):
    case vr_code("SL"):
    case vr_code("SS"):
    case vr_code("ST"):
    case vr_code("TM"):
    case vr_code("UI"):
    case vr_code("UL"):
    case vr_code("US"):
      return true;
    default:
      return false;
  }
}

// The two lists above as one table over every two-letter code, looked up once per element
// (the switches cost a chain of compares each).
enum class VrLength : unsigned char { kUnknown, kShort, kLong };
constexpr std::size_t kLetters = 26;
constexpr std::array<VrLength, kLetters* kLetters> kVrLengths = [] {
  std::array<VrLength, kLetters * kLetters> table{};
  for (std::size_t a = 0; a < kLetters; ++a) {
    for (std::size_t b = 0; b < kLetters; ++b) {
      const auto vr = static_cast<std::uint16_t>((('A' + a) << 8) | ('A' + b));
      table[a * kLetters + b] = has_long_length(vr)      ? VrLength::kLong
                                : is_short_length_vr(vr) ? VrLength::kShort
                                                         : VrLength::kUnknown;
    }
  }
  return table;
}();

VrLength vr_length(std::uint16_t vr) {
  const unsigned a = static_cast<unsigned>(vr >> 8) - 'A';
  const unsigned b = static_cast<unsigned>(vr & 0xFF) - 'A';
  if (a >= kLetters || b >= kLetters) return VrLength::kUnknown;
  return kVrLengths[a * kLetters + b];
}

// How DCMTK renders a value with findAndGetOFStringArray (normalised; checked against DCMTK
// in tests/dicom): text VRs (LT, ST, UT), PN and DA lose trailing padding only; CS, SH, LO,
// IS and TM are '\'-separated values that each lose leading and trailing spaces; UIDs lose
// every space (DCMTK's input correction) and their NUL padding.
enum class Render { kTrailing, kValues, kUid };

struct Wanted {
  std::uint32_t tag;
  std::uint16_t vr;
  Render render;
  std::string DicomAttributes::*field;
};

// Sorted by tag. Every attribute DicomAttributes carries from the dataset.
constexpr Wanted kWanted[] = {
    {tag(0x0008, 0x0016), vr_code("UI"), Render::kUid, &DicomAttributes::sop_class_uid},
    {tag(0x0008, 0x0018), vr_code("UI"), Render::kUid, &DicomAttributes::sop_instance_uid},
    {tag(0x0008, 0x0020), vr_code("DA"), Render::kTrailing, &DicomAttributes::study_date},
    {tag(0x0008, 0x0030), vr_code("TM"), Render::kValues, &DicomAttributes::study_time},
    {tag(0x0008, 0x0050), vr_code("SH"), Render::kValues, &DicomAttributes::accession_number},
    {tag(0x0008, 0x0060), vr_code("CS"), Render::kValues, &DicomAttributes::modality},
    {tag(0x0008, 0x1030), vr_code("LO"), Render::kValues, &DicomAttributes::study_description},
    {tag(0x0008, 0x103E), vr_code("LO"), Render::kValues, &DicomAttributes::series_description},
    {tag(0x0010, 0x0010), vr_code("PN"), Render::kTrailing, &DicomAttributes::patient_name},
    {tag(0x0010, 0x0020), vr_code("LO"), Render::kValues, &DicomAttributes::patient_id},
    {tag(0x0010, 0x21B0), vr_code("LT"), Render::kTrailing,
     &DicomAttributes::additional_patient_history},
    {tag(0x0010, 0x4000), vr_code("LT"), Render::kTrailing, &DicomAttributes::patient_comments},
    {tag(0x0020, 0x000D), vr_code("UI"), Render::kUid, &DicomAttributes::study_instance_uid},
    {tag(0x0020, 0x000E), vr_code("UI"), Render::kUid, &DicomAttributes::series_instance_uid},
    {tag(0x0020, 0x0011), vr_code("IS"), Render::kValues, &DicomAttributes::series_number},
    {tag(0x0020, 0x0013), vr_code("IS"), Render::kValues, &DicomAttributes::instance_number},
    {tag(0x0032, 0x4000), vr_code("LT"), Render::kTrailing, &DicomAttributes::study_comments},
};

// Finds the wanted entry for each tag of a dataset read in ascending tag order (the scanner
// defers anything else to DCMTK): a cursor that only moves forward, so a header costs one
// pass over kWanted instead of a search per element (a third of the scanner's time).
class WantedCursor {
 public:
  const Wanted* find(std::uint32_t t) {
    while (next_ != std::end(kWanted) && next_->tag < t) ++next_;
    return next_ != std::end(kWanted) && next_->tag == t ? next_ : nullptr;
  }

 private:
  const Wanted* next_ = std::begin(kWanted);
};

// Writes the rendering of `raw` into `out` (no temporary: a probe renders ~18 values a file).
void render(std::string_view raw, Render how, std::string& out) {
  if (how == Render::kUid) {
    while (!raw.empty() && raw.back() == '\0') raw.remove_suffix(1);
    if (raw.find(' ') == std::string_view::npos) {
      out.assign(raw);
      return;
    }
    out.clear();
    for (char c : raw) {
      if (c != ' ') out.push_back(c);
    }
    return;
  }
  if (how == Render::kTrailing) {
    while (!raw.empty() && (raw.back() == ' ' || raw.back() == '\0')) raw.remove_suffix(1);
    out.assign(raw);
    return;
  }
  auto trim = [](std::string_view part) {
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    while (!part.empty() && (part.back() == ' ' || part.back() == '\0')) part.remove_suffix(1);
    return part;
  };
  if (raw.find('\\') == std::string_view::npos) {  // one value, the usual case
    out.assign(trim(raw));
    return;
  }
  out.clear();
  std::size_t start = 0;
  while (true) {
    const std::size_t end = raw.find('\\', start);
    out.append(trim(raw.substr(start, end == std::string_view::npos ? raw.npos : end - start)));
    if (end == std::string_view::npos) break;
    out.push_back('\\');
    start = end + 1;
  }
}

std::uint16_t le16(const unsigned char* p) {
  return static_cast<std::uint16_t>(p[0] | (p[1] << 8));
}
std::uint32_t le32(const unsigned char* p) {
  return static_cast<std::uint32_t>(p[0]) | (static_cast<std::uint32_t>(p[1]) << 8) |
         (static_cast<std::uint32_t>(p[2]) << 16) | (static_cast<std::uint32_t>(p[3]) << 24);
}

struct Element {
  std::uint32_t tag = 0;
  std::uint16_t vr = 0;  // 0 in implicit VR
  std::uint32_t length = 0;
  std::size_t value = 0;  // offset of the value
};

class Scanner {
 public:
  Scanner(const unsigned char* data, std::size_t size, bool complete)
      : p_(data), size_(size), complete_(complete) {}

  ScanStatus status() const { return status_; }
  std::size_t need() const { return need_; }

  // Reads the element header at `pos` (false: status set).
  bool read_element(std::size_t pos, bool implicit, Element& e) {
    if (!have(pos, 8)) return false;
    e.tag = tag(le16(p_ + pos), le16(p_ + pos + 2));
    if (implicit || (e.tag >> 16) == 0xFFFE) {
      // Items and delimiters carry no VR in any encoding.
      e.vr = 0;
      e.length = le32(p_ + pos + 4);
      e.value = pos + 8;
      return true;
    }
    e.vr = static_cast<std::uint16_t>((p_[pos + 4] << 8) | p_[pos + 5]);
    const VrLength length = vr_length(e.vr);
    if (length == VrLength::kLong) {
      if (!have(pos, 12)) return false;
      e.length = le32(p_ + pos + 8);
      e.value = pos + 12;
      return true;
    }
    if (length != VrLength::kShort) return defer();
    e.length = le16(p_ + pos + 6);
    e.value = pos + 8;
    return true;
  }

  // Position after the value of `e` (false: status set).
  bool skip_value(const Element& e, bool implicit, int depth, std::size_t& next) {
    if (e.length != kUndefinedLength) {
      if (!have(e.value, e.length)) return false;
      next = e.value + e.length;
      return true;
    }
    // Undefined length: a sequence (SQ; in implicit VR the only possibility outside PixelData;
    // UN per CP-246, whose content is implicit VR).
    if (!implicit && e.vr != vr_code("SQ") && e.vr != vr_code("UN")) return defer();
    const bool inner_implicit = implicit || e.vr == vr_code("UN");
    return skip_sequence(e.value, inner_implicit, depth + 1, next);
  }

  // Skips sequence items up to and including the sequence delimiter.
  bool skip_sequence(std::size_t pos, bool implicit, int depth, std::size_t& next) {
    if (depth > kMaxNesting) return defer();
    while (true) {
      Element item;
      if (!read_element(pos, true, item)) return false;
      if (item.tag == kSequenceDelimitation) {
        next = item.value;
        return true;
      }
      if (item.tag != kItem) return defer();
      if (item.length != kUndefinedLength) {
        if (!have(item.value, item.length)) return false;
        pos = item.value + item.length;
        continue;
      }
      // An item of undefined length: its elements, then the item delimiter.
      pos = item.value;
      while (true) {
        Element e;
        if (!read_element(pos, implicit, e)) return false;
        if (e.tag == kItemDelimitation) {
          pos = e.value;
          break;
        }
        if ((e.tag >> 16) == 0xFFFE) return defer();
        if (!skip_value(e, implicit, depth, pos)) return false;
      }
    }
  }

  bool have(std::size_t pos, std::size_t n) {
    if (pos <= size_ && n <= size_ - pos) return true;
    if (complete_) return defer();  // cut short: DCMTK gives the reason
    status_ = ScanStatus::kNeedMore;
    // Enough for the element in question plus room for the next ones; doubling keeps the
    // number of retries logarithmic for long headers of many small elements.
    const std::size_t wanted = pos + n + 16 * 1024;
    need_ = wanted > size_ * 2 ? wanted : size_ * 2;
    return false;
  }

  bool defer() {
    status_ = ScanStatus::kDefer;
    return false;
  }

  std::string_view bytes(std::size_t pos, std::size_t n) const {
    return {reinterpret_cast<const char*>(p_ + pos), n};
  }

 private:
  const unsigned char* p_;
  std::size_t size_;
  bool complete_;
  ScanStatus status_ = ScanStatus::kDone;
  std::size_t need_ = 0;
};

enum class DatasetEncoding { kExplicitLittle, kImplicitLittle, kOther };

DatasetEncoding encoding_of(std::string_view ts) {
  constexpr std::string_view kImplicit = "1.2.840.10008.1.2";
  constexpr std::string_view kExplicitBig = "1.2.840.10008.1.2.2";
  constexpr std::string_view kDeflated = "1.2.840.10008.1.2.1.99";
  if (ts == kImplicit) return DatasetEncoding::kImplicitLittle;
  if (ts == kExplicitBig || ts == kDeflated) return DatasetEncoding::kOther;
  // Every other standard transfer syntax (explicit LE, JPEG, JPEG-LS, J2K, RLE, MPEG, HTJ2K)
  // encodes the dataset as explicit VR little endian. Private ones are DCMTK's business.
  if (ts.size() > kImplicit.size() + 1 &&
      ts.substr(0, kImplicit.size() + 1) == "1.2.840.10008.1.2.")
    return DatasetEncoding::kExplicitLittle;
  return DatasetEncoding::kOther;
}

}  // namespace

ScanStatus scan_header(const unsigned char* data, std::size_t size, bool complete,
                       DicomAttributes& out, std::size_t* need) {
  Scanner s(data, size, complete);
  auto finish = [&]() {
    if (need != nullptr) *need = s.need();
    return s.status();
  };
  if (!s.have(0, kPreamble + 4)) return finish();
  if (std::memcmp(data + kPreamble, "DICM", 4) != 0) return ScanStatus::kDefer;

  DicomAttributes a;
  a.has_file_meta = true;
  std::size_t pos = kPreamble + 4;
  // File meta information: always explicit VR little endian, group 0002.
  bool any_meta = false;
  while (true) {
    if (!s.have(pos, 2)) return finish();
    if (le16(data + pos) != 0x0002) break;
    Element e;
    if (!s.read_element(pos, false, e)) return finish();
    if (e.length == kUndefinedLength) return ScanStatus::kDefer;
    if (!s.skip_value(e, false, 0, pos)) return finish();
    any_meta = true;
    if (e.tag == tag(0x0002, 0x0010) || e.tag == tag(0x0002, 0x0002)) {
      if (e.vr != vr_code("UI")) return ScanStatus::kDefer;
      render(s.bytes(e.value, e.length), Render::kUid,
             e.tag == tag(0x0002, 0x0010) ? a.transfer_syntax_uid : a.media_storage_sop_class_uid);
    }
  }
  if (!any_meta) return ScanStatus::kDefer;
  const DatasetEncoding encoding = encoding_of(a.transfer_syntax_uid);
  if (encoding == DatasetEncoding::kOther) return ScanStatus::kDefer;
  const bool implicit = encoding == DatasetEncoding::kImplicitLittle;

  bool any_element = false;
  std::uint32_t previous = 0;
  WantedCursor wanted;
  while (true) {
    if (pos == size && complete) break;  // the dataset ends at an element boundary
    Element e;
    if (!s.read_element(pos, implicit, e)) return finish();
    if (e.tag == kPixelData) break;
    // Delimiters at the top level, or elements out of order, are malformed or unusual
    // enough to leave to DCMTK.
    if ((e.tag >> 16) == 0xFFFE || e.tag <= previous) return ScanStatus::kDefer;
    previous = e.tag;
    if (const Wanted* w = wanted.find(e.tag)) {
      if (!implicit && e.vr != w->vr) return ScanStatus::kDefer;
      if (e.length == kUndefinedLength) return ScanStatus::kDefer;
      if (!s.have(e.value, e.length)) return finish();
      render(s.bytes(e.value, e.length), w->render, a.*(w->field));
    }
    if (!s.skip_value(e, implicit, 0, pos)) return finish();
    any_element = true;
  }
  if (!any_element) return ScanStatus::kDefer;
  out = std::move(a);
  return ScanStatus::kDone;
}

}  // namespace xnatctl::dicom::detail
