#include "cli/console/deliveries_api.h"

#include "cli/console/api_json.h"
#include "cli/model/json_model.h"

namespace qcflow::console {
namespace {

using nlohmann::json;

// A day or a week of a busy linac is hundreds; years are far more than a page
// can draw. The answer says when this cap cut the list.
constexpr size_t kMaxRead = 20000;

}  // namespace

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
    if (std::string e = ParseBound(t, name, b.zone, bound); !e.empty()) return ErrorAnswer(400, e);
  }
  q.limit = kMaxRead + 1;
  auto read = b.deliveries(q);
  if (!read.ok()) return ErrorAnswer(503, "cannot read deliveries: " + read.status().message());
  const bool cut = read->size() > kMaxRead;
  if (cut) read->pop_back();  // read one more than kMaxRead only to know there are more
  const bool names = b.show_patient_names;
  json doc = PageOf(p, *read, [names, &b](const icom::Delivery& d) { return model::DeliveryJson(d, names, b.zone); });
  doc["linac"] = q.linac;
  doc["truncated"] = cut;  // more than kMaxRead in range: narrow since/until
  return JsonAnswer(200, std::move(doc));
}

}  // namespace qcflow::console
