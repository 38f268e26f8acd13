// TrfDelivery: what one Elekta TRF log says was delivered (shared/spec/trf.md,
// "A delivery from a log"), its versioned JSON and the keys it is stored and
// indexed under. One log is one delivery: its identity is the log's journal
// dedup key (content hash), so the same log captured twice is one delivery.
//
// Logs hold no patient identity; a clinic aligns them to iCom deliveries and
// the record-and-verify system by linac, time and field (docs/trf.md).
#ifndef QCFLOW_PROCESS_TRF_TRF_DELIVERY_H_
#define QCFLOW_PROCESS_TRF_TRF_DELIVERY_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "ingest/trf/decoder.h"
#include "store/status.h"
#include "store/time_util.h"

namespace qcflow::trf {

// A span of one axis over the rows where the cumulative MU rose (empty when
// it never rose, or the log lacks the column).
struct AxisRange {
  std::optional<double> min, max;
  void Add(double v);
};

struct TrfDelivery {
  std::string id;             // the log record's dedup key
  uint64_t seq = 0;           // its journal seq
  // The source's linac; where the log was found first (a path, or
  // "<backups>/<zip>!/<member>" for a log inside a diagnostic backup).
  std::string linac, file;
  std::string source_id;      // the [[source.trf]]'s name ("" in stores before it was kept)
  std::string zone;           // the source's zone setting ("" = none given)
  std::string date_text, utc_offset;  // the header's, as written
  std::optional<MicrosUtc> start;     // the header date; empty when it does not read
  MicrosUtc indexed_at = 0;           // start, else the record's event time (its mtime)
  std::string field_label, field_name, machine_id;
  int version = 0;
  uint64_t rows = 0;
  double duration_s = 0;              // rows × 0.04 s
  double header_mu = 0;               // the header's MU (its "Total Dose")
  // Delivered: the sum of the cumulative step dose's rises. The counter is
  // per segment: it returns to 0 when a step-and-shoot segment ends (and on a
  // log's last sample), so neither its last nor its highest value is the beam's.
  double mu = 0;
  AxisRange gantry, collimator, x1, x2, y1, y2;  // while MU rose
  std::string first_state, last_state;  // linac state names (a number when unknown)
  // A state of the beam was Interupted / Interupted Ready, or it did not end in
  // Terminated Ok.
  bool interrupted = false;
  uint64_t issues = 0;        // the decoder's reports (damage, unknown codes)
  std::string first_issue;    // the first of them, with its byte offset

  // `start` in the header's own offset ("2017-04-20T07:18:39+10:00"); UTC
  // ISO when the offset does not read; "" without a start.
  std::string StartWithOffset() const;
};

// The delivery of a decoded log. REQUIRES: `log` was decoded (DecodeTrf OK).
TrfDelivery DeriveTrfDelivery(const TrfLog& log);

// Compact JSON {"v":1,...}. Decode returns Corruption for bad JSON and
// Incompatible for another version.
std::string EncodeTrfDelivery(const TrfDelivery& d);
Result<TrfDelivery> DecodeTrfDelivery(std::string_view json);

// ---- Keys (be64 time = indexed_at as an order-preserving big-endian u64;
// '\0' in text replaced by ' ' so a separator is never ambiguous):
//   delivery          id
//   by-time index     linac \0 time \0 id
inline constexpr char kTrfDeliveryNs[] = "trf.delivery";
inline constexpr char kTrfDeliveryByTime[] = "trf.delivery_by_time";
std::string TrfTimeIndexKey(const TrfDelivery& d);
// [from, until) of the by-time index for `linac` over [since, until).
// An empty linac: the whole index (the caller filters by time).
struct TrfIndexRange {
  std::string from, until;
};
TrfIndexRange TrfTimeIndexRange(std::string_view linac, MicrosUtc since, MicrosUtc until);

}  // namespace qcflow::trf

#endif  // QCFLOW_PROCESS_TRF_TRF_DELIVERY_H_
