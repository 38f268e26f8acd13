// PostgresSink: mirrors the sessions queued in a store's outbox into a central
// PostgreSQL database, exactly once in effect.
//
// One DeliverOnce(now) call takes up to batch_limit pending items in order,
// loads each session (the derived record the item names, DecodeQcSession),
// applies its source's current mapping, and writes them all in ONE
// transaction: every session is an upsert keyed by (site, user_key) that
// changes nothing when its content hash is the stored one, else replaces its
// value rows and bumps its revision (the previous content stays in
// session_revisions). Only after COMMIT are the items acked, in one outbox
// write. So:
//   - a replay, or a crash between COMMIT and ack, writes the same rows again
//     as a no-op: rows are never duplicated, and no write-ahead is needed;
//   - any database failure (refused connection, dropped mid-transaction, read-
//     only replica, full disk) rolls the whole batch back and leaves every item
//     pending; the caller retries with backoff. Nothing is lost or half-written.
//     A connection kept from an earlier call is retried once on a fresh one
//     first, so a server restart between rounds costs no backoff;
//   - items that can never be written (session missing, not decodable, invalid,
//     text PostgreSQL cannot hold) become dead letters carrying why.
// Connect() opens the session and creates or migrates the schema (pg_schema.h);
// a schema newer than this binary is refused and nothing is written.
//
// Thread safety: none; call from one thread.
#ifndef QCFLOW_EXPORT_POSTGRES_POSTGRES_SINK_H_
#define QCFLOW_EXPORT_POSTGRES_POSTGRES_SINK_H_

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "process/common/qc_session.h"
#include "process/common/session_mapping.h"
#include "store/outbox.h"
#include "store/status.h"
#include "store/store.h"

namespace soci {
class session;
}  // namespace soci

namespace qcflow::postgres {

struct PostgresSinkConfig {
  std::string name = "postgres";  // outbox sink name
  std::string conninfo;           // libpq keywords or URI, no password (CheckConninfo)
  std::string password;           // from password_file / password_env; never logged
  std::string schema = "qcflow";  // REQUIRES: IsPlainIdentifier
  std::string site;               // this site's name; REQUIRES: non-empty
  bool sessions = true;           // mirror sessions (rows in sessions, session_values, session_revisions)
  bool deliveries = true;         // and delivery sessions (iCom, TRF) as rows in deliveries too
  size_t batch_limit = 100;       // items per transaction
  int connect_timeout_seconds = 10;
  // Source id -> its current units map and test list template (as for QATrack+).
  std::map<std::string, SessionMapping> mappings;
  // Tests only: called inside the batch's transaction, just before COMMIT
  // (e.g. to terminate the connection mid-transaction).
  std::function<void()> before_commit;
  // Tests only: called after COMMIT, before the acks are written; returning true
  // makes DeliverOnce return Internal without acking, as if the process died there.
  std::function<bool()> crash_before_ack;
};

struct PgDeliveryReport {
  size_t attempted = 0;      // items looked at
  size_t inserted = 0;       // sessions new to the database
  size_t updated = 0;        // sessions whose content changed (revision + 1)
  size_t unchanged = 0;      // already there with the same content (replay, crash before ack)
  size_t deliveries = 0;     // deliveries rows written (new or changed)
  size_t dead_lettered = 0;  // DeliverOnce: dead letters; Mirror: sessions refused
  std::vector<std::string> refused;  // Mirror: why each refused session cannot be written
  Status failure;            // the database failed; the batch is pending, retry with backoff

  // Sums the counts of a later report into this one, appends its refusals
  // and takes its failure: a pass or a backfill as one report.
  void Add(PgDeliveryReport later);
};

class PostgresSink {
 public:
  // REQUIRES: `store` outlives the sink; null only for Check (validate).
  static Result<std::unique_ptr<PostgresSink>> Create(Store* store, PostgresSinkConfig config);
  ~PostgresSink();

  // Opens the connection, migrates the schema, records the site. Unavailable
  // when the server cannot be reached, Incompatible for a newer schema.
  Status Connect();
  bool connected() const { return sql_ != nullptr; }
  // Drops the connection (the next DeliverOnce connects again).
  void Disconnect();

  // Read-only: connects, reports the schema's version and what a migration
  // would do, disconnects. For `qcflow validate`.
  Result<std::string> Describe();

  // Delivers one batch. Non-OK only when the store fails (or crash_before_ack
  // fires); a database failure is report.failure (the connection is dropped;
  // the items stay pending).
  Result<PgDeliveryReport> DeliverOnce(MicrosUtc now);

  // Writes `sessions` in one transaction as DeliverOnce would, bypassing the
  // outbox (`qcflow backfill postgres`: the store is only read). A session that
  // can never be written is counted in dead_lettered with its reason in refused;
  // a database failure is report.failure (nothing of the batch committed).
  // The mapping of each session's source applies, as for queued items.
  PgDeliveryReport Mirror(std::vector<QcSession> sessions);

 private:
  struct Prepared {  // a session ready to write
    OutboxItem item;
    QcSession session;
    std::string encoded;
    std::string hash;
  };

  PostgresSink(Store* store, PostgresSinkConfig config);
  Status Open();
  // Why `item` can never be written, or "" (and `out` filled).
  std::string Prepare(const OutboxItem& item, Prepared* out, Status* store_error);
  // The same for a loaded session (`out->item` left as it is).
  std::string PrepareSession(QcSession session, Prepared* out) const;
  // Connects when needed and writes `ready`; a kept connection that fails is
  // retried once on a fresh one.
  Status WriteWithRetry(const std::vector<Prepared>& ready, PgDeliveryReport* report);
  // Writes `ready` in one transaction and counts the outcome in `report`; a
  // database error drops the connection and is returned.
  Status WriteBatch(const std::vector<Prepared>& ready, PgDeliveryReport* report);
  // Once per connection, after its first batch that inserted a session.
  void AnalyzeSessions();
  std::string Clean(std::string msg) const;

  Store* store_;
  PostgresSinkConfig config_;
  std::unique_ptr<soci::session> sql_;
  bool analyzed_ = false;  // AnalyzeSessions ran on this connection
};

}  // namespace qcflow::postgres

#endif  // QCFLOW_EXPORT_POSTGRES_POSTGRES_SINK_H_
