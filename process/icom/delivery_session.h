// A closed iCom delivery as a QcSession, the neutral form sinks take: what the
// open-format archives ([[sink.quaac]], [[sink.quip]]) write for a routed
// linac. The session names the beam, not the patient: no patient ID or name
// reaches a sink (PHI stays in the store, `qcflow query deliveries`).
#ifndef QCFLOW_PROCESS_ICOM_DELIVERY_SESSION_H_
#define QCFLOW_PROCESS_ICOM_DELIVERY_SESSION_H_

#include <string>
#include <string_view>

#include "process/common/qc_session.h"
#include "process/icom/delivery.h"

namespace qcflow::icom {

// A delivery session's user_key is this prefix + Delivery::Id() ("LA1/571").
inline constexpr std::string_view kDeliveryUserKeyPrefix = "qcflow/icom/";

// Where delivery sessions are stored (key: user_key); indexed in kSessionsBySource.
inline constexpr const char* kDeliverySessionNs = "icom.session";

// machine: name = linac, id = the linac's machine id, type "linac",
// manufacturer "Elekta"; procedure and test_list_name "iCom delivery",
// unit_name = linac (so ValidateQcSession accepts it); work times = the first and
// last message; user_key kDeliveryUserKeyPrefix + "<linac>/<first seq>". Tests: "mu" (MU;
// reference = the prescribed MU when known), gantry/collimator min and max
// (°), "segments", "interlocks" (text) — each with parameters field_id,
// energy, radiation_type, beam; plus close_reason. REQUIRES: !d.open.
QcSession DeliverySession(const Delivery& d, const std::string& zone);

}  // namespace qcflow::icom

#endif  // QCFLOW_PROCESS_ICOM_DELIVERY_SESSION_H_
