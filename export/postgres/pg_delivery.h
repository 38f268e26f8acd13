// The `deliveries` row of a delivery session (schema version 3): what the
// iCom and TRF delivery sessions (process/icom/delivery_session.h,
// process/trf/trf_session.h) carry, as columns a per-linac time query reads
// without parsing values. Sessions carry no patient identity by design (no
// PHI leaves the site), so the row's patient_id is always NULL.
#ifndef QCFLOW_EXPORT_POSTGRES_PG_DELIVERY_H_
#define QCFLOW_EXPORT_POSTGRES_PG_DELIVERY_H_

#include <optional>
#include <string>

#include "process/common/qc_session.h"

namespace qcflow::postgres {

struct DeliveryRow {
  std::string source_kind;   // "icom" | "trf"
  std::string linac;         // machine name
  std::string machine_id;    // the linac's own id ("" when not known)
  std::string field;         // iCom field_id, TRF field_label ("" when not known)
  std::string field_name;    // TRF field_name, iCom beam description
  std::string energy;        // iCom energies ("6 MV"); "" for TRF (a log has none)
  std::optional<double> mu, prescribed_mu;
  std::optional<double> gantry_min, gantry_max, collimator_min, collimator_max;
  std::optional<std::string> interlocks;  // iCom only, when the delivery had any
};

// True for the kinds DeliveryRowOf maps.
bool IsDeliverySession(const QcSession& s);

// The row of a delivery session; nullopt for any other session.
std::optional<DeliveryRow> DeliveryRowOf(const QcSession& s);

}  // namespace qcflow::postgres

#endif  // QCFLOW_EXPORT_POSTGRES_PG_DELIVERY_H_
