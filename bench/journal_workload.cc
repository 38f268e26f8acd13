#include "bench/journal_workload.h"

#include <algorithm>
#include <chrono>
#include <memory>
#include <random>

#include "store/journal.h"
#include "store/store.h"

namespace qcflow::bench {
namespace {

constexpr size_t kKeyCounterAt = 38;  // where the 16 hex digits of the counter start

}  // namespace

std::string WorkloadPayload(size_t size, uint64_t seed) {
  std::mt19937_64 rng(seed);
  static const char kAlphabet[] = "0123456789.,;:-+ ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefgh\n";
  std::string p(size, ' ');
  for (char& c : p) c = kAlphabet[rng() % (sizeof kAlphabet - 1)];
  return p;
}

Record WorkloadRecord(size_t payload_size, uint64_t i, bool with_key) {
  Record r;
  r.kind = Kind::kIcom;
  r.source_id = kWorkloadSources[i % 3];
  r.event_time = kWorkloadBaseTime + MicrosUtc(i) * 1000;
  r.event_time_text = "2024-06-10 06:13:20.000000";
  r.capture_time = r.event_time + 150;
  if (with_key) r.dedup_key = r.source_id + "|2024-06-10T06:13:20.000000|0000000000000000|9f3a2c71";
  r.meta = "{}";
  r.payload = WorkloadPayload(payload_size, i);
  return r;
}

void SetWorkloadKey(Record* r, uint64_t n) {
  r->event_time = kWorkloadBaseTime + MicrosUtc(n) * 1000;
  if (r->dedup_key.empty()) return;
  static const char kHex[] = "0123456789abcdef";
  char* p = r->dedup_key.data() + kKeyCounterAt;
  for (int i = 15; i >= 0; --i, n >>= 4) p[i] = kHex[n & 15];
}

// ---- JournalAppender ---------------------------------------------------------------

JournalAppender::JournalAppender(Journal* journal, size_t payload_size, Dedup dedup, size_t batch)
    : journal_(journal), size_(payload_size), batch_(std::max<size_t>(batch, 1)), dedup_(dedup) {
  // A pool of distinct records reused round robin; only keys change per call.
  const size_t pool = std::max<size_t>(batch_, 64);
  for (size_t i = 0; i < pool; ++i) pool_.push_back(WorkloadRecord(size_, i, dedup != Dedup::kNoKey));
  call_.assign(pool_.begin(), pool_.begin() + batch_);
}

Status JournalAppender::Prepare() {
  if (dedup_ != Dedup::kHalfHits || batch_ == 1) return Status::OK();
  // In timed calls the odd slots keep these keys: re-sent records, reported duplicate.
  for (Record& r : call_) SetWorkloadKey(&r, next_key_++);
  auto res = journal_->AppendBatch(call_);
  return res.ok() ? Status::OK() : res.status();
}

Status JournalAppender::Call() {
  if (batch_ == 1) {
    Record* r;
    if (dedup_ == Dedup::kHalfHits && (records_ & 1)) {
      r = &pool_[(slot_ - 1) % pool_.size()];  // the previous record again: a duplicate
    } else {
      r = &pool_[slot_++ % pool_.size()];
      SetWorkloadKey(r, next_key_++);
    }
    auto res = journal_->Append(*r);
    if (!res.ok()) return res.status();
    written_ += !res->duplicate;
    records_ += 1;
    return Status::OK();
  }
  for (size_t i = 0; i < batch_; ++i) {
    if (dedup_ == Dedup::kHalfHits && (i & 1)) continue;
    SetWorkloadKey(&call_[i], next_key_++);
  }
  auto res = journal_->AppendBatch(call_);
  if (!res.ok()) return res.status();
  for (const AppendResult& a : *res) written_ += !a.duplicate;
  records_ += batch_;
  return Status::OK();
}

// ---- RawAppender -------------------------------------------------------------------

RawAppender::RawAppender(RawDb* raw, size_t payload_size, size_t batch)
    : raw_(raw), size_(payload_size), batch_(std::max<size_t>(batch, 1)) {
  const size_t pool = std::max<size_t>(batch_, 64);
  envelopes_.resize(pool);
  for (size_t i = 0; i < pool; ++i) {
    Record r = WorkloadRecord(size_, i, true);
    SetWorkloadKey(&r, i + 1);
    EncodeEnvelope(r, &envelopes_[i]);
  }
  views_.assign(envelopes_.begin(), envelopes_.begin() + batch_);
}

Status RawAppender::Call() {
  if (batch_ == 1) {
    QCFLOW_RETURN_IF_ERROR(raw_->Put(envelopes_[slot_++ % envelopes_.size()]));
  } else {
    QCFLOW_RETURN_IF_ERROR(raw_->WriteBatch(views_));
  }
  records_ += batch_;
  return Status::OK();
}

// ---- RunJournalBench ---------------------------------------------------------------

namespace {

using Clock = std::chrono::steady_clock;

// Calls `call` until `seconds` have passed; returns the elapsed seconds.
template <typename Call>
Result<double> RunFor(double seconds, Call call) {
  const Clock::time_point t0 = Clock::now();
  double elapsed = 0;
  do {
    QCFLOW_RETURN_IF_ERROR(call());
    elapsed = std::chrono::duration<double>(Clock::now() - t0).count();
  } while (elapsed < seconds);
  return elapsed;
}

}  // namespace

Result<std::vector<JournalBenchCase>> RunJournalBench(
    const std::string& dir, const JournalBenchOptions& o,
    const std::function<void(const std::string&)>& progress) {
  std::vector<JournalBenchCase> cases;
  const std::string shape = "batch" + std::to_string(o.batch);
  const std::string raw_batch = "append " + shape + " raw RocksDB WriteBatch";
  const std::string raw_single = "append single raw RocksDB Put";
  StoreOptions so;
  so.durability = o.sync == Sync::kFsync ? Durability::kSyncEveryWrite : Durability::kGroupCommit;
  int n = 0;
  auto fresh = [&](const char* what) { return dir + "/" + what + std::to_string(++n); };

  auto raw_case = [&](const std::string& name, size_t batch) -> Status {
    if (progress) progress(name);
    auto raw = RawDb::Open(fresh("raw"), RawDbOptions{o.sync});
    if (!raw.ok()) return raw.status();
    RawAppender a(raw->get(), o.payload_size, batch);
    auto s = RunFor(o.seconds_per_case, [&] { return a.Call(); });
    if (!s.ok()) return s.status();
    cases.push_back({name, "", a.records(), a.payload_bytes(), *s});
    return Status::OK();
  };
  auto journal_case = [&](const std::string& name, const std::string& baseline, Dedup dedup,
                          size_t batch, std::unique_ptr<Store>* keep) -> Status {
    if (progress) progress(name);
    auto store = Store::Open(fresh("store"), so);
    if (!store.ok()) return store.status();
    JournalAppender a(&(*store)->journal(), o.payload_size, dedup, batch);
    QCFLOW_RETURN_IF_ERROR(a.Prepare());
    auto s = RunFor(o.seconds_per_case, [&] { return a.Call(); });
    if (!s.ok()) return s.status();
    cases.push_back({name, baseline, a.records(), a.payload_bytes(), *s});
    if (keep) *keep = std::move(*store);
    return Status::OK();
  };

  std::unique_ptr<Store> scanned;
  QCFLOW_RETURN_IF_ERROR(raw_case(raw_batch, o.batch));
  QCFLOW_RETURN_IF_ERROR(journal_case("append " + shape + " journal, dedup", raw_batch,
                                      Dedup::kUnique, o.batch, &scanned));
  QCFLOW_RETURN_IF_ERROR(journal_case("append " + shape + " journal, 50 % duplicates", raw_batch,
                                      Dedup::kHalfHits, o.batch, nullptr));
  QCFLOW_RETURN_IF_ERROR(raw_case(raw_single, 1));
  QCFLOW_RETURN_IF_ERROR(
      journal_case("append single journal, dedup", raw_single, Dedup::kUnique, 1, nullptr));

  // Scans: the batched dedup store, and a raw database holding the same number of envelopes.
  const uint64_t total = scanned->journal().last_seq();
  {
    const std::string name = "scan raw RocksDB iterator";
    if (progress) progress(name);
    auto raw = RawDb::Open(fresh("raw"), RawDbOptions{Sync::kGroup});
    if (!raw.ok()) return raw.status();
    RawAppender a(raw->get(), o.payload_size, o.batch);
    while (a.records() < total) QCFLOW_RETURN_IF_ERROR(a.Call());
    uint64_t entries = 0, bytes = 0;
    const Clock::time_point t0 = Clock::now();
    QCFLOW_RETURN_IF_ERROR((*raw)->ScanAll(&entries, &bytes));
    const double s = std::chrono::duration<double>(Clock::now() - t0).count();
    cases.push_back({name, "", entries, entries * o.payload_size, s});
  }
  {
    const std::string name = "scan journal";
    if (progress) progress(name);
    uint64_t records = 0, bytes = 0;
    const Clock::time_point t0 = Clock::now();
    auto next = scanned->journal().Scan(1, SIZE_MAX, [&](uint64_t, const RecordView& v) {
      ++records;
      bytes += v.payload.size();
      return true;
    });
    if (!next.ok()) return next.status();
    const double s = std::chrono::duration<double>(Clock::now() - t0).count();
    if (records != total) return Status::Internal("journal scan missed records");
    cases.push_back({name, "scan raw RocksDB iterator", records, bytes, s});
  }
  return cases;
}

}  // namespace qcflow::bench
