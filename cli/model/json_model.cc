#include "cli/model/json_model.h"

#include <nlohmann/json.hpp>

#include "store/time_util.h"

namespace qcflow::model {
namespace {

using nlohmann::json;

using OrderedJson = nlohmann::ordered_json;

OrderedJson Opt(const std::optional<double>& v) { return v ? OrderedJson(*v) : OrderedJson(); }
OrderedJson Opt(const std::optional<std::string>& v) {
  return v ? OrderedJson(*v) : OrderedJson();
}

}  // namespace

bool IsIcomPart(std::string_view part) { return part == "P" || part == "S" || part == "R"; }

OrderedJson IcomMessageJson(uint64_t seq, const Record& record, const icom::IcomMessage& m,
                            std::string_view part, std::string_view zone, bool show_patient) {
  const int index = part == "P" ? icom::kPartP : part == "S" ? icom::kPartS : icom::kPartR;
  const icom::Collimation& c = m.collimation[index];
  const std::optional<std::string> patient_id =
      show_patient || !m.patient_id ? m.patient_id : std::optional<std::string>(MaskPatientId(*m.patient_id));
  const std::optional<std::string> hidden;
  OrderedJson j = {{"seq", seq},
                   {"linac", record.source_id},
                   {"time", FormatRfc3339(record.event_time, zone)},
                   {"source_time", m.timestamp},  // the linac clock's own text
                   {"counter", m.counter},
                   {"patient_id", Opt(patient_id)},
                   {"patient_name", Opt(show_patient ? m.patient_name : hidden)},
                   {"rx_site", Opt(show_patient ? m.rx_site : hidden)},
                   {"field_id", Opt(m.field_id)},
                   {"machine_id", Opt(m.machine_id)},
                   {"radiation_type", Opt(m.radiation_type)},
                   {"energy", Opt(m.energy)},
                   {"wedge", Opt(m.wedge)},
                   {"segment", Opt(m.segment)},
                   {"total_mu", Opt(m.total_mu)},
                   {"delivery_mu", Opt(m.delivery_mu)},
                   {"backup_delivery_mu", Opt(m.backup_delivery_mu)},
                   {"segment_mu", Opt(m.segment_mu)},
                   {"beam_timer", Opt(m.beam_timer)},
                   {"gantry_deg", Opt(m.gantry_deg)},
                   {"collimator_deg", Opt(m.collimator_deg)},
                   {"table_column_deg", Opt(m.table_column_deg)},
                   {"table_isocentric_deg", Opt(m.table_isocentric_deg)},
                   {"table_vertical", Opt(m.table_vertical)},
                   {"table_longitudinal", Opt(m.table_longitudinal)},
                   {"table_lateral", Opt(m.table_lateral)},
                   {"beam_description", Opt(m.beam_description)},
                   {"interlocks", m.interlocks},
                   {"previous_interlocks", m.previous_interlocks},
                   {"part", std::string(part)},
                   {"mlc_pairs", c.mlc_pairs()}};
  OrderedJson issues = OrderedJson::array();
  for (const icom::DecodeIssue& i : m.issues) {
    issues.push_back("byte " + std::to_string(i.offset) + ": " + i.what);
  }
  j["decode_issues"] = std::move(issues);
  OrderedJson jaws = OrderedJson::object();
  if (c.asym_x) jaws["x"] = {(*c.asym_x)[0], (*c.asym_x)[1]};
  if (c.asym_y) jaws["y"] = {(*c.asym_y)[0], (*c.asym_y)[1]};
  j["jaws"] = std::move(jaws);
  OrderedJson leaves = OrderedJson::array();
  for (size_t i = 0; i < c.mlc_pairs(); ++i) {
    leaves.push_back({{"leaf_pair", i + 1}, {"a", c.mlc[2 * i]}, {"b", c.mlc[2 * i + 1]}});
  }
  j["mlc"] = std::move(leaves);
  return j;
}

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
          {"meta", StoredJson(r.meta)}};
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
