#include "process/icom/delivery_session.h"

#include "process/common/test_appender.h"

namespace qcflow::icom {
namespace {

std::string Joined(const std::vector<std::string>& v) {
  std::string out;
  for (const std::string& s : v) out += (out.empty() ? "" : ", ") + s;
  return out;
}

}  // namespace

QcSession DeliverySession(const Delivery& d, const std::string& zone) {
  QcSession s;
  s.source_kind = "icom";
  s.source_id = d.linac;
  s.source_seqs = {d.first_seq, d.last_seq};
  s.machine = {.serial = "", .name = d.linac, .id = d.machine_id, .type = "linac",
               .manufacturer = "Elekta", .model = ""};
  s.procedure = "iCom delivery";
  // Every session names its unit and list (ValidateQcSession, which the
  // PostgreSQL sink applies): the linac is the unit, the procedure the list.
  s.unit_name = d.linac;
  s.test_list_name = s.procedure;
  s.zone = zone;
  s.work_started = d.start;
  s.work_completed = std::max(d.end, d.start);
  s.user_key = std::string(kDeliveryUserKeyPrefix) + d.Id();
  std::map<std::string, std::string> beam;
  if (!d.field_id.empty()) beam["field_id"] = d.field_id;
  if (!d.energies.empty()) beam["energy"] = Joined(d.energies);
  if (!d.radiation_type.empty()) beam["radiation_type"] = d.radiation_type;
  if (!d.beam_description.empty()) beam["beam"] = d.beam_description;
  TestAppender add(&s.tests, std::move(beam));
  add.Number("collimator_max", "Collimator max", d.collimator_max, "°");
  add.Number("collimator_min", "Collimator min", d.collimator_min, "°");
  add.Number("gantry_max", "Gantry max", d.gantry_max, "°");
  add.Number("gantry_min", "Gantry min", d.gantry_min, "°");
  if (!d.interlocks.empty()) add.Text("interlocks", "Interlocks", Joined(d.interlocks));
  add.Number("mu", "Delivered MU", d.mu, "MU", d.prescribed_mu);
  add.Number("segments", "Segments", double(d.segments), "");
  s.comment = d.close_reason.empty() ? "" : "closed: " + d.close_reason;
  return s;  // tests in key order, as ValidateQcSession's callers expect
}

}  // namespace qcflow::icom
