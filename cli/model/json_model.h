// One JSON model for what qcflow shows: `qcflow query ... --format json` and
// the read API (/api/v1/...) build a record, a session and a delivery here,
// so the same thing reads the same in both (docs/api.md).
//
// Promises:
//   - Every instant is RFC 3339 with its offset in `zone` (the display zone,
//     cli/runtime/display_zone.h); a source clock's own text is kept beside
//     it as source_time / source_start / source_end, never parsed again.
//   - Booleans are booleans, numbers numbers, a missing value null, and a
//     record's meta an object (its stored text when that is not JSON).
//   - A document has "v": 1 and names its zone.
#ifndef QCFLOW_CLI_MODEL_JSON_MODEL_H_
#define QCFLOW_CLI_MODEL_JSON_MODEL_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include "cli/model/json_values.h"
#include "ingest/icom/icom_message.h"
#include "process/common/qc_session.h"
#include "process/icom/delivery.h"
#include "store/record.h"

namespace qcflow::model {

// {"v": 1, "zone": zone, "items": items}: what a CLI query prints.
nlohmann::json ItemsDocument(nlohmann::json items, std::string_view zone);

// "QC000123" -> "*****123"; three characters or fewer: all stars.
std::string MaskPatientId(const std::string& id);

// A journal record: seq, kind, source, event_time, source_time, captured,
// bytes, dedup_key, quarantined, meta. The payload is left out (it can be
// megabytes); a caller that wants it adds it.
nlohmann::json RecordJson(uint64_t seq, const RecordView& r, std::string_view zone);

// A QA session as stored (process/common/qc_session.h), with work_started and
// work_completed as instants and the source's clock zone as source_zone.
// Without `file_contents` an uploaded file's value (up to megabytes) is left
// out and its size given as file.bytes.
nlohmann::json SessionJson(const QcSession& s, std::string_view zone, bool file_contents = true);

// A closed or open iCom delivery. Unless `show_patient`, the Patient ID is
// masked and patient_name and rx_site are null (protected health information).
nlohmann::json DeliveryJson(const icom::Delivery& d, bool show_patient, std::string_view zone);

// The collimation parts a message carries: "P" prescribed, "S" set, "R" run
// (as delivered). kIcomPartRule says so to a person who gave another.
bool IsIcomPart(std::string_view part);
inline constexpr const char* kIcomPartRule =
    "must be P (prescribed), S (set) or R (run, as delivered; the default)";

// One decoded iCom message, fields in the spec's table order (ordered, so a
// table reads as the spec does): `time` in `zone`, `source_time` the linac
// clock's text, numbers as numbers, absent values null, and the jaws and MLC
// of `part`. REQUIRES: IsIcomPart(part).
// Unless `show_patient`, the Patient ID is masked and name and site are null.
nlohmann::ordered_json IcomMessageJson(uint64_t seq, const Record& record, const icom::IcomMessage& m,
                                       std::string_view part, std::string_view zone, bool show_patient);

}  // namespace qcflow::model

#endif  // QCFLOW_CLI_MODEL_JSON_MODEL_H_
