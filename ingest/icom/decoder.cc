#include "ingest/icom/decoder.h"

#include <charconv>
#include <cmath>
#include <cstring>

#include "ingest/icom/icom_format.h"
#include "store/text_util.h"

namespace qcflow::icom {
namespace {

// The linac pads text with blanks and NULs.
std::string_view Trim(std::string_view v) { return TrimChars(v, std::string_view(" \0", 2)); }

enum class Parsed { kValue, kNoValue, kNotSimple };

// Fast path for the common "[-]digits[.digits]" (≤ 15 digits, no blanks):
// an integer over a power of ten. Both are exact doubles, so IEEE division
// rounds correctly, giving the value from_chars gives. Writes a plain double
// (not an optional through memory: this runs ~500 times per message).
inline Parsed ParseSimpleDecimal(std::string_view v, double* out) {
  static constexpr double kPow10[] = {1e0, 1e1, 1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                      1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};
  const char* p = v.data();
  const char* const end = p + v.size();
  if (v.size() > 15) return Parsed::kNotSimple;  // keeps digits <= 15 (< 2^53, exact)
  const bool neg = p != end && *p == '-';
  p += neg;
  const char* const int_start = p;
  int64_t mant = 0;
  while (p != end && static_cast<unsigned>(*p - '0') < 10) mant = mant * 10 + (*p++ - '0');
  int frac = 0;
  const bool has_int = p != int_start;
  if (p != end && *p == '.') {
    const char* const frac_start = ++p;
    while (p != end && static_cast<unsigned>(*p - '0') < 10) mant = mant * 10 + (*p++ - '0');
    frac = static_cast<int>(p - frac_start);
    if (!has_int && frac == 0) return Parsed::kNotSimple;
  } else if (!has_int) {
    return Parsed::kNotSimple;
  }
  if (p != end) return Parsed::kNotSimple;
  if (frac == 0 && mant == kNoValueMagnitude && v.back() != '.') return Parsed::kNoValue;  // ±32767
  const double d = static_cast<double>(mant) / kPow10[frac];
  *out = neg ? -d : d;
  return Parsed::kValue;
}

// False for "no value" and for text that is not a number.
bool ParseDouble(std::string_view raw, double* out) {
  switch (ParseSimpleDecimal(raw, out)) {
    case Parsed::kValue: return true;
    case Parsed::kNoValue: return false;
    case Parsed::kNotSimple: break;
  }
  std::string_view v = Trim(raw);
  if (!v.empty() && v.front() == '+') v.remove_prefix(1);
  if (v.empty()) return false;  // ±32767 is found by ParseSimpleDecimal below
  switch (ParseSimpleDecimal(v, out)) {
    case Parsed::kValue: return true;
    case Parsed::kNoValue: return false;
    case Parsed::kNotSimple: break;
  }
  auto r = std::from_chars(v.data(), v.data() + v.size(), *out);
  // from_chars reads "nan" and "inf": not a measurement, so no value.
  return r.ec == std::errc() && r.ptr == v.data() + v.size() && std::isfinite(*out);
}

std::optional<double> ParseNumber(std::string_view raw) {
  double d;
  if (!ParseDouble(raw, &d)) return std::nullopt;
  return d;
}

void SetText(std::optional<std::string>* field, std::string_view raw) {
  std::string_view v = Trim(raw);
  if (v.empty() || IsNoValueText(v)) {
    field->reset();
  } else {
    field->emplace(v);
  }
}

int PartIndexOf(char part) {
  switch (part) {
    case 'P': return kPartP;
    case 'S': return kPartS;
    default: return kPartR;
  }
}

enum class CollimationKind { kNone, kMlc, kAsymX, kAsymY };

// Which collimation block the next 0x011C values of each part belong to.
struct CollimationCursor {
  CollimationKind kind = CollimationKind::kNone;
  int filled = 0;  // values stored so far (jaws)
};

void Clear(IcomMessage* m) {
  m->timestamp.clear();
  m->counter = 0;
  for (auto* f : {&m->patient_id, &m->patient_name, &m->rx_site, &m->field_id, &m->machine_id,
                  &m->radiation_type, &m->energy, &m->wedge, &m->beam_timer,
                  &m->beam_description}) {
    f->reset();
  }
  for (auto* f : {&m->segment, &m->total_mu, &m->delivery_mu, &m->backup_delivery_mu,
                  &m->segment_mu, &m->gantry_deg, &m->collimator_deg, &m->table_column_deg,
                  &m->table_isocentric_deg, &m->table_vertical, &m->table_longitudinal,
                  &m->table_lateral}) {
    f->reset();
  }
  m->interlocks.clear();
  m->previous_interlocks.clear();
  for (Collimation& c : m->collimation) {
    c.mlc.clear();
    c.asym_x.reset();
    c.asym_y.reset();
  }
  m->element_count = 0;
  m->issues.clear();
}

class ElementSink {
 public:
  explicit ElementSink(IcomMessage* m) : m_(m) {}

  void Element(size_t offset, uint16_t element, char part, std::string_view value) {
    m_->element_count++;
    const int pi = PartIndexOf(part);
    if (element == el::kCollimationValue) {
      CollimationValue(offset, pi, value);
      return;
    }
    cursor_[pi] = CollimationCursor{};  // any other element ends a block
    if (part == 'P') {
      Prescribed(element, value);
    } else if (part == 'R') {
      Run(offset, element, value);
    }
    if (element == el::kCollimationHeader) {
      std::string_view kind = Trim(value);
      CollimationCursor& c = cursor_[pi];
      if (kind == kCollimationMlcX) {
        c.kind = CollimationKind::kMlc;
      } else if (kind == kCollimationAsymX) {
        c.kind = CollimationKind::kAsymX;
        m_->collimation[pi].asym_x.emplace();
      } else if (kind == kCollimationAsymY) {
        c.kind = CollimationKind::kAsymY;
        m_->collimation[pi].asym_y.emplace();
      } else {
        Issue(offset, "unknown collimation header");
      }
    }
  }

  void Finish(size_t end) {
    for (int pi = 0; pi < kPartCount; ++pi) {
      const Collimation& c = m_->collimation[pi];
      if (c.mlc.size() % 2 != 0) Issue(end, "odd number of MLC leaf values");
      if (c.asym_x && !jaws_complete_[pi][0]) Issue(end, "ASYMX with fewer than 2 values");
      if (c.asym_y && !jaws_complete_[pi][1]) Issue(end, "ASYMY with fewer than 2 values");
    }
  }

  void Issue(size_t offset, std::string what) { m_->issues.push_back({offset, std::move(what)}); }

 private:
  void CollimationValue(size_t offset, int pi, std::string_view value) {
    CollimationCursor& c = cursor_[pi];
    double v;
    if (!ParseDouble(value, &v)) {
      Issue(offset, "collimation value is not a number");
      return;
    }
    Collimation& col = m_->collimation[pi];
    switch (c.kind) {
      case CollimationKind::kMlc:
        col.mlc.push_back(v);
        return;
      case CollimationKind::kAsymX:
      case CollimationKind::kAsymY: {
        const int j = c.kind == CollimationKind::kAsymX ? 0 : 1;
        auto& jaws = j == 0 ? col.asym_x : col.asym_y;
        if (c.filled >= 2) {
          Issue(offset, "more than 2 jaw values");
          return;
        }
        (*jaws)[c.filled++] = v;
        jaws_complete_[pi][j] = c.filled == 2;
        return;
      }
      case CollimationKind::kNone:
        Issue(offset, "collimation value without a header");
        return;
    }
  }

  void Prescribed(uint16_t element, std::string_view v) {
    switch (element) {
      case el::kPatientId: SetText(&m_->patient_id, v); break;
      case el::kPatientName: SetText(&m_->patient_name, v); break;
      case el::kRxSite: SetText(&m_->rx_site, v); break;
      case el::kFieldId: SetText(&m_->field_id, v); break;
      case el::kMachineId: SetText(&m_->machine_id, v); break;
      default: break;
    }
  }

  // A numeric value that does not parse completely is no value, never a
  // different number, and the message says so (it counts as malformed).
  void Number(size_t offset, std::string_view v, const char* what, std::optional<double>* field) {
    *field = ParseNumber(v);
    if (*field) return;
    std::string_view t = Trim(v);
    if (!t.empty() && t.front() == '+') t.remove_prefix(1);
    if (!t.empty() && !IsNoValueText(t)) Issue(offset, std::string(what) + " is not a number; kept as no value");
  }

  void Run(size_t at, uint16_t element, std::string_view v) {
    switch (element) {
      case el::kRadiationType: SetText(&m_->radiation_type, v); break;
      case el::kEnergy: SetText(&m_->energy, v); break;
      case el::kWedge: SetText(&m_->wedge, v); break;
      case el::kBeamTimer: SetText(&m_->beam_timer, v); break;
      case el::kBeamDescription: SetText(&m_->beam_description, v); break;
      case el::kSegment: Number(at, v, "segment", &m_->segment); break;
      case el::kTotalMu: Number(at, v, "total MU", &m_->total_mu); break;
      case el::kDeliveryMu: Number(at, v, "delivery MU", &m_->delivery_mu); break;
      case el::kBackupDeliveryMu: Number(at, v, "backup delivery MU", &m_->backup_delivery_mu); break;
      case el::kSegmentMu: Number(at, v, "segment MU", &m_->segment_mu); break;
      case el::kGantry: Number(at, v, "gantry angle", &m_->gantry_deg); break;
      case el::kCollimator: Number(at, v, "collimator angle", &m_->collimator_deg); break;
      case el::kTableColumn: Number(at, v, "table column angle", &m_->table_column_deg); break;
      case el::kTableIsocentric:
        Number(at, v, "table isocentric angle", &m_->table_isocentric_deg);
        break;
      case el::kTableVertical: Number(at, v, "table vertical", &m_->table_vertical); break;
      case el::kTableLongitudinal:
        Number(at, v, "table longitudinal", &m_->table_longitudinal);
        break;
      case el::kTableLateral: Number(at, v, "table lateral", &m_->table_lateral); break;
      case el::kInterlocks: m_->interlocks.emplace_back(Trim(v)); break;
      case el::kPreviousInterlocks: m_->previous_interlocks.emplace_back(Trim(v)); break;
      default: break;
    }
  }

  IcomMessage* m_;
  CollimationCursor cursor_[kPartCount];
  bool jaws_complete_[kPartCount][2] = {};
};

uint16_t U16(const char* p) {
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  return static_cast<uint16_t>(u[0] | (u[1] << 8));
}

}  // namespace

Status DecodeMessage(std::string_view bytes, IcomMessage* out) {
  Clear(out);
  if (bytes.size() < kHeaderSize) {
    return Status::Corruption("iCom message shorter than its 27-byte header (" +
                              std::to_string(bytes.size()) + " bytes)");
  }
  const char* b = bytes.data();
  if (!IsIcomTimestamp(b + kTimestampOffset)) {
    return Status::Corruption("iCom message has no timestamp at offset 8");
  }
  out->timestamp.assign(b + kTimestampOffset, kTimestampSize);
  out->counter = static_cast<uint8_t>(b[kCounterOffset]);

  ElementSink sink(out);
  const size_t size = bytes.size();
  size_t pos = kHeaderSize;
  // Bounded: pos strictly increases every iteration.
  while (pos < size) {
    uint32_t len = 0;
    const bool header_ok =
        pos + kElementHeaderSize <= size && IsPlausibleElementHeader(b + pos, &len);
    if (header_ok && len <= size - pos - kElementHeaderSize) {
      sink.Element(pos, U16(b + pos + 2), b[pos + 7],
                   std::string_view(b + pos + kElementHeaderSize, len));
      pos += kElementHeaderSize + len;
      continue;
    }
    sink.Issue(pos, header_ok ? "element length runs past the end of the message"
                              : "malformed element header");
    // Resync: the next position holding a plausible header that fits.
    size_t next = pos + 1;
    for (; next + kElementHeaderSize <= size; ++next) {
      uint32_t l;
      if (IsPlausibleElementHeader(b + next, &l) && l <= size - next - kElementHeaderSize) break;
    }
    if (next + kElementHeaderSize > size) break;  // nothing further decodable
    pos = next;
  }
  sink.Finish(size);
  return Status::OK();
}

}  // namespace qcflow::icom
