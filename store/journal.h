// Journal: the append-only log of captured records, with dedup keys and two
// secondary indexes: by (kind, source, event time) and by (kind, seq).
//
// Append and AppendBatch are atomic and race-free: the dedup check and the
// insert happen under one lock, and a record's journal entry, dedup key, index
// entry and counters are written in one RocksDB WriteBatch — after a crash a
// record is either wholly present or absent. Records are never rewritten.
#ifndef QCFLOW_STORE_JOURNAL_H_
#define QCFLOW_STORE_JOURNAL_H_

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "store/record.h"
#include "store/status.h"

namespace qcflow {

struct DbCore;
struct SourceCount;

struct AppendResult {
  uint64_t seq = 0;        // the new record's seq, or the existing one's when duplicate
  bool duplicate = false;  // the dedup key was already present; nothing was written
};

struct IndexQuery {
  Kind kind = Kind::kEvent;
  std::optional<std::string> source_id;  // nullopt: every source of `kind`
  MicrosUtc from = std::numeric_limits<MicrosUtc>::min();   // inclusive
  MicrosUtc until = std::numeric_limits<MicrosUtc>::max();  // exclusive
  size_t limit = std::numeric_limits<size_t>::max();
};

class Journal {
 public:
  // Called for each record; return false to stop. The view is valid only
  // during the call.
  using Visitor = std::function<bool(uint64_t seq, const RecordView& record)>;

  explicit Journal(DbCore* core);
  // Loads the last seq and counters. Called once by Store::Open.
  Status Load();
  // Load again, after the store reopened its database (db_core.h).
  // REQUIRES: DbCore::use_mu held exclusively.
  Status Reload();

  // Appends one record, or reports the seq holding its dedup key.
  // An empty dedup_key means "never a duplicate" (use sparingly: events only).
  // REQUIRES: source_id shorter than 64 KiB; the store is writable.
  Result<AppendResult> Append(const Record& record);
  // Appends many records in one atomic write; duplicates (against the store or
  // earlier in the same batch) are reported, not written. Results are in input order.
  Result<std::vector<AppendResult>> AppendBatch(const std::vector<Record>& records);

  Result<Record> Get(uint64_t seq);
  // The records of `seqs` (any order, duplicates allowed), in that order; a
  // seq with no record is nullopt. One batched read: records sharing a block
  // decompress it once, where a Get per record may decompress it per record.
  Result<std::vector<std::optional<Record>>> GetMany(const std::vector<uint64_t>& seqs);

  // Visits records with seq >= from_seq in seq order, at most `limit`.
  // Returns the seq to continue from (last visited + 1, or from_seq if none).
  Result<uint64_t> Scan(uint64_t from_seq, size_t limit, const Visitor& visit);

  // Visits the records of `kinds` with seq >= from_seq in seq order, at most
  // `limit` of them, reading only those (the kind-seq index): a transform's
  // step costs its own records, not the whole journal's. Returns the seq to
  // continue from: after the last visited record when `limit` were visited or
  // the visitor returned false, else after the journal's last record when the
  // scan began (>= from_seq). On a store opened read-only before its index was
  // built (format < 3) it reads the whole journal, with the same results.
  // REQUIRES: kinds is non-empty.
  Result<uint64_t> ScanKinds(uint64_t from_seq, size_t limit, const std::vector<Kind>& kinds,
                             const Visitor& visit);

  // Writes the kind-seq entry of every record (the format 2 -> 3 migration),
  // in batches; returns how many records it indexed. Idempotent: an
  // interrupted build is simply run again. `progress` (if set) is told the
  // records indexed so far after each batch.
  // REQUIRES: the store is writable; no concurrent appends (Store::Open).
  Result<uint64_t> BuildKindIndex(const std::function<void(uint64_t indexed)>& progress = {});

  // Visits records matching `q` by event time (ties by seq), using the index.
  Status Query(const IndexQuery& q, const Visitor& visit);

  // The seq holding (kind, dedup_key), if any.
  Result<std::optional<uint64_t>> FindDedup(Kind kind, const std::string& dedup_key);

  uint64_t last_seq() const;  // 0 when empty
  // Blocks until last_seq() > after_seq or the timeout passes; true if it did.
  bool WaitForAppend(uint64_t after_seq, std::chrono::milliseconds timeout);
  std::vector<SourceCount> Counts() const;

 private:
  using CountKey = std::tuple<uint8_t, std::string>;  // kind, source id
  struct Count {
    uint64_t records = 0, quarantined = 0;
  };
  Status Validate(const Record& r) const;
  Result<uint64_t> ScanKindsByIndex(uint64_t from_seq, size_t limit, const std::vector<Kind>& kinds,
                                    const Visitor& visit);
  Result<uint64_t> ScanKindsByJournal(uint64_t from_seq, size_t limit,
                                      const std::vector<Kind>& kinds, const Visitor& visit);

  DbCore* core_;
  mutable std::mutex mu_;  // serialises appenders; guards last_seq_ and counts_
  std::condition_variable appended_;
  uint64_t last_seq_ = 0;
  std::map<CountKey, Count> counts_;
};

}  // namespace qcflow

#endif  // QCFLOW_STORE_JOURNAL_H_
