// Store: qcflow's embedded, append-only database (RocksDB underneath).
//
// One directory holds everything qcflow persists: the journal of captured
// records, their dedup keys and secondary indexes, derived records (sessions,
// deliveries), transform cursors and per-sink outboxes. See docs/architecture.md
// for the column families and key layouts.
//
// Thread safety: a Store and the Journal/Derived/Outbox it hands out are safe to
// use from many threads. One process opens a store for writing at a time;
// others may open it read-only (status, query) while a daemon runs.
#ifndef QCFLOW_STORE_STORE_H_
#define QCFLOW_STORE_STORE_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "store/record.h"
#include "store/status.h"
#include "store/write_set.h"

namespace qcflow {

class Journal;
class Derived;
class Outbox;
struct DbCore;

enum class Durability {
  // fsync the write-ahead log before every append/commit returns. Default: an
  // acknowledged record survives power loss. Batch appends to amortise it.
  kSyncEveryWrite,
  // Write the WAL on every append (survives a process crash) and fsync it at
  // most `group_commit_interval` later (a power cut may lose that window).
  kGroupCommit,
};

// How far an upgrade of an older store's format (Store::Open) has got.
struct StoreUpgradeProgress {
  int to_version = 0;     // the format being built
  uint64_t done = 0;      // journal records read so far
  uint64_t total = 0;     // journal records to read
  bool finished = false;  // the last report of this step
};

struct StoreOptions {
  bool create_if_missing = true;
  bool read_only = false;
  Durability durability = Durability::kSyncEveryWrite;
  std::chrono::milliseconds group_commit_interval{20};
  // Memory: RocksDB's block cache, and every family's memtables together
  // (a write buffer manager flushes the largest when they pass the budget).
  // Without the shared budget each of the six families could hold 64 MiB of
  // memtable, so a backfill's RSS grew with the tree (docs/benchmarks.md,
  // "Backfill memory").
  size_t block_cache_bytes = 16 << 20;
  size_t memtable_budget_bytes = 16 << 20;
  // Test hook: asked before every write, sync or creation of a store file
  // (its path); a non-zero errno (ENOSPC, EIO) fails it inside RocksDB as the
  // disk would. Empty: the plain filesystem.
  std::function<int(const std::string& file)> fail_write;
  // Told the progress of each format upgrade Open runs (at its start, every
  // few thousand records, and when it finishes); never called on a current
  // store. Called on the opening thread. Empty: nobody is told.
  std::function<void(const StoreUpgradeProgress&)> on_upgrade;
};

// Whether writes work. A failed write (disk full, EIO) is an error value; the
// store then reopens itself on a later write (retried with backoff) and is
// writable again once the disk is.
struct StoreHealth {
  bool writable = true;
  bool disk_full = false;   // the failure was ENOSPC
  std::string error;        // the failure's message ("" while writable)
  uint64_t free_bytes = 0;  // on the store's filesystem, now
};

// The newest store format this build reads and writes. Persisted in the `meta`
// family. 1: the built-in record kinds only; 2: it also holds registered kinds
// (Store::RegisterKind), which a qcflow that reads only 1 must not guess at;
// 3: the journal is also indexed by kind and seq (Journal::ScanKinds), which
// a qcflow that reads only 1 or 2 would not keep up to date; 4: iCom dedup keys
// end in the message's XXH3 hash, not its FNV-1a (ingest/icom/icom_record.h), and
// every iCom record journaled before 4 also holds its XXH3 key, so a message
// captured before and after the upgrade is one record. A new store starts at 4;
// opening an older store for writing builds what it lacks (the kind index, the
// XXH3 keys) and raises it to 4 (read-only opens leave it as it is; ScanKinds
// then reads the whole journal).
constexpr int kStoreFormatVersion = 4;
constexpr int kStoreFormatVersionXxh3Keys = 4;
constexpr int kStoreFormatVersionKindIndex = 3;
constexpr int kStoreFormatVersionBuiltInKinds = 1;  // the oldest this build reads

struct SourceCount {
  Kind kind;
  std::string source_id;
  uint64_t records = 0;
  uint64_t quarantined = 0;
};

struct StoreStats {
  std::vector<SourceCount> sources;  // sorted by kind, then source id
  uint64_t last_seq = 0;
  uint64_t bytes_on_disk = 0;        // SST + WAL files
};

class Store {
 public:
  // Opens (or with create_if_missing, creates) the store in `dir`. Errors say
  // what is wrong and what to do: not a qcflow store, written by another format
  // version, in use by another process, damaged.
  static Result<std::unique_ptr<Store>> Open(const std::string& dir,
                                             const StoreOptions& options = {});
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  Journal& journal() { return *journal_; }
  Derived& derived() { return *derived_; }
  Outbox& outbox() { return *outbox_; }

  // Applies every operation of `ws` in one atomic RocksDB write. Derived
  // records whose key exists with the same bytes are no-ops; with different
  // bytes they are left as they were and reported as conflicts.
  // REQUIRES: the store was not opened read-only.
  Result<CommitResult> Commit(const WriteSet& ws);

  // A consumer's position in the journal (next seq to read); 0 if never set.
  Result<uint64_t> GetCursor(const std::string& consumer);

  Result<StoreStats> Stats();

  StoreHealth Health() const;

  // Forces the WAL to disk (used at shutdown under group commit).
  Status Sync();

  const std::string& dir() const { return dir_; }
  // The format version persisted in this store (1 to kStoreFormatVersion).
  int format_version() const;

  // The record kind of a component named `name` ("heartbeat"): a built-in
  // kind's code, else the code this store gave the name, else a new one
  // (kFirstRegisteredKind up, persisted before it is returned). Errors: FailedPrecondition when a new name
  // would be needed on a read-only store; FailedPrecondition also when no code is
  // left; InvalidArgument for an empty name or one with '/' or NUL.
  Result<Kind> RegisterKind(const std::string& name);

 private:
  // Reads the registered kinds (meta "kind/<name>") and names them
  // process-wide (NoteRegisteredKind). Part of Open.
  Status LoadRegisteredKinds();
  // Format 3's kind-seq index: in use when the format has it; on a writable
  // store of format 1 or 2, built first and the format raised. Part of Open.
  Status UseKindIndex(const StoreOptions& options);
  // Format 4's XXH3 iCom keys: on a writable store of format 3, added for every
  // iCom record and the format raised. Part of Open, after UseKindIndex.
  Status UseXxh3Keys(const StoreOptions& options);
  // Persists format `version` after the upgrade's writes (so a crash before it
  // only repeats the upgrade, which is idempotent).
  Status RaiseFormat(int version);
  Store(std::string dir, std::unique_ptr<DbCore> core);
  // REQUIRES: core_->commit_mu held.
  Result<CommitResult> StageAndWrite(const WriteSet& ws);
  std::string dir_;
  std::unique_ptr<DbCore> core_;
  std::unique_ptr<Journal> journal_;
  std::unique_ptr<Derived> derived_;
  std::unique_ptr<Outbox> outbox_;
};

}  // namespace qcflow

#endif  // QCFLOW_STORE_STORE_H_
