#include "export/postgres/pg_delivery.h"

namespace qcflow::postgres {
namespace {

const TestResult* Find(const QcSession& s, const std::string& key) {
  for (const TestResult& t : s.tests) {
    if (t.key == key) return &t;
  }
  return nullptr;
}

std::optional<double> Number(const QcSession& s, const std::string& key) {
  const TestResult* t = Find(s, key);
  return t ? t->number : std::nullopt;
}

// Beam parameters ride on the measured numbers (TestAppender); MU is always there.
std::string Parameter(const QcSession& s, const std::string& name) {
  for (const TestResult& t : s.tests) {
    if (auto p = t.parameters.find(name); p != t.parameters.end()) return p->second;
  }
  return "";
}

}  // namespace

bool IsDeliverySession(const QcSession& s) { return s.source_kind == "icom" || s.source_kind == "trf"; }

std::optional<DeliveryRow> DeliveryRowOf(const QcSession& s) {
  if (!IsDeliverySession(s)) return std::nullopt;
  const bool icom = s.source_kind == "icom";
  DeliveryRow r;
  r.source_kind = s.source_kind;
  r.linac = s.machine.name;
  r.machine_id = s.machine.id;
  r.field = Parameter(s, icom ? "field_id" : "field_label");
  r.field_name = Parameter(s, icom ? "beam" : "field_name");
  r.energy = Parameter(s, "energy");
  if (const TestResult* mu = Find(s, "mu")) {
    r.mu = mu->number;
    r.prescribed_mu = mu->reference;
  }
  r.gantry_min = Number(s, "gantry_min");
  r.gantry_max = Number(s, "gantry_max");
  r.collimator_min = Number(s, "collimator_min");
  r.collimator_max = Number(s, "collimator_max");
  if (const TestResult* t = Find(s, "interlocks"); t && t->text && !t->text->empty()) r.interlocks = *t->text;
  return r;
}

}  // namespace qcflow::postgres
