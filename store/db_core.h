// INTERNAL to store/: the open RocksDB instance and its column families.
// Only store/*.cc include this (it pulls in RocksDB headers); other modules use
// the public classes (Store, Journal, Derived, Outbox).
#ifndef QCFLOW_STORE_DB_CORE_H_
#define QCFLOW_STORE_DB_CORE_H_

#include <rocksdb/db.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <thread>
#include <vector>

#include "store/status.h"
#include "store/time_util.h"

namespace rocksdb {
class FileSystem;
class WriteBatch;
}

namespace qcflow {

// Shared use of the open database for the length of one call (DbCore::Use).
using DbUse = std::shared_lock<std::shared_timed_mutex>;

// A failed write (disk full, EIO) leaves RocksDB's write-ahead log writer
// poisoned: the Debian build keeps RocksDB's assertions, and any later append
// or sync through it aborts the process (AssertFalseAndGetStatusForPrevError).
// So after one failed write the database is never written again: the next
// write first closes and reopens it (at most every reopen_delay, doubling to a
// minute; reset by a write that works), which replays the WAL and starts a
// fresh one. Acknowledged writes are
// in the WAL; a failed batch is wholly absent, so callers simply retry it.
//
// Lock order: use_mu before Journal's mutex and commit_mu. Load functions that
// run inside a reopen (Journal::Reload, LoadOutboxOrder) take no use_mu.
struct DbCore {
  ~DbCore();

  std::unique_ptr<rocksdb::Env> env;  // outlives db: set only with StoreOptions::fail_write
  std::unique_ptr<rocksdb::DB> db;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;  // owned; destroyed before db
  rocksdb::ColumnFamilyHandle* journal = nullptr;     // be64 seq -> envelope
  rocksdb::ColumnFamilyHandle* dedup = nullptr;       // kind u8 + dedup key -> fixed64 seq
  rocksdb::ColumnFamilyHandle* index = nullptr;       // see journal.cc
  rocksdb::ColumnFamilyHandle* derived = nullptr;     // see derived.cc
  rocksdb::ColumnFamilyHandle* outbox = nullptr;      // see outbox.cc
  rocksdb::ColumnFamilyHandle* meta = nullptr;        // format marker, cursors, counters
  rocksdb::WriteOptions write_options;
  bool read_only = false;
  // The index family holds every record's kind-seq key (store format 3): set
  // by Store::Open once the format says so or the index was built.
  bool kind_index = false;
  std::string dir;

  // What opening needs, kept for a reopen.
  rocksdb::DBOptions db_options;
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  // Reloads the in-memory state (journal seq and counters, outbox order) after
  // a reopen. Runs with use_mu held exclusively.
  std::function<Status()> reload;

  // Opens `db` and the handles from db_options/descriptors (store.cc).
  Status OpenDb();
  // Shared use of the database; Unavailable while it is closed because a
  // reopen failed (the next write tries again).
  Result<DbUse> Use();
  // Before a write (no store lock held): if an earlier write failed, reopens
  // the database when its retry delay has passed, else returns that failure.
  Status PrepareWrite();
  // Writes `batch` with write_options; a failure marks the database failed
  // (see above) and comes back as a message naming the disk and its free space.
  // REQUIRES: a DbUse held.
  Status Write(rocksdb::WriteBatch* batch, const std::string& what);
  // Records a failed write or sync: no write goes through `db` until a reopen.
  void MarkFailed(const Status& failure, bool disk_full);
  // The failure of the last write, or OK once writes work again.
  Status failure() const;
  // The last failure was ENOSPC.
  bool DiskFull() const;
  // Bytes free on the store's filesystem (0 when unknown).
  uint64_t FreeBytes() const;

  std::shared_timed_mutex use_mu;  // exclusive only to reopen
  // Held shared by writes, exclusively by WAL syncs: a sync never runs through
  // a WAL writer that a concurrent write just poisoned.
  std::shared_mutex wal_mu;
  std::atomic<bool> failed{false};
  std::atomic<bool> backing_off{false};  // reopen_delay is running (no write worked since)
  mutable std::mutex failure_mu;  // guards the four below
  Status last_failure;
  bool no_space = false;
  std::chrono::steady_clock::time_point next_reopen{};
  std::chrono::milliseconds reopen_delay{0};

  // Serialises read-check-write commits of derived records, cursors and outboxes.
  std::mutex commit_mu;

  // Group commit: a background thread fsyncs the WAL periodically.
  void StartGroupCommit(std::chrono::milliseconds interval);
  // FlushWAL(sync) unless a write failed (that would abort, see above).
  Status SyncWal();
  std::thread syncer;
  std::mutex syncer_mu;
  std::condition_variable syncer_cv;
  bool stopping = false;

  // Next outbox order number; guarded by commit_mu.
  uint64_t next_outbox_order = 1;
};

// Staging helpers for Store::Commit, each next to the layout it writes.
// REQUIRES: core->commit_mu held.
class WriteSet;
struct CommitResult;
// outbox.cc: queues an item unless its id was ever queued for that sink
// (`requeue`: unless its id is queued now; a delivered id is queued again).
Status StageEnqueue(DbCore* core, const std::string& sink, const std::string& item_id,
                    const std::string& ref_ns, const std::string& ref_key,
                    const std::string& group, MicrosUtc now, rocksdb::WriteBatch* batch,
                    CommitResult* result, bool requeue = false);
// outbox.cc: loads next_outbox_order.
Status LoadOutboxOrder(DbCore* core);

// Converts a RocksDB status into a qcflow Status with `what` as context.
Status FromRocks(const rocksdb::Status& s, const std::string& what);

// db_core.cc: the info log RocksDB writes (<dir>/LOG), through stdio: RocksDB's
// own LOG writer aborts on its second write after a full disk. Errors are
// ignored (it is diagnostics). `path` empty: discards everything.
std::shared_ptr<rocksdb::Logger> NewStoreLogger(const std::string& path);
// db_core.cc: a listener that keeps RocksDB from resuming on its own after a
// background error; DbCore's reopen does that instead.
std::shared_ptr<rocksdb::EventListener> NewNoAutoRecoveryListener();
// db_core.cc: the default FileSystem, failing writes where fail_write says so.
// Each write, sync or file creation asks fail_write(file name) first; an errno
// it returns (ENOSPC, EIO) fails the operation as the disk would.
std::shared_ptr<rocksdb::FileSystem> NewFaultFileSystem(
    std::function<int(const std::string& file)> fail_write);

// Names of the column families, in handle order.
extern const char* const kColumnFamilies[6];

}  // namespace qcflow

#endif  // QCFLOW_STORE_DB_CORE_H_
