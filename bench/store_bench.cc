// store_bench: throughput of the journal next to raw RocksDB writing the same
// bytes, in the same run, with the same sync setting.
//
//   ./build/bench/store_bench                       # everything, ~1–2 minutes
//   ./build/bench/store_bench --benchmark_filter=batch1000/200B
//
// Append benchmarks are named <shape>/<record size>/<sync>/<variant>:
//   shape   single     one record per call (Journal::Append, DB::Put)
//           batch1000  1000 records per call (Journal::AppendBatch, one WriteBatch)
//   sync    fsync      WAL fsynced before the call returns (Durability::kSyncEveryWrite;
//                      raw: WriteOptions::sync = true)
//           group      WAL written on every call, fsynced every 20 ms by a background
//                      thread (Durability::kGroupCommit; raw: sync = false + the same
//                      SyncWAL thread)
//   variant raw_put / raw_writebatch   RocksDB, one column family, key = be64 counter,
//                                      value = the record's encoded envelope (the exact
//                                      bytes the journal stores for it)
//           journal_no_key             records without a dedup key (no dedup work)
//           journal_dedup              unique dedup keys: every key is probed, none hit
//           journal_dedup_50pct_hits   half the records re-send a stored record's key
//                                      (reported as duplicate, nothing written for them)
// records/s counts every record handed to the call (duplicates included); bytes/s
// counts payload bytes. At the end a summary prints each journal variant's
// records/s as a ratio of the raw baseline of the same shape, size and sync.
//
// Read benchmarks share one store prefilled with 200,000 records of 200 B (and a raw
// RocksDB copy for the scan baseline), built once and removed at exit.
//
// Every benchmark creates its own directory under $TMPDIR (default /tmp) and removes it.
// This is the one place outside store/ that talks to RocksDB directly (the baseline).
#include <benchmark/benchmark.h>
#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/write_batch.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "bench/bench_dir.h"
#include "bench/journal_workload.h"
#include "bench/raw_db.h"
#include "bench/store_bench_report.h"
#include "store/coding.h"
#include "store/journal.h"
#include "store/record.h"
#include "store/store.h"

namespace qcflow {
namespace {

// ---- helpers ------------------------------------------------------------------------

using bench::BenchDir;
using bench::Dedup;
using bench::RawDb;
using bench::Sync;
using bench::SyncName;

const char* const* kSources = bench::kWorkloadSources;
constexpr MicrosUtc kBaseTime = bench::kWorkloadBaseTime;
Record MakeRecord(size_t payload_size, uint64_t i, bool with_key) {
  return bench::WorkloadRecord(payload_size, i, with_key);
}
void SetKey(Record* r, uint64_t n) { bench::SetWorkloadKey(r, n); }

std::unique_ptr<Store> OpenStore(const std::string& dir, Sync sync) {
  StoreOptions o;
  o.durability = sync == Sync::kFsync ? Durability::kSyncEveryWrite : Durability::kGroupCommit;
  auto s = Store::Open(dir, o);
  if (!s.ok()) {
    std::fprintf(stderr, "Store::Open: %s\n", s.status().ToString().c_str());
    std::abort();
  }
  return std::move(*s);
}

void SetCounters(benchmark::State& state, uint64_t records, uint64_t payload_bytes) {
  state.counters["records/s"] = benchmark::Counter(double(records), benchmark::Counter::kIsRate);
  state.counters["bytes/s"] = benchmark::Counter(double(payload_bytes), benchmark::Counter::kIsRate,
                                                 benchmark::Counter::kIs1024);
}

// Appends also count written/s: the records that were not duplicates.
void SetAppendCounters(benchmark::State& state, uint64_t records, uint64_t payload_bytes,
                       uint64_t written) {
  SetCounters(state, records, payload_bytes);
  state.counters["written/s"] = benchmark::Counter(double(written), benchmark::Counter::kIsRate);
}

// ---- appends -----------------------------------------------------------------------

// Journal, `batch` records per call (batch == 1 uses Journal::Append).
void JournalAppend(benchmark::State& state, size_t size, Sync sync, Dedup dedup, size_t batch) {
  BenchDir dir;
  std::unique_ptr<Store> store = OpenStore(dir.Sub("store"), sync);
  bench::JournalAppender a(&store->journal(), size, dedup, batch);
  if (!a.Prepare().ok()) std::abort();
  for (auto _ : state) {
    Status s = a.Call();
    if (!s.ok()) {
      state.SkipWithError(s.ToString().c_str());
      break;
    }
  }
  SetAppendCounters(state, a.records(), a.payload_bytes(), a.written());
}

// The timed loop of a raw baseline: `call` writes one call's `batch` records,
// advancing `seq` (the records written so far), and returns RocksDB's status.
template <typename Call>
void TimeRawCalls(benchmark::State& state, size_t size, size_t batch, const uint64_t& seq,
                  Call call) {
  uint64_t bytes = 0;
  for (auto _ : state) {
    rocksdb::Status s = call();
    if (!s.ok()) {
      state.SkipWithError(s.ToString().c_str());
      break;
    }
    bytes += batch * size;
  }
  SetAppendCounters(state, seq, bytes, seq);
}

// Raw RocksDB: the same envelopes, one Put per record or one WriteBatch per call.
void RawAppend(benchmark::State& state, size_t size, Sync sync, size_t batch) {
  BenchDir dir;
  bench::RawDbOptions o;
  o.sync = sync;
  RawDb raw(dir.Sub("raw"), o);
  bench::RawAppender a(&raw, size, batch);
  for (auto _ : state) {
    Status s = a.Call();
    if (!s.ok()) {
      state.SkipWithError(s.ToString().c_str());
      break;
    }
  }
  SetAppendCounters(state, a.records(), a.payload_bytes(), a.records());
}

// Raw RocksDB writing what the journal writes per record — the envelope under
// be64 seq, the dedup key (kind byte + key) -> fixed64 seq, the index key (kind |
// be16 source length | source | be64 time | be64 seq) -> "" — into three column
// families, in arrival order, without a dedup check or counters. The cost of
// the layout itself, for reading the journal's ratio.
void RawAppendSameEntries(benchmark::State& state, size_t size, Sync sync, size_t batch) {
  BenchDir dir;
  bench::RawDbOptions ro;
  ro.sync = sync;
  ro.three_families = true;
  RawDb raw(dir.Sub("raw"), ro);
  std::vector<Record> records;
  for (size_t i = 0; i < batch; ++i) records.push_back(MakeRecord(size, i, true));
  std::string envelope, dedup_key, index_key;
  char seq_key[8], seq_value[8];
  uint64_t seq = 0;
  rocksdb::WriteBatch wb;
  TimeRawCalls(state, size, batch, seq, [&] {
    wb.Clear();
    for (Record& r : records) {
      ++seq;
      SetKey(&r, seq);
      EncodeEnvelope(r, &envelope);
      coding::EncodeBigEndian64(seq_key, seq);
      wb.Put(raw.family(0), rocksdb::Slice(seq_key, 8), envelope);
      dedup_key.assign(1, char(r.kind));
      dedup_key.append(r.dedup_key);
      std::memcpy(seq_value, &seq, 8);  // little-endian hosts: fixed64
      wb.Put(raw.family(1), dedup_key, rocksdb::Slice(seq_value, 8));
      index_key.assign(1, char(r.kind));
      index_key.push_back(char(r.source_id.size() >> 8));
      index_key.push_back(char(r.source_id.size() & 0xff));
      index_key.append(r.source_id);
      char tail[16];
      coding::EncodeBigEndian64(tail, uint64_t(r.event_time) ^ (uint64_t(1) << 63));
      coding::EncodeBigEndian64(tail + 8, seq);
      index_key.append(tail, 16);
      wb.Put(raw.family(2), index_key, rocksdb::Slice());
    }
    return raw.db()->Write(raw.wo(), &wb);
  });
}

// ---- reads ----------------------------------------------------------------------------

constexpr size_t kReadRecords = 200'000;
constexpr size_t kReadSize = 200;

// Built on first use, shared by the read benchmarks, removed by main().
struct ReadFixture {
  BenchDir dir;
  std::unique_ptr<Store> store;
  std::unique_ptr<RawDb> raw;
};
ReadFixture* g_read = nullptr;

ReadFixture& Reads() {
  if (g_read) return *g_read;
  g_read = new ReadFixture;
  const std::string path = g_read->dir.Sub("store");
  {
    std::unique_ptr<Store> store = OpenStore(path, Sync::kGroup);
    std::vector<Record> batch;
    for (size_t i = 0; i < kReadRecords; ++i) {
      Record r = MakeRecord(kReadSize, i, true);
      SetKey(&r, i + 1);
      batch.push_back(std::move(r));
      if (batch.size() == 1000) {
        if (!store->journal().AppendBatch(batch).ok()) std::abort();
        batch.clear();
      }
    }
  }
  // Reopen: WAL recovery flushes the memtables, so reads go through SST files,
  // filters and the block cache, as they do in a store that has been running.
  g_read->store = OpenStore(path, Sync::kGroup);
  g_read->raw = std::make_unique<RawDb>(g_read->dir.Sub("raw"), bench::RawDbOptions{Sync::kGroup});
  rocksdb::WriteBatch wb;
  std::string env;
  char key[8];
  for (size_t i = 0; i < kReadRecords; ++i) {
    Record r = MakeRecord(kReadSize, i, true);
    SetKey(&r, i + 1);
    EncodeEnvelope(r, &env);
    coding::EncodeBigEndian64(key, i + 1);
    wb.Put(rocksdb::Slice(key, 8), env);
    if (wb.Count() == 1000) {
      if (!g_read->raw->db()->Write(g_read->raw->wo(), &wb).ok()) std::abort();
      wb.Clear();
    }
  }
  if (!g_read->raw->db()->Flush(rocksdb::FlushOptions()).ok()) std::abort();
  return *g_read;
}

void JournalScan(benchmark::State& state) {
  Journal& journal = Reads().store->journal();
  uint64_t records = 0, bytes = 0;
  for (auto _ : state) {
    auto next = journal.Scan(1, SIZE_MAX, [&](uint64_t, const RecordView& v) {
      ++records;
      bytes += v.payload.size();
      return true;
    });
    if (!next.ok() || *next != kReadRecords + 1) {
      state.SkipWithError("scan did not visit every record");
      break;
    }
  }
  SetCounters(state, records, bytes);
}

void RawScan(benchmark::State& state) {
  rocksdb::DB* db = Reads().raw->db();
  uint64_t records = 0, bytes = 0;
  for (auto _ : state) {
    rocksdb::ReadOptions ro;
    ro.readahead_size = 2 << 20;  // as Journal::Scan
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(ro));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      ++records;
      bytes += kReadSize;  // payload bytes, as counted for the journal
      benchmark::DoNotOptimize(it->value().data());
    }
  }
  SetCounters(state, records, bytes);
}

// Journal::Query over a random 1-second window (records are 1 ms apart,
// round robin over 3 sources): with a source ~333 hits, without ~1000 merged.
void JournalQuery(benchmark::State& state, bool with_source) {
  Journal& journal = Reads().store->journal();
  std::mt19937_64 rng(1);
  uint64_t hits = 0, queries = 0;
  for (auto _ : state) {
    IndexQuery q;
    q.kind = Kind::kIcom;
    if (with_source) q.source_id = kSources[rng() % 3];
    q.from = kBaseTime + MicrosUtc(rng() % (kReadRecords - 1000)) * 1000;
    q.until = q.from + 1'000'000;
    Status s = journal.Query(q, [&](uint64_t, const RecordView&) {
      ++hits;
      return true;
    });
    if (!s.ok()) {
      state.SkipWithError(s.ToString().c_str());
      break;
    }
    ++queries;
  }
  state.counters["records/s"] = benchmark::Counter(double(hits), benchmark::Counter::kIsRate);
  state.counters["queries/s"] = benchmark::Counter(double(queries), benchmark::Counter::kIsRate);
}

void JournalFindDedup(benchmark::State& state, bool hit) {
  Journal& journal = Reads().store->journal();
  // Record i of the fixture came from source i % 3 and has key counter i + 1.
  Record by_source[3] = {MakeRecord(0, 0, true), MakeRecord(0, 1, true), MakeRecord(0, 2, true)};
  std::mt19937_64 rng(2);
  uint64_t lookups = 0;
  for (auto _ : state) {
    uint64_t n = rng() % kReadRecords + 1;
    Record& r = by_source[(n - 1) % 3];
    SetKey(&r, hit ? n : n + (uint64_t(1) << 40));
    auto f = journal.FindDedup(Kind::kIcom, r.dedup_key);
    if (!f.ok() || f->has_value() != hit) {
      state.SkipWithError("FindDedup gave the wrong answer");
      break;
    }
    ++lookups;
  }
  state.counters["lookups/s"] = benchmark::Counter(double(lookups), benchmark::Counter::kIsRate);
}

// ---- registration and the ratio summary ----------------------------------------------

void RegisterAll() {
  const size_t sizes[] = {200, 2048, 8192};
  auto size_name = [](size_t s) {
    return s == 200 ? std::string("200B") : std::to_string(s / 1024) + "KB";
  };
  for (size_t batch : {size_t(1), size_t(1000)}) {
    const std::string shape = batch == 1 ? "single" : "batch" + std::to_string(batch);
    for (size_t size : sizes) {
      for (Sync sync : {Sync::kFsync, Sync::kGroup}) {
        const std::string prefix = shape + "/" + size_name(size) + "/" + SyncName(sync) + "/";
        benchmark::RegisterBenchmark((prefix + (batch == 1 ? "raw_put" : "raw_writebatch")).c_str(),
                                     [=](benchmark::State& st) { RawAppend(st, size, sync, batch); })
            ->UseRealTime();
        if (batch > 1) {
          benchmark::RegisterBenchmark((prefix + "raw_writebatch_3kv").c_str(),
                                       [=](benchmark::State& st) {
                                         RawAppendSameEntries(st, size, sync, batch);
                                       })
              ->UseRealTime();
          benchmark::RegisterBenchmark((prefix + "journal_no_key").c_str(), [=](benchmark::State& st) {
            JournalAppend(st, size, sync, Dedup::kNoKey, batch);
          })->UseRealTime();
        }
        benchmark::RegisterBenchmark((prefix + "journal_dedup").c_str(), [=](benchmark::State& st) {
          JournalAppend(st, size, sync, Dedup::kUnique, batch);
        })->UseRealTime();
        benchmark::RegisterBenchmark((prefix + "journal_dedup_50pct_hits").c_str(),
                                     [=](benchmark::State& st) {
                                       JournalAppend(st, size, sync, Dedup::kHalfHits, batch);
                                     })
            ->UseRealTime();
      }
    }
  }
  benchmark::RegisterBenchmark("read/scan/200B/raw_iterator", RawScan)->UseRealTime();
  benchmark::RegisterBenchmark("read/scan/200B/journal_scan", JournalScan)->UseRealTime();
  benchmark::RegisterBenchmark("read/query_1s_window/one_source",
                               [](benchmark::State& st) { JournalQuery(st, true); })
      ->UseRealTime();
  benchmark::RegisterBenchmark("read/query_1s_window/all_sources",
                               [](benchmark::State& st) { JournalQuery(st, false); })
      ->UseRealTime();
  benchmark::RegisterBenchmark("read/find_dedup/hit",
                               [](benchmark::State& st) { JournalFindDedup(st, true); })
      ->UseRealTime();
  benchmark::RegisterBenchmark("read/find_dedup/miss",
                               [](benchmark::State& st) { JournalFindDedup(st, false); })
      ->UseRealTime();
}

}  // namespace
}  // namespace qcflow

int main(int argc, char** argv) {
  // Default to short runs so the whole suite stays around two minutes; an
  // explicit --benchmark_min_time wins.
  std::vector<char*> args(argv, argv + argc);
  bool has_min_time = false, console = true;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a.rfind("--benchmark_min_time", 0) == 0) has_min_time = true;
    if (a.rfind("--benchmark_format=", 0) == 0 && a != "--benchmark_format=console") console = false;
  }
  static char kMinTime[] = "--benchmark_min_time=0.5";
  if (!has_min_time) args.insert(args.begin() + 1, kMinTime);
  int n = int(args.size());
  args.push_back(nullptr);
  benchmark::Initialize(&n, args.data());
  if (benchmark::ReportUnrecognizedArguments(n, args.data())) return 1;
  qcflow::RegisterAll();
  if (console) {
    qcflow::RatioReporter reporter;
    benchmark::RunSpecifiedBenchmarks(&reporter);
  } else {
    benchmark::RunSpecifiedBenchmarks();
  }
  benchmark::Shutdown();
  delete qcflow::g_read;  // closes the read fixture and removes its directory
  return 0;
}
