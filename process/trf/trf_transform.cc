#include "process/trf/trf_transform.h"

#include <nlohmann/json.hpp>

#include "process/common/session_index.h"
#include "process/trf/trf_delivery.h"
#include "process/trf/trf_session.h"
#include "store/journal.h"
#include "store/store.h"
#include "store/write_set.h"

namespace qcflow::trf {
namespace {

// Where the capture found the log (its meta: ingest/trf/trf_capture.h for a
// loose log, trf_backups.h for a backup's member).
struct Provenance {
  std::string linac, file, zone;
};

Provenance ReadMeta(std::string_view meta) {
  Provenance p;
  nlohmann::json j = nlohmann::json::parse(meta, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return p;
  auto text = [&](const char* key) {
    auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  p.linac = text("linac");
  p.zone = text("zone");
  const std::string dir = text("dir"), path = text("path"), zip = text("zip");
  // A backup's member: "<backups>/<zip>!/<member>" (as a jar URL names one).
  if (!zip.empty()) {
    const std::string backups = text("backups");  // "" for a zip given to backfill by its path
    p.file = (backups.empty() ? "" : backups + "/") + zip + "!/" + text("member");
  } else {
    p.file = dir.empty() ? path : dir + "/" + path;
  }
  return p;
}

}  // namespace

void TrfStepReport::Add(const TrfStepReport& r) {
  records_read += r.records_read;
  deliveries_written += r.deliveries_written;
  damaged += r.damaged;
  sessions_queued += r.sessions_queued;
  caught_up = r.caught_up;
  problems.insert(problems.end(), r.problems.begin(), r.problems.end());
}

TrfTransform::TrfTransform(Store* store, const ColumnsTable* table, TrfTransformConfig config)
    : store_(store), table_(table), config_(std::move(config)),
      cursor_name_("transform.trf/" + config_.source_id) {}

Result<TrfStepReport> TrfTransform::Step() {
  auto cursor = store_->GetCursor(cursor_name_);
  if (!cursor.ok()) return cursor.status();
  TrfStepReport report;
  WriteSet ws;
  auto next = store_->journal().ScanKinds(*cursor, config_.records_per_step, {config_.kind},
                                          [&](uint64_t seq, const RecordView& rec) {
    ++report.records_read;
    if (rec.kind != config_.kind || rec.quarantined() || rec.source_id != config_.source_id) {
      return true;
    }
    const Provenance where = ReadMeta(rec.meta);
    if (Status s = DecodeTrf(rec.payload, *table_, &log_); !s.ok()) {
      // The capture quarantines what does not decode; a record that still
      // does not (another columns table) is reported, not retried.
      report.problems.push_back(where.file + ": " + s.message() + "; no delivery derived");
      return true;
    }
    TrfDelivery d = DeriveTrfDelivery(log_);
    d.id = std::string(rec.dedup_key);
    d.seq = seq;
    d.linac = where.linac;
    d.source_id = config_.source_id;
    d.file = where.file;
    d.zone = where.zone;
    d.indexed_at = d.start ? *d.start : rec.event_time;
    if (d.issues > 0) {
      ++report.damaged;
      report.problems.push_back(where.file + ": damaged (" + std::to_string(d.issues) +
                                " problem(s); derived from what decodes), first " + d.first_issue);
    }
    ws.PutDerived(kTrfDeliveryNs, d.id, EncodeTrfDelivery(d));
    ws.PutDerivedIndex(kTrfDeliveryByTime, TrfTimeIndexKey(d), kTrfDeliveryNs, d.id);
    ++report.deliveries_written;
    if (!config_.sinks.empty()) {
      // A repeated step rewrites the same session; the outbox queues an id once, ever.
      const QcSession session = TrfDeliverySession(d);
      ws.ReplaceDerived(kTrfSessionNs, session.user_key, EncodeQcSession(session));
      ws.PutDerivedIndex(kSessionsBySource,
                         SessionIndexKey(session.source_id, session.work_started, session.user_key),
                         kTrfSessionNs, session.user_key);
      for (const std::string& sink : config_.sinks) {
        ws.Enqueue(sink, session.user_key, kTrfSessionNs, session.user_key, SessionGroup(session));
      }
      ++report.sessions_queued;
    }
    return true;
  });
  if (!next.ok()) return next.status().WithContext("reading the journal for the TRF transform");
  report.caught_up = report.records_read < config_.records_per_step ||
                     *next > store_->journal().last_seq();
  if (*next != *cursor) ws.SetCursor(cursor_name_, *next);
  if (!ws.empty()) {
    auto committed = store_->Commit(ws);
    if (!committed.ok()) return committed.status().WithContext("TRF transform commit");
  }
  return report;
}

}  // namespace qcflow::trf
