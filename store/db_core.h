// INTERNAL to store/: the open RocksDB instance and its column families.
// Only store/*.cc include this (it pulls in RocksDB headers); other modules use
// the public classes (Store, Journal, Derived, Outbox).
#ifndef QCFLOW_STORE_DB_CORE_H_
#define QCFLOW_STORE_DB_CORE_H_

#include <rocksdb/db.h>

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "store/status.h"
#include "store/time_util.h"

namespace rocksdb {
class WriteBatch;
}

namespace qcflow {

struct DbCore {
  ~DbCore();

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
  std::string dir;

  // Serialises read-check-write commits of derived records, cursors and outboxes.
  std::mutex commit_mu;

  // Group commit: a background thread fsyncs the WAL periodically.
  void StartGroupCommit(std::chrono::milliseconds interval);
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

// Names of the column families, in handle order.
extern const char* const kColumnFamilies[6];

}  // namespace qcflow

#endif  // QCFLOW_STORE_DB_CORE_H_
