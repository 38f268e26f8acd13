// RawDb: plain RocksDB, the baseline the journal is measured against (the
// same bytes, the same disk, the same sync setting, in the same run), and the
// test bed for the journal family's compression choice. This and
// store_bench.cc's three-family baseline are the only code outside store/
// that talks to RocksDB directly; RocksDB stays in raw_db.cc (the accessors
// below hand out forward-declared pointers for benchmarks that need more).
#ifndef QCFLOW_BENCH_RAW_DB_H_
#define QCFLOW_BENCH_RAW_DB_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "store/status.h"

namespace rocksdb {
class DB;
class ColumnFamilyHandle;
struct WriteOptions;
}  // namespace rocksdb

namespace qcflow::bench {

enum class Sync {
  kFsync,  // WAL fsynced before each write returns (Durability::kSyncEveryWrite)
  kGroup,  // WAL written per call, fsynced every 20 ms by a thread (kGroupCommit)
};
const char* SyncName(Sync s);

// Compression of the default family (what the journal family would use).
enum class Compression {
  kNone,
  kLz4,
  kLz4ZstdBottom,  // LZ4, ZSTD on the bottommost level (the journal until 2026-11)
  kZstd,           // ZSTD (level 3) on every level
  kZstdDict,       // ZSTD with a 16 KiB dictionary trained per SST
};
const char* CompressionName(Compression c);

struct RawDbOptions {
  Sync sync = Sync::kGroup;
  Compression compression = Compression::kZstd;  // as the journal family (store.cc)
  bool three_families = false;  // also "dedup" and "index" families (LZ4)
  // The journal family's table layout (block size) rather than RocksDB's default.
  bool journal_table = false;
};

class RawDb {
 public:
  // Opens (creating) a database in `dir`; aborts with a message on failure
  // (benchmarks have nothing to report to) — use Open for a Status.
  RawDb(const std::string& dir, RawDbOptions options);
  static Result<std::unique_ptr<RawDb>> Open(const std::string& dir, RawDbOptions options);
  ~RawDb();
  RawDb(const RawDb&) = delete;
  RawDb& operator=(const RawDb&) = delete;

  rocksdb::DB* db();
  rocksdb::ColumnFamilyHandle* family(size_t i);
  const rocksdb::WriteOptions& wo() const;

  // One WriteBatch in the default family: values under big-endian counter keys
  // continuing from the previous call (the journal's key shape).
  Status WriteBatch(const std::vector<std::string_view>& values);
  // Put of one value under the next counter key.
  Status Put(std::string_view value);
  uint64_t written() const { return next_key_; }

  // Iterates the default family from the start; returns entries and value bytes.
  Status ScanAll(uint64_t* entries, uint64_t* bytes);
  // Flushes the memtables and compacts everything to the bottommost level
  // (what a store looks like once its data has settled).
  Status FlushAndCompact();
  Status FlushOnly();
  // Bytes of SST files of the default family.
  uint64_t SstBytes();

 private:
  RawDb() = default;
  Status Init(const std::string& dir, RawDbOptions options);
  struct Impl;
  std::unique_ptr<Impl> impl_;
  uint64_t next_key_ = 0;
};

}  // namespace qcflow::bench

#endif  // QCFLOW_BENCH_RAW_DB_H_
