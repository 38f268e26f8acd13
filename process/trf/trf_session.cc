#include "process/trf/trf_session.h"

#include <cmath>

#include "process/common/test_appender.h"
#include "store/derived.h"

namespace qcflow::trf {

QcSession TrfDeliverySession(const TrfDelivery& d) {
  const std::string& source_id = d.source_id.empty() ? d.linac : d.source_id;
  QcSession s;
  s.source_kind = "trf";
  s.source_id = source_id;
  s.source_seqs = {d.seq};
  s.machine = {.serial = "", .name = d.linac, .id = d.machine_id, .type = "linac",
               .manufacturer = "Elekta", .model = ""};
  s.procedure = "TRF delivery";
  // Every session names its unit and list (ValidateQcSession): the linac is
  // the unit, the procedure the list, as for iCom deliveries.
  s.unit_name = d.linac;
  s.test_list_name = s.procedure;
  s.zone = d.zone.empty() ? "UTC" : d.zone;
  s.work_started = d.indexed_at;
  s.work_completed = d.indexed_at + static_cast<MicrosUtc>(std::llround(d.duration_s * 1e6));
  s.user_key = "qcflow/trf/" + source_id + "/" + std::to_string(d.seq);
  std::map<std::string, std::string> beam;
  if (!d.field_label.empty()) beam["field_label"] = d.field_label;
  if (!d.field_name.empty()) beam["field_name"] = d.field_name;
  TestAppender add(&s.tests, std::move(beam));
  auto range = [&](const std::string& key, const std::string& name, const AxisRange& r,
                   const std::string& unit) {
    add.Number(key + "_max", name + " max", r.max, unit);
    add.Number(key + "_min", name + " min", r.min, unit);
  };
  // In key order, as ValidateQcSession's callers expect.
  range("collimator", "Collimator", d.collimator, "°");
  add.Number("duration", "Duration", d.duration_s, "s");
  range("gantry", "Gantry", d.gantry, "°");
  add.Text("interrupted", "Interrupted", d.interrupted ? "yes" : "no");
  add.Text("last_state", "Last linac state", d.last_state);
  add.Number("mu", "Delivered MU", d.mu, "MU",
             d.header_mu > 0 ? std::optional<double>(d.header_mu) : std::nullopt);
  add.Number("rows", "Rows", double(d.rows), "");
  range("x1", "Jaw X1", d.x1, "mm");
  range("x2", "Jaw X2", d.x2, "mm");
  range("y1", "Jaw Y1", d.y1, "mm");
  range("y2", "Jaw Y2", d.y2, "mm");
  s.comment = "log " + d.file + (d.issues > 0 ? "; damaged: " + d.first_issue : "");
  return s;
}

Status ForEachTrfDeliverySession(Derived& derived, const std::function<bool(const QcSession&)>& visit) {
  Status bad;
  Status scan = derived.Scan(kTrfDeliveryNs, "", [&](std::string_view key, std::string_view value) {
    auto d = DecodeTrfDelivery(value);
    if (!d.ok()) {
      bad = d.status().WithContext("the stored TRF delivery " + std::string(key));
      return false;
    }
    return visit(TrfDeliverySession(*d));
  });
  return bad.ok() ? scan : bad;
}

}  // namespace qcflow::trf
