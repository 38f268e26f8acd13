#include "process/icom/delivery_session.h"

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
  s.user_key = "qcflow/icom/" + d.Id();
  std::map<std::string, std::string> beam;
  if (!d.field_id.empty()) beam["field_id"] = d.field_id;
  if (!d.energies.empty()) beam["energy"] = Joined(d.energies);
  if (!d.radiation_type.empty()) beam["radiation_type"] = d.radiation_type;
  if (!d.beam_description.empty()) beam["beam"] = d.beam_description;
  auto number = [&](const std::string& key, const std::string& name, std::optional<double> v,
                    const std::string& unit, std::optional<double> reference = std::nullopt) {
    if (!v) return;
    TestResult t;
    t.key = key;
    t.name = name;
    t.number = *v;
    t.unit = unit;
    t.reference = reference;
    t.parameters = beam;
    s.tests.push_back(std::move(t));
  };
  number("collimator_max", "Collimator max", d.collimator_max, "°");
  number("collimator_min", "Collimator min", d.collimator_min, "°");
  number("gantry_max", "Gantry max", d.gantry_max, "°");
  number("gantry_min", "Gantry min", d.gantry_min, "°");
  if (!d.interlocks.empty()) {
    TestResult t;
    t.key = "interlocks";
    t.name = "Interlocks";
    t.text = Joined(d.interlocks);
    t.role = TestRole::kContext;
    s.tests.push_back(std::move(t));
  }
  number("mu", "Delivered MU", d.mu, "MU", d.prescribed_mu);
  number("segments", "Segments", double(d.segments), "");
  s.comment = d.close_reason.empty() ? "" : "closed: " + d.close_reason;
  return s;  // tests in key order, as ValidateQcSession's callers expect
}

}  // namespace qcflow::icom
