#include "tests/testing/crash_records.h"

#include <algorithm>
#include <cstring>

namespace qcflow::testing::crash {

Record MakeRecord(uint64_t id) {
  Rng rng(id * 0x2545F4914F6CDD1Dull + 7);
  Record r;
  if (IsEventId(id)) {
    r.kind = Kind::kEvent;
  } else {
    r.kind = Kind(1 + rng.Below(4));  // icom, mpc, dqa3, file
  }
  static const char* const kSources[] = {"TrueBeam-1", "TrueBeam-2", "Halcyon/\xC3\xA9\x01"};
  r.source_id = kSources[rng.Below(3)];
  r.flags = rng.Percent(7) ? kFlagQuarantined : 0;
  // Event times are not in seq order; a few are before the epoch (negative).
  r.event_time = rng.Percent(3) ? -int64_t(rng.Below(1'000'000'000'000))
                                : int64_t(1'700'000'000'000'000 + rng.Below(10'000'000'000));
  r.event_time_text = "t=" + std::to_string(r.event_time);
  r.capture_time = 1'700'000'000'000'000 + int64_t(id);
  if (!IsEventId(id)) {
    // Binary-safe keys: a NUL and a high byte in the middle.
    r.dedup_key = "key/" + std::to_string(id);
    r.dedup_key.push_back('\0');
    r.dedup_key.push_back(char(0xFF));
    r.dedup_key += std::to_string(rng.Next());
  }
  r.meta = "id=" + std::to_string(id);
  size_t n = rng.Percent(10) ? rng.Range(3000, 9000) : rng.Below(1500);
  r.payload.resize(n);
  for (size_t i = 0; i < n; i += 8) {
    uint64_t v = rng.Next();
    std::memcpy(r.payload.data() + i, &v, std::min<size_t>(8, n - i));
  }
  return r;
}

std::optional<uint64_t> IdFromMeta(std::string_view meta) {
  if (meta.substr(0, 3) != "id=") return std::nullopt;
  uint64_t id = 0;
  for (char c : meta.substr(3)) {
    if (c < '0' || c > '9') return std::nullopt;
    id = id * 10 + uint64_t(c - '0');
  }
  return id;
}

std::string Diff(const RecordView& got, const Record& want) {
  if (got.kind != want.kind) return "kind";
  if (got.flags != want.flags) return "flags";
  if (got.source_id != want.source_id) return "source_id";
  if (got.event_time != want.event_time) return "event_time";
  if (got.event_time_text != want.event_time_text) return "event_time_text";
  if (got.capture_time != want.capture_time) return "capture_time";
  if (got.dedup_key != want.dedup_key) return "dedup_key";
  if (got.meta != want.meta) return "meta";
  if (got.payload != want.payload) return "payload";
  return "";
}

std::string DerivedKey(uint64_t s) { return "s/" + std::to_string(s); }
std::string DerivedValue(uint64_t s) {
  Rng rng(s);
  std::string v = "derived from " + std::to_string(s) + ":";
  v.append(size_t(rng.Below(400)), char('a' + s % 26));
  return v;
}
std::string ItemId(uint64_t s) { return "item-" + std::to_string(s); }
std::string IndexKey(uint64_t s) {
  std::string k(8, '\0');
  for (int i = 0; i < 8; ++i) k[i] = char(s >> (56 - 8 * i));
  return k;
}
std::optional<uint64_t> SeqFromDerivedKey(std::string_view key) {
  if (key.substr(0, 2) != "s/" || key.size() == 2) return std::nullopt;
  uint64_t s = 0;
  for (char c : key.substr(2)) {
    if (c < '0' || c > '9') return std::nullopt;
    s = s * 10 + uint64_t(c - '0');
  }
  return s;
}

}  // namespace qcflow::testing::crash
