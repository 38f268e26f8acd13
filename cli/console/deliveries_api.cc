#include "cli/console/deliveries_api.h"

#include "cli/console/api_json.h"

namespace qcflow::console {
namespace {

using nlohmann::json;

// A day or a week of a busy linac is hundreds; years are far more than a page
// can draw. The answer says when this cap cut the list.
constexpr size_t kMaxRead = 20000;

json Texts(const std::vector<std::string>& v) { return json(v); }

json DeliveryJson(const icom::Delivery& d, bool names) {
  return {{"id", d.Id()},
          {"linac", d.linac},
          {"start", FormatUtcIso(d.start)},
          {"end", FormatUtcIso(d.end)},
          {"source_start", d.start_text},  // the linac clock's own text
          {"source_end", d.end_text},
          {"patient_id", names ? d.patient_id : MaskPatientId(d.patient_id)},
          {"patient_name", names ? json(d.patient_name) : json(nullptr)},
          {"rx_site", names ? json(d.rx_site) : json(nullptr)},
          {"field", d.field_id},
          {"machine_id", d.machine_id},
          {"radiation_type", d.radiation_type},
          {"energies", Texts(d.energies)},
          {"mu", d.mu},
          {"prescribed_mu", NumberOrNull(d.prescribed_mu)},
          {"gantry_min", NumberOrNull(d.gantry_min)},
          {"gantry_max", NumberOrNull(d.gantry_max)},
          {"collimator_min", NumberOrNull(d.collimator_min)},
          {"collimator_max", NumberOrNull(d.collimator_max)},
          {"interlocks", Texts(d.interlocks)},
          {"segments", d.segments},
          {"messages", d.messages},
          {"counter_gaps", d.counter_gaps},
          {"continuations", d.continuations},
          {"capture_losses", d.capture_losses},
          {"malformed", d.malformed},
          {"close_reason", d.close_reason}};
}

}  // namespace

std::string MaskPatientId(const std::string& id) {
  constexpr size_t kShown = 3;
  if (id.size() <= kShown) return std::string(id.size(), '*');
  return std::string(id.size() - kShown, '*') + id.substr(id.size() - kShown);
}

HttpAnswer Deliveries(const ConsoleBackend& b, const ParsedTarget& t) {
  const Page p = ParsePage(t);
  if (!p.error.empty()) return ErrorAnswer(400, p.error);
  icom::DeliveryQuery q;
  for (auto [name, field] : {std::pair{"linac", &q.linac}, std::pair{"patient", &q.patient},
                             std::pair{"field", &q.field}}) {
    if (auto it = t.query.find(name); it != t.query.end()) *field = it->second;
  }
  if (q.linac.empty()) {
    return ErrorAnswer(400, "deliveries need ?linac=<the [[source.icom]] name>; "
                            "GET /api/v1/components lists the sources (kind source.icom)");
  }
  for (auto [name, bound] : {std::pair{"since", &q.since}, std::pair{"until", &q.until}}) {
    if (std::string e = ParseBound(t, name, bound); !e.empty()) return ErrorAnswer(400, e);
  }
  q.limit = kMaxRead + 1;
  auto read = b.deliveries(q);
  if (!read.ok()) return ErrorAnswer(503, "cannot read deliveries: " + read.status().message());
  const bool cut = read->size() > kMaxRead;
  if (cut) read->pop_back();  // read one more than kMaxRead only to know there are more
  const bool names = b.show_patient_names;
  json doc = PageOf(p, *read, [names](const icom::Delivery& d) { return DeliveryJson(d, names); });
  doc["linac"] = q.linac;
  doc["truncated"] = cut;  // more than kMaxRead in range: narrow since/until
  return JsonAnswer(200, std::move(doc));
}

}  // namespace qcflow::console
