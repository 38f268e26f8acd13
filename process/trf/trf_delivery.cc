#include "process/trf/trf_delivery.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "store/coding.h"

namespace qcflow::trf {
namespace {

// The columns a delivery reads (columns.json names; absent ones are skipped).
constexpr std::string_view kStepDose = "Step Dose/Actual Value (Mu)";
constexpr std::string_view kState = "Linac State/Actual Value (None)";
constexpr std::string_view kGantry = "Step Gantry/Scaled Actual (deg)";
constexpr std::string_view kCollimator = "Step Collimator/Scaled Actual (deg)";
constexpr std::string_view kX1 = "X1 Diaphragm/Scaled Actual (mm)";
constexpr std::string_view kX2 = "X2 Diaphragm/Scaled Actual (mm)";
constexpr std::string_view kY1 = "Dlg Y1/Scaled Actual (mm)";
constexpr std::string_view kY2 = "Dlg Y2/Scaled Actual (mm)";
// Linac state names (columns.json linac_state_codes) that mean the beam stopped early.
constexpr std::string_view kInterrupted = "Interupted", kInterruptedReady = "Interupted Ready";
constexpr std::string_view kTerminatedOk = "Terminated Ok";

std::string StateText(const TrfLog& log, size_t row, size_t col) {
  const std::string_view label = log.Label(row, col);
  return label.empty() ? std::to_string(log.Raw(row, col)) : std::string(label);
}

// "+10:00" / "-03:30" -> minutes east of UTC.
std::optional<int> OffsetMinutes(std::string_view s) {
  if (s.size() != 6 || (s[0] != '+' && s[0] != '-') || s[3] != ':') return std::nullopt;
  for (size_t i : {1, 2, 4, 5}) {
    if (s[i] < '0' || s[i] > '9') return std::nullopt;
  }
  const int m = ((s[1] - '0') * 10 + (s[2] - '0')) * 60 + (s[4] - '0') * 10 + (s[5] - '0');
  if (m > 14 * 60) return std::nullopt;
  return s[0] == '-' ? -m : m;
}

std::string Clean(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c == '\0') c = ' ';
  }
  return out;
}

nlohmann::json RangeJson(const AxisRange& r) {
  if (!r.min) return nullptr;
  return nlohmann::json::array({*r.min, *r.max});
}

AxisRange RangeFrom(const nlohmann::json& j) {
  AxisRange r;
  if (j.is_array() && j.size() == 2) r.min = j[0].get<double>(), r.max = j[1].get<double>();
  return r;
}

}  // namespace

void AxisRange::Add(double v) {
  if (!min || v < *min) min = v;
  if (!max || v > *max) max = v;
}

std::string TrfDelivery::StartWithOffset() const {
  if (!start) return "";
  const std::optional<int> offset = OffsetMinutes(utc_offset);
  if (!offset) return FormatUtcIso(*start);
  auto local = FormatInZone(*start + MicrosUtc(*offset) * 60 * kMicrosPerSecond, "UTC",
                            "%Y-%m-%dT%H:%M:%S");
  return local.ok() ? *local + utc_offset : FormatUtcIso(*start);
}

TrfDelivery DeriveTrfDelivery(const TrfLog& log) {
  const TrfHeader& h = log.header;
  TrfDelivery d;
  d.date_text = h.date;
  d.utc_offset = h.utc_offset;
  d.start = h.start;
  d.field_label = h.field_label;
  d.field_name = h.field_name;
  d.machine_id = h.machine_id;
  d.version = h.version;
  d.rows = log.rows;
  d.duration_s = TrfLog::TimeSeconds(log.rows);
  d.header_mu = h.mu();
  d.issues = log.issues.size();
  if (!log.issues.empty()) {
    d.first_issue = "at byte " + std::to_string(log.issues[0].offset) + ": " + log.issues[0].what;
  }
  if (log.rows == 0) return d;
  const std::optional<size_t> dose = log.FindColumn(kStepDose), state = log.FindColumn(kState);
  struct Axis {
    std::optional<size_t> col;
    AxisRange* range;
  };
  const Axis axes[] = {{log.FindColumn(kGantry), &d.gantry}, {log.FindColumn(kCollimator), &d.collimator},
                       {log.FindColumn(kX1), &d.x1}, {log.FindColumn(kX2), &d.x2},
                       {log.FindColumn(kY1), &d.y1}, {log.FindColumn(kY2), &d.y2}};
  if (dose) {
    // Summed in the stored deci-MU, so 0.1 steps add up exactly.
    int64_t deci_mu = std::max<int32_t>(0, log.Raw(0, *dose));
    for (size_t r = 1; r < log.rows; ++r) {
      const int64_t rise = int64_t(log.Raw(r, *dose)) - log.Raw(r - 1, *dose);
      if (rise <= 0) continue;  // steady, or the counter's return to 0 at a segment's end
      deci_mu += rise;
      for (const Axis& a : axes) {
        if (a.col) a.range->Add(log.Value(r, *a.col));
      }
    }
    d.mu = double(deci_mu) / 10;
  }
  if (state) {
    d.first_state = StateText(log, 0, *state);
    d.last_state = StateText(log, log.rows - 1, *state);
    d.interrupted = d.last_state != kTerminatedOk;
    for (size_t r = 0; r < log.rows && !d.interrupted; ++r) {
      const std::string_view s = log.Label(r, *state);
      d.interrupted = s == kInterrupted || s == kInterruptedReady;
    }
  }
  return d;
}

std::string EncodeTrfDelivery(const TrfDelivery& d) {
  nlohmann::json j = {{"v", 1},
                      {"id", d.id},
                      {"seq", d.seq},
                      {"linac", d.linac},
                      {"source", d.source_id},
                      {"file", d.file},
                      {"zone", d.zone},
                      {"date_text", d.date_text},
                      {"utc_offset", d.utc_offset},
                      {"start", d.start ? nlohmann::json(*d.start) : nlohmann::json(nullptr)},
                      {"indexed_at", d.indexed_at},
                      {"field_label", d.field_label},
                      {"field_name", d.field_name},
                      {"machine_id", d.machine_id},
                      {"version", d.version},
                      {"rows", d.rows},
                      {"duration_s", d.duration_s},
                      {"header_mu", d.header_mu},
                      {"mu", d.mu},
                      {"gantry", RangeJson(d.gantry)},
                      {"collimator", RangeJson(d.collimator)},
                      {"x1", RangeJson(d.x1)},
                      {"x2", RangeJson(d.x2)},
                      {"y1", RangeJson(d.y1)},
                      {"y2", RangeJson(d.y2)},
                      {"first_state", d.first_state},
                      {"last_state", d.last_state},
                      {"interrupted", d.interrupted},
                      {"issues", d.issues},
                      {"first_issue", d.first_issue}};
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Result<TrfDelivery> DecodeTrfDelivery(std::string_view json) {
  nlohmann::json j = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return Status::Corruption("TRF delivery is not JSON");
  if (j.value("v", 0) != 1) {
    return Status::Incompatible("TRF delivery of version " + std::to_string(j.value("v", 0)) +
                                " (this qcflow reads 1)");
  }
  try {
    TrfDelivery d;
    d.id = j.at("id").get<std::string>();
    d.seq = j.at("seq").get<uint64_t>();
    d.linac = j.at("linac").get<std::string>();
    d.source_id = j.value("source", "");  // absent in deliveries derived before it was kept
    d.file = j.at("file").get<std::string>();
    d.zone = j.at("zone").get<std::string>();
    d.date_text = j.at("date_text").get<std::string>();
    d.utc_offset = j.at("utc_offset").get<std::string>();
    if (!j.at("start").is_null()) d.start = j.at("start").get<MicrosUtc>();
    d.indexed_at = j.at("indexed_at").get<MicrosUtc>();
    d.field_label = j.at("field_label").get<std::string>();
    d.field_name = j.at("field_name").get<std::string>();
    d.machine_id = j.at("machine_id").get<std::string>();
    d.version = j.at("version").get<int>();
    d.rows = j.at("rows").get<uint64_t>();
    d.duration_s = j.at("duration_s").get<double>();
    d.header_mu = j.at("header_mu").get<double>();
    d.mu = j.at("mu").get<double>();
    d.gantry = RangeFrom(j.at("gantry"));
    d.collimator = RangeFrom(j.at("collimator"));
    d.x1 = RangeFrom(j.at("x1"));
    d.x2 = RangeFrom(j.at("x2"));
    d.y1 = RangeFrom(j.at("y1"));
    d.y2 = RangeFrom(j.at("y2"));
    d.first_state = j.at("first_state").get<std::string>();
    d.last_state = j.at("last_state").get<std::string>();
    d.interrupted = j.at("interrupted").get<bool>();
    d.issues = j.at("issues").get<uint64_t>();
    d.first_issue = j.at("first_issue").get<std::string>();
    return d;
  } catch (const nlohmann::json::exception& e) {
    return Status::Corruption(std::string("TRF delivery: ") + e.what());
  }
}

std::string TrfTimeIndexKey(const TrfDelivery& d) {
  std::string k = Clean(d.linac);
  k.push_back('\0');
  coding::PutBigEndian64(&k, coding::OrderedFromSigned(d.indexed_at));
  k.push_back('\0');
  k += d.id;
  return k;
}

TrfIndexRange TrfTimeIndexRange(std::string_view linac, MicrosUtc since, MicrosUtc until) {
  if (linac.empty()) return {};
  std::string p = Clean(linac);
  p.push_back('\0');
  TrfIndexRange r{p, p};
  coding::PutBigEndian64(&r.from, coding::OrderedFromSigned(since));
  coding::PutBigEndian64(&r.until, coding::OrderedFromSigned(until));
  return r;
}

}  // namespace qcflow::trf
