#include "cli/model/json_model.h"

#include <nlohmann/json.hpp>

#include "store/time_util.h"

namespace qcflow::model {
namespace {

using nlohmann::json;

template <typename T>
json NumberOrNull(const std::optional<T>& n) {
  return n ? json(*n) : json(nullptr);
}

json TextOrNull(const std::string& t) { return t.empty() ? json(nullptr) : json(t); }

// meta is small JSON the source wrote; an old or foreign record may hold
// other text, which is shown as it is rather than dropped.
json MetaJson(std::string_view meta) {
  if (meta.empty()) return json(nullptr);
  json j = json::parse(meta, nullptr, /*allow_exceptions=*/false);
  return j.is_discarded() ? json(std::string(meta)) : j;
}

}  // namespace

json ItemsDocument(json items, std::string_view zone) {
  return {{"v", kVersion}, {"zone", std::string(zone)}, {"items", std::move(items)}};
}

std::string MaskPatientId(const std::string& id) {
  constexpr size_t kShown = 3;
  if (id.size() <= kShown) return std::string(id.size(), '*');
  return std::string(id.size() - kShown, '*') + id.substr(id.size() - kShown);
}

json RecordJson(uint64_t seq, const RecordView& r, std::string_view zone) {
  return {{"seq", seq},
          {"kind", KindName(r.kind)},
          {"source", std::string(r.source_id)},
          {"event_time", FormatRfc3339(r.event_time, zone)},
          {"source_time", std::string(r.event_time_text)},  // the source's own text
          {"captured", FormatRfc3339(r.capture_time, zone)},
          {"bytes", r.payload.size()},
          {"dedup_key", std::string(r.dedup_key)},
          {"quarantined", r.quarantined()},
          {"meta", MetaJson(r.meta)}};
}

json SessionJson(const QcSession& s, std::string_view zone, bool file_contents) {
  json j = json::parse(EncodeQcSession(s));
  if (!file_contents) {
    for (json& t : j["tests"]) {
      if (!t.contains("file")) continue;
      t["file"]["bytes"] = t["file"]["value"].get_ref<const std::string&>().size();
      t["file"].erase("value");
    }
  }
  j.erase("v");  // the stored encoding's version, not this document's
  j.erase("zone");
  j["source_zone"] = s.zone.empty() ? "UTC" : s.zone;
  j["work_started"] = FormatRfc3339(s.work_started, zone);
  j["work_completed"] = FormatRfc3339(s.work_completed, zone);
  j["amendment"] = s.amendment;
  return j;
}

json DeliveryJson(const icom::Delivery& d, bool show_patient, std::string_view zone) {
  return {{"id", d.Id()},
          {"linac", d.linac},
          {"open", d.open},
          {"start", FormatRfc3339(d.start, zone)},
          {"end", FormatRfc3339(d.end, zone)},
          {"source_start", d.start_text},  // the linac clock's own text
          {"source_end", d.end_text},
          {"patient_id", show_patient ? d.patient_id : MaskPatientId(d.patient_id)},
          {"patient_name", show_patient ? json(d.patient_name) : json(nullptr)},
          {"rx_site", show_patient ? json(d.rx_site) : json(nullptr)},
          {"field", d.field_id},
          {"machine_id", d.machine_id},
          {"radiation_type", d.radiation_type},
          {"beam_description", TextOrNull(d.beam_description)},
          {"energies", json(d.energies)},
          {"mu", d.mu},
          {"prescribed_mu", NumberOrNull(d.prescribed_mu)},
          {"gantry_min", NumberOrNull(d.gantry_min)},
          {"gantry_max", NumberOrNull(d.gantry_max)},
          {"collimator_min", NumberOrNull(d.collimator_min)},
          {"collimator_max", NumberOrNull(d.collimator_max)},
          {"interlocks", json(d.interlocks)},
          {"segments", d.segments},
          {"messages", d.messages},
          {"counter_gaps", d.counter_gaps},
          {"continuations", d.continuations},
          {"capture_losses", d.capture_losses},
          {"malformed", d.malformed},
          {"close_reason", TextOrNull(d.close_reason)}};
}

}  // namespace qcflow::model
