// The journal workload shared by store_bench (Google Benchmark) and
// `qcflow bench journal`: records shaped like iCom captures from three linacs,
// interleaved, with ~65-byte dedup keys, and one "call" of appending them to
// the journal or of writing their envelopes to raw RocksDB. Callers time the
// calls in their own loop (benchmark::State, or a duration).
#ifndef QCFLOW_BENCH_JOURNAL_WORKLOAD_H_
#define QCFLOW_BENCH_JOURNAL_WORKLOAD_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "bench/raw_db.h"
#include "store/record.h"
#include "store/status.h"

namespace qcflow {
class Journal;
}

namespace qcflow::bench {

enum class Dedup {
  kNoKey,     // records without a dedup key (no dedup work at all)
  kUnique,    // unique keys: every key is probed, none is found
  kHalfHits,  // half the records of each call re-send an already stored record
};

// Equal lengths, so a record's dedup key can be rewritten in place.
inline constexpr const char* kWorkloadSources[] = {"TrueBeam-1", "TrueBeam-2", "Halcyon-03"};
inline constexpr MicrosUtc kWorkloadBaseTime = 1'718'000'000'000'000;  // 2024-06-10

// Text-like pseudo-random payload (what iCom/CSV/JSON bytes compress like, roughly).
std::string WorkloadPayload(size_t size, uint64_t seed);
// Record i: source i % 3, event time base + i ms, key counter 0 (see SetWorkloadKey).
Record WorkloadRecord(size_t payload_size, uint64_t i, bool with_key);
// Gives the record key counter n (rewritten in place) and event time base + n ms.
void SetWorkloadKey(Record* r, uint64_t n);

// One call = Journal::Append (batch 1) or AppendBatch of `batch` records.
class JournalAppender {
 public:
  JournalAppender(Journal* journal, size_t payload_size, Dedup dedup, size_t batch);
  // kHalfHits stores one call's worth first (untimed), so that later calls can re-send it.
  Status Prepare();
  // Appends one call's records; adds to records() and written().
  Status Call();
  uint64_t records() const { return records_; }
  uint64_t written() const { return written_; }  // not duplicates
  uint64_t payload_bytes() const { return records_ * size_; }

 private:
  Journal* journal_;
  size_t size_, batch_;
  Dedup dedup_;
  std::vector<Record> pool_, call_;
  uint64_t next_key_ = 1, records_ = 0, written_ = 0;
  size_t slot_ = 0;
};

// One call = one Put (batch 1) or one WriteBatch of `batch` envelopes: the
// same bytes the journal stores for the records, under be64 counter keys.
class RawAppender {
 public:
  RawAppender(RawDb* raw, size_t payload_size, size_t batch);
  Status Call();
  uint64_t records() const { return records_; }
  uint64_t payload_bytes() const { return records_ * size_; }

 private:
  RawDb* raw_;
  size_t size_, batch_;
  std::vector<std::string> envelopes_;
  std::vector<std::string_view> views_;
  uint64_t records_ = 0;
  size_t slot_ = 0;
};

// `qcflow bench journal`: each case on a fresh store / raw database in `dir`
// for `seconds_per_case`, then scans of what the batched cases wrote.
struct JournalBenchOptions {
  size_t payload_size = 2048;
  size_t batch = 1000;
  double seconds_per_case = 2;
  Sync sync = Sync::kGroup;
};
struct JournalBenchCase {
  std::string name;      // e.g. "append batch1000 journal, dedup"
  std::string baseline;  // name of the case it is compared with ("" = none)
  uint64_t records = 0, bytes = 0;
  double seconds = 0;
  double records_per_s() const { return seconds > 0 ? double(records) / seconds : 0; }
  double mb_per_s() const { return seconds > 0 ? double(bytes) / 1e6 / seconds : 0; }
};
// progress(case name) is called as each case starts.
Result<std::vector<JournalBenchCase>> RunJournalBench(
    const std::string& dir, const JournalBenchOptions& options,
    const std::function<void(const std::string&)>& progress);

}  // namespace qcflow::bench

#endif  // QCFLOW_BENCH_JOURNAL_WORKLOAD_H_
