// Test helper for the store crash test (tests/store_crash_test.cc): content that
// is a pure function of an integer, so whatever a killed writer left in the store
// can be compared byte for byte with what it was asked to write.
//
// Journal rounds: every record derives from an id (MakeRecord), and the id is
// stored in the record's meta (IdFromMeta reads it back). Transform/outbox
// rounds: derived records, index keys and outbox item ids derive from a journal
// seq (DerivedKey, DerivedValue, IndexKey, ItemId).
#ifndef QCFLOW_TESTS_TESTING_CRASH_RECORDS_H_
#define QCFLOW_TESTS_TESTING_CRASH_RECORDS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "store/record.h"

namespace qcflow::testing::crash {

// SplitMix64: tiny, seedable, identical everywhere.
struct Rng {
  uint64_t s;
  explicit Rng(uint64_t seed) : s(seed) {}
  uint64_t Next() {
    uint64_t z = (s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  uint64_t Below(uint64_t n) { return Next() % n; }  // n > 0
  uint64_t Range(uint64_t lo, uint64_t hi) { return lo + Below(hi - lo + 1); }
  bool Percent(int p) { return Below(100) < uint64_t(p); }
};

// ---- journal records ----------------------------------------------------------

// Ids of records without a dedup key (events) carry this bit.
inline constexpr uint64_t kEventBit = uint64_t(1) << 40;
// Each round allocates fresh ids from its own range.
inline constexpr uint64_t kRoundIdSpan = 1'000'000;

inline bool IsEventId(uint64_t id) { return (id & kEventBit) != 0; }

// The record for `id`. Everything, including the payload bytes, derives from id.
Record MakeRecord(uint64_t id);

// The id MakeRecord put in a record's meta; nullopt for any other meta.
std::optional<uint64_t> IdFromMeta(std::string_view meta);

// "" when equal, else which field differs.
std::string Diff(const RecordView& got, const Record& want);


// ---- transform / outbox records ---------------------------------------------------

inline constexpr const char* kConsumer = "crash.transform";  // the transform's cursor
inline constexpr const char* kNs = "crash.derived";          // derived namespace
inline constexpr const char* kIndex = "crash.by_seq";        // derived index
inline constexpr const char* kSink = "crash.sink";           // outbox

// The derived record for seq s: key "s/<s>", a value of up to ~430 bytes.
std::string DerivedKey(uint64_t s);
std::string DerivedValue(uint64_t s);
// The outbox item id for seq s.
std::string ItemId(uint64_t s);
// The derived index key for seq s: be64 s.
std::string IndexKey(uint64_t s);
// s from DerivedKey(s); nullopt for any other key.
std::optional<uint64_t> SeqFromDerivedKey(std::string_view key);

}  // namespace qcflow::testing::crash

#endif  // QCFLOW_TESTS_TESTING_CRASH_RECORDS_H_
