// A TRF delivery as a QcSession, the neutral form sinks take: what the
// open-format archives ([[sink.quaac]], [[sink.quip]]) and the central
// PostgreSQL get for a routed [[source.trf]]. A log holds no patient identity,
// so none can reach a sink; the session names the beam and the log's file.
#ifndef QCFLOW_PROCESS_TRF_TRF_SESSION_H_
#define QCFLOW_PROCESS_TRF_TRF_SESSION_H_

#include <functional>
#include <string>

#include "process/common/qc_session.h"
#include "process/trf/trf_delivery.h"

namespace qcflow {
class Derived;
}

namespace qcflow::trf {

// Where TRF delivery sessions are stored (key: user_key); indexed in kSessionsBySource.
inline constexpr const char* kTrfSessionNs = "trf.session";

// source_kind "trf", source_id = d.source_id (the [[source.trf]]'s name; the
// linac for deliveries derived before it was kept);
// machine: name = linac, id = the header's machine id, type "linac",
// manufacturer "Elekta"; procedure, test_list_name "TRF delivery"; unit_name =
// linac; zone = the source's (else UTC); work times = the start (the header
// date, else when the log was indexed) and start + duration; user_key
// "qcflow/trf/<source_id>/<seq>".
// The same delivery always gives the same session, so `qcflow export` of an
// unrouted source writes what a routed sink would have. Tests: "mu" (MU; reference = the header's
// MU), gantry/collimator min and max (°), jaws X1/X2/Y1/Y2 min and max (mm),
// "rows", "duration" (s) — each with parameters field_label, field_name —
// and the context texts "interrupted", "last_state"; the file in the comment.
QcSession TrfDeliverySession(const TrfDelivery& d);

// Every stored TRF delivery as its session (`qcflow export`), routed or not,
// in delivery-id order; stops when `visit` returns false. Corruption when a
// stored delivery does not decode.
Status ForEachTrfDeliverySession(Derived& derived, const std::function<bool(const QcSession&)>& visit);

}  // namespace qcflow::trf

#endif  // QCFLOW_PROCESS_TRF_TRF_SESSION_H_
