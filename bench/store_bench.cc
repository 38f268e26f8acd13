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
#include "bench/store_bench_report.h"
#include "store/journal.h"
#include "store/record.h"
#include "store/store.h"

namespace qcflow {
namespace {

// ---- helpers ------------------------------------------------------------------------

using bench::BenchDir;

enum class Sync { kFsync, kGroup };
enum class Dedup { kNoKey, kUnique, kHalfHits };

const char* SyncName(Sync s) { return s == Sync::kFsync ? "fsync" : "group"; }

constexpr std::chrono::milliseconds kGroupInterval{20};  // StoreOptions' default

// Equal lengths, so a record's dedup key can be rewritten in place.
const char* kSources[] = {"TrueBeam-1", "TrueBeam-2", "Halcyon-03"};
constexpr MicrosUtc kBaseTime = 1'718'000'000'000'000;  // 2024-06-10

// Text-like pseudo-random payload (what iCom/CSV/JSON bytes compress like, roughly).
std::string Payload(size_t size, uint64_t seed) {
  std::mt19937_64 rng(seed);
  static const char kAlphabet[] = "0123456789.,;:-+ ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefgh\n";
  std::string p(size, ' ');
  for (char& c : p) c = kAlphabet[rng() % (sizeof kAlphabet - 1)];
  return p;
}

// A record shaped like an iCom capture from one of three linacs, interleaved
// as they arrive. Its identity is a counter n: SetKey(r, n) gives it the dedup
// key "<linac>|<time text>|<n as 16 hex digits>|<hash>" (~65 bytes, rewritten in
// place) and the event time base + n ms, so per linac both increase, as they do
// for a live stream.
constexpr size_t kKeyCounterAt = 38;
Record MakeRecord(size_t payload_size, uint64_t i, bool with_key) {
  Record r;
  r.kind = Kind::kIcom;
  r.source_id = kSources[i % 3];
  r.event_time = kBaseTime + MicrosUtc(i) * 1000;
  r.event_time_text = "2024-06-10 06:13:20.000000";
  r.capture_time = r.event_time + 150;
  if (with_key) r.dedup_key = r.source_id + "|2024-06-10T06:13:20.000000|0000000000000000|9f3a2c71";
  r.meta = "{}";
  r.payload = Payload(payload_size, i);
  return r;
}
void SetKey(Record* r, uint64_t n) {
  r->event_time = kBaseTime + MicrosUtc(n) * 1000;
  if (r->dedup_key.empty()) return;
  static const char kHex[] = "0123456789abcdef";
  char* p = r->dedup_key.data() + kKeyCounterAt;
  for (int i = 15; i >= 0; --i, n >>= 4) p[i] = kHex[n & 15];
}

void PutBigEndian64(char* p, uint64_t v) {
  for (int i = 7; i >= 0; --i, v >>= 8) p[i] = char(v & 0xff);
}

std::unique_ptr<Store> OpenStore(const std::string& dir, Sync sync) {
  StoreOptions o;
  o.durability = sync == Sync::kFsync ? Durability::kSyncEveryWrite : Durability::kGroupCommit;
  o.group_commit_interval = kGroupInterval;
  auto s = Store::Open(dir, o);
  if (!s.ok()) {
    std::fprintf(stderr, "Store::Open: %s\n", s.status().ToString().c_str());
    std::abort();
  }
  return std::move(*s);
}

// Raw RocksDB with the options the store's journal family uses where they
// matter for writes (LZ4, 64 MiB memtable, 2 background jobs, bytes_per_sync),
// and the same group commit: sync=false writes plus SyncWAL every 20 ms.
class RawDb {
 public:
  // three_families: also "dedup" and "index" families (LZ4, default options).
  RawDb(const std::string& dir, Sync sync, bool three_families = false) {
    rocksdb::Options o;
    o.create_if_missing = true;
    o.create_missing_column_families = true;
    o.compression = rocksdb::kLZ4Compression;
    o.bottommost_compression = rocksdb::kZSTD;
    o.write_buffer_size = 64 << 20;
    o.max_background_jobs = 2;
    o.bytes_per_sync = 1 << 20;
    std::vector<rocksdb::ColumnFamilyDescriptor> families = {
        {rocksdb::kDefaultColumnFamilyName, rocksdb::ColumnFamilyOptions(o)}};
    if (three_families) {
      rocksdb::ColumnFamilyOptions cf;
      cf.compression = rocksdb::kLZ4Compression;
      families.emplace_back("dedup", cf);
      families.emplace_back("index", cf);
    }
    rocksdb::DB* db = nullptr;
    auto s = rocksdb::DB::Open(rocksdb::DBOptions(o), dir, families, &handles_, &db);
    if (!s.ok()) {
      std::fprintf(stderr, "rocksdb::DB::Open: %s\n", s.ToString().c_str());
      std::abort();
    }
    db_.reset(db);
    wo_.sync = sync == Sync::kFsync;
    if (sync == Sync::kGroup) {
      syncer_ = std::thread([this] {
        std::unique_lock<std::mutex> lock(mu_);
        while (!cv_.wait_for(lock, kGroupInterval, [this] { return stop_; })) {
          lock.unlock();
          db_->SyncWAL().PermitUncheckedError();
          lock.lock();
        }
      });
    }
  }
  ~RawDb() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    if (syncer_.joinable()) syncer_.join();
    db_->FlushWAL(true).PermitUncheckedError();
    for (auto* h : handles_) db_->DestroyColumnFamilyHandle(h).PermitUncheckedError();
    db_->Close().PermitUncheckedError();
  }
  rocksdb::DB* db() { return db_.get(); }
  rocksdb::ColumnFamilyHandle* family(size_t i) { return handles_[i]; }
  const rocksdb::WriteOptions& wo() const { return wo_; }

 private:
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  rocksdb::WriteOptions wo_;
  std::thread syncer_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
};

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
  Journal& journal = store->journal();
  // A pool of distinct records reused round robin; only keys change per call.
  const size_t pool = std::max<size_t>(batch, 64);
  std::vector<Record> records;
  for (size_t i = 0; i < pool; ++i) records.push_back(MakeRecord(size, i, dedup != Dedup::kNoKey));
  std::vector<Record> call(records.begin(), records.begin() + batch);
  uint64_t next_key = 1;
  if (dedup == Dedup::kHalfHits) {
    // Store one call's worth first, untimed. In timed calls the odd slots keep
    // these keys: they are re-sent records, reported as duplicates.
    for (Record& r : call) SetKey(&r, next_key++);
    if (!journal.AppendBatch(call).ok()) std::abort();
  }
  uint64_t total = 0, bytes = 0, written = 0;
  size_t slot = 0;
  for (auto _ : state) {
    if (batch == 1) {
      Record* r;
      if (dedup == Dedup::kHalfHits && (total & 1)) {
        r = &records[(slot - 1) % pool];  // the previous record again: a duplicate
      } else {
        r = &records[slot++ % pool];
        SetKey(r, next_key++);
      }
      auto res = journal.Append(*r);
      if (!res.ok()) {
        state.SkipWithError(res.status().ToString().c_str());
        break;
      }
      written += !res->duplicate;
      total += 1;
      bytes += size;
      continue;
    }
    for (size_t i = 0; i < batch; ++i) {
      if (dedup == Dedup::kHalfHits && (i & 1)) continue;
      SetKey(&call[i], next_key++);
    }
    auto res = journal.AppendBatch(call);
    if (!res.ok()) {
      state.SkipWithError(res.status().ToString().c_str());
      break;
    }
    for (const AppendResult& a : *res) written += !a.duplicate;
    total += batch;
    bytes += batch * size;
  }
  SetAppendCounters(state, total, bytes, written);
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
  RawDb raw(dir.Sub("raw"), sync);
  const size_t pool = std::max<size_t>(batch, 64);
  std::vector<std::string> envelopes(pool);
  for (size_t i = 0; i < pool; ++i) {
    Record r = MakeRecord(size, i, true);
    SetKey(&r, i + 1);
    EncodeEnvelope(r, &envelopes[i]);
  }
  uint64_t seq = 0;
  char key[8];
  rocksdb::WriteBatch wb;
  size_t slot = 0;
  TimeRawCalls(state, size, batch, seq, [&] {
    if (batch == 1) {
      PutBigEndian64(key, ++seq);
      return raw.db()->Put(raw.wo(), rocksdb::Slice(key, 8), envelopes[slot++ % pool]);
    }
    wb.Clear();
    for (size_t i = 0; i < batch; ++i) {
      PutBigEndian64(key, ++seq);
      wb.Put(rocksdb::Slice(key, 8), envelopes[i]);
    }
    return raw.db()->Write(raw.wo(), &wb);
  });
}

// Raw RocksDB writing what the journal writes per record — the envelope under
// be64 seq, the dedup key (kind byte + key) -> fixed64 seq, the index key (kind |
// be16 source length | source | be64 time | be64 seq) -> "" — into three column
// families, in arrival order, without a dedup check or counters. The cost of
// the layout itself, for reading the journal's ratio.
void RawAppendSameEntries(benchmark::State& state, size_t size, Sync sync, size_t batch) {
  BenchDir dir;
  RawDb raw(dir.Sub("raw"), sync, /*three_families=*/true);
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
      PutBigEndian64(seq_key, seq);
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
      PutBigEndian64(tail, uint64_t(r.event_time) ^ (uint64_t(1) << 63));
      PutBigEndian64(tail + 8, seq);
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
  g_read->raw = std::make_unique<RawDb>(g_read->dir.Sub("raw"), Sync::kGroup);
  rocksdb::WriteBatch wb;
  std::string env;
  char key[8];
  for (size_t i = 0; i < kReadRecords; ++i) {
    Record r = MakeRecord(kReadSize, i, true);
    SetKey(&r, i + 1);
    EncodeEnvelope(r, &env);
    PutBigEndian64(key, i + 1);
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
