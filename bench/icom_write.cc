#include "bench/icom_write.h"

#include <chrono>
#include <memory>
#include <string_view>
#include <vector>

#include "bench/icom_corpus.h"
#include "store/journal.h"
#include "store/record.h"

namespace qcflow::bench {
namespace {

using Clock = std::chrono::steady_clock;

// Calls write(records, envelopes) per batch of the corpus, timing only the call.
template <typename Write>
Result<IcomWriteReport> WriteCorpus(const IcomWriteOptions& o, Write write) {
  if (o.linacs < 1 || o.messages == 0 || o.batch == 0) {
    return Status::InvalidArgument("need at least one linac, message and batch");
  }
  IcomCorpus corpus(o.linacs, o.seed);
  std::vector<Record> records;
  std::vector<std::string> envelopes;
  std::vector<std::string_view> views;
  IcomWriteReport report;
  Clock::duration timed{};
  while (report.messages < o.messages) {
    const size_t n = size_t(std::min<uint64_t>(o.batch, o.messages - report.messages));
    corpus.Next(n, &records);
    envelopes.resize(n);
    views.resize(n);
    for (size_t i = 0; i < n; ++i) {
      EncodeEnvelope(records[i], &envelopes[i]);
      views[i] = envelopes[i];
      report.payload_bytes += records[i].payload.size();
    }
    const Clock::time_point t0 = Clock::now();
    QCFLOW_RETURN_IF_ERROR(write(records, views));
    timed += Clock::now() - t0;
    report.messages += n;
  }
  report.write_seconds = std::chrono::duration<double>(timed).count();
  report.messages_per_s = double(report.messages) / report.write_seconds;
  report.mb_per_s = double(report.payload_bytes) / 1e6 / report.write_seconds;
  return report;
}

}  // namespace

Result<IcomWriteReport> WriteIcomRaw(const std::string& dir, const IcomWriteOptions& o) {
  RawDbOptions ro;
  ro.sync = o.sync;
  ro.journal_table = true;
  auto raw = RawDb::Open(dir, ro);
  if (!raw.ok()) return raw.status();
  return WriteCorpus(o, [&](const std::vector<Record>&, const std::vector<std::string_view>& v) {
    return (*raw)->WriteBatch(v);
  });
}

Result<IcomWriteReport> WriteIcomJournal(const std::string& dir, const IcomWriteOptions& o) {
  StoreOptions so;
  so.durability = o.sync == Sync::kFsync ? Durability::kSyncEveryWrite : Durability::kGroupCommit;
  auto store = Store::Open(dir, so);
  if (!store.ok()) return store.status();
  Journal& journal = (*store)->journal();
  return WriteCorpus(o, [&](const std::vector<Record>& r, const std::vector<std::string_view>&) {
    auto res = journal.AppendBatch(r);
    return res.ok() ? Status::OK() : res.status();
  });
}

Result<CompressionReport> MeasureIcomCompression(const std::string& dir,
                                                 const IcomWriteOptions& o,
                                                 Compression compression) {
  RawDbOptions ro;
  ro.sync = Sync::kGroup;  // the disk's sync cost is not what is compared here
  ro.compression = compression;
  ro.journal_table = true;
  auto raw = RawDb::Open(dir, ro);
  if (!raw.ok()) return raw.status();
  RawDb& db = **raw;
  const Clock::time_point t0 = Clock::now();
  auto written = WriteCorpus(o, [&](const std::vector<Record>&,
                                    const std::vector<std::string_view>& v) {
    return db.WriteBatch(v);
  });
  if (!written.ok()) return written.status();
  CompressionReport report;
  report.compression = compression;
  report.messages = written->messages;
  report.payload_bytes = written->payload_bytes;
  QCFLOW_RETURN_IF_ERROR(db.FlushOnly());
  report.flushed_sst_bytes = db.SstBytes();
  QCFLOW_RETURN_IF_ERROR(db.FlushAndCompact());
  report.compacted_sst_bytes = db.SstBytes();
  report.write_seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  uint64_t entries = 0, bytes = 0;
  const Clock::time_point s0 = Clock::now();
  QCFLOW_RETURN_IF_ERROR(db.ScanAll(&entries, &bytes));
  const double scan_s = std::chrono::duration<double>(Clock::now() - s0).count();
  if (entries != report.messages) return Status::Internal("read back a different count");
  report.scan_mb_per_s = double(report.payload_bytes) / 1e6 / scan_s;
  return report;
}

}  // namespace qcflow::bench
