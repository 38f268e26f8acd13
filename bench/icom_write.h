// The same iCom records (IcomCorpus) written three ways, in the same run:
//   - raw RocksDB WriteBatches of the records' envelopes (the baseline),
//   - Journal::AppendBatch into a store,
//   - raw RocksDB with a chosen compression, flushed and compacted, to
//     measure bytes on disk per message (the journal's compression choice).
// Only the writes are timed; building the records is not.
#ifndef QCFLOW_BENCH_ICOM_WRITE_H_
#define QCFLOW_BENCH_ICOM_WRITE_H_

#include <cstdint>
#include <string>

#include "bench/raw_db.h"
#include "store/status.h"
#include "store/store.h"

namespace qcflow::bench {

struct IcomWriteOptions {
  int linacs = 10;
  uint64_t messages = 20000;  // in total
  size_t batch = 256;         // records per write (capture's max_batch)
  uint64_t seed = 2026;
  Sync sync = Sync::kFsync;   // WAL fsynced per batch, as the store's default durability
};

struct IcomWriteReport {
  uint64_t messages = 0;
  uint64_t payload_bytes = 0;  // raw message bytes
  double write_seconds = 0;    // time spent in the timed writes
  double messages_per_s = 0, mb_per_s = 0;  // payload MB/s
};

// Raw RocksDB (the journal family's options) in `dir`, one WriteBatch per batch.
Result<IcomWriteReport> WriteIcomRaw(const std::string& dir, const IcomWriteOptions& options);
// A fresh store in `dir`, Journal::AppendBatch per batch.
Result<IcomWriteReport> WriteIcomJournal(const std::string& dir, const IcomWriteOptions& options);

struct CompressionReport {
  Compression compression = Compression::kNone;
  uint64_t messages = 0, payload_bytes = 0;
  uint64_t flushed_sst_bytes = 0;    // after the memtable flush (level 0)
  uint64_t compacted_sst_bytes = 0;  // after a full compaction (bottommost level)
  double write_seconds = 0;          // writes + flush + compaction
  double scan_mb_per_s = 0;          // reading everything back (decompression), payload MB/s
  double flushed_bytes_per_message() const { return double(flushed_sst_bytes) / double(messages); }
  double bytes_per_message() const { return double(compacted_sst_bytes) / double(messages); }
};

// Writes options.messages records into raw RocksDB with the journal family's
// table options and `compression`, flushes, compacts, reads back.
Result<CompressionReport> MeasureIcomCompression(const std::string& dir,
                                                 const IcomWriteOptions& options,
                                                 Compression compression);

}  // namespace qcflow::bench

#endif  // QCFLOW_BENCH_ICOM_WRITE_H_
