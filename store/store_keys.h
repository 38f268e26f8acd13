// INTERNAL to store/: every key layout of every column family, in one place.
// docs/architecture.md mirrors this file; change both together.
#ifndef QCFLOW_STORE_STORE_KEYS_H_
#define QCFLOW_STORE_STORE_KEYS_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "store/coding.h"
#include "store/record.h"

namespace qcflow::keys {

// journal: be64 seq -> envelope
inline std::string Seq(uint64_t seq) {
  std::string k;
  coding::PutBigEndian64(&k, seq);
  return k;
}

// dedup: kind u8 | dedup key -> fixed64 seq
inline void AppendDedup(std::string* out, Kind kind, std::string_view key) {
  out->push_back(char(kind));
  out->append(key);
}
inline std::string Dedup(Kind kind, std::string_view key) {
  std::string k;
  k.reserve(1 + key.size());
  AppendDedup(&k, kind, key);
  return k;
}

// index: kind u8 | be16 source length | source | be64 ordered event time | be64 seq -> ""
inline std::string IndexPrefix(Kind kind, std::string_view source) {
  std::string k;
  k.reserve(3 + source.size() + 16);
  k.push_back(char(kind));
  coding::PutBigEndian16(&k, uint16_t(source.size()));
  k.append(source);
  return k;
}
// Replaces *out with the index key (reuses its buffer).
inline void SetIndex(std::string* out, Kind kind, std::string_view source, int64_t t,
                     uint64_t seq) {
  out->clear();
  out->push_back(char(kind));
  coding::PutBigEndian16(out, uint16_t(source.size()));
  out->append(source);
  coding::PutBigEndian64(out, coding::OrderedFromSigned(t));
  coding::PutBigEndian64(out, seq);
}
inline std::string Index(Kind kind, std::string_view source, int64_t t, uint64_t seq) {
  std::string k;
  k.reserve(3 + source.size() + 16);
  SetIndex(&k, kind, source, t, seq);
  return k;
}

// index, by kind: 0x00 | kind u8 | be64 seq -> ""   (store format 3; kind 0 is never a
// record's, so these keys sort before and apart from the time index above)
inline constexpr char kKindSeqTag = '\0';
inline std::string KindSeqPrefix(Kind kind) {
  std::string k;
  k.reserve(10);
  k.push_back(kKindSeqTag);
  k.push_back(char(kind));
  return k;
}
inline void SetKindSeq(std::string* out, Kind kind, uint64_t seq) {
  out->clear();
  out->push_back(kKindSeqTag);
  out->push_back(char(kind));
  coding::PutBigEndian64(out, seq);
}
inline std::string KindSeq(Kind kind, uint64_t seq) {
  std::string k;
  k.reserve(10);
  SetKindSeq(&k, kind, seq);
  return k;
}

// derived: 'r' | ns | 0x00 | key -> value
//          'x' | index | 0x00 | index key -> ns | 0x00 | key
inline std::string DerivedPrefix(std::string_view ns) {
  std::string k("r");
  k.append(ns);
  k.push_back('\0');
  return k;
}
inline std::string DerivedIndexPrefix(std::string_view index) {
  std::string k("x");
  k.append(index);
  k.push_back('\0');
  return k;
}

// outbox: 'q' | sink | 0x00 | be64 order -> OutboxItem     (queued: pending or dead letter)
//         'i' | sink | 0x00 | item id   -> be64 order | state u8 (0 queued, 1 delivered)
//         's' | sink                    -> sink statistics
//         'n'                           -> fixed64 next order number
inline std::string OutboxQueuePrefix(std::string_view sink) {
  std::string k("q");
  k.append(sink);
  k.push_back('\0');
  return k;
}
inline std::string OutboxQueue(std::string_view sink, uint64_t order) {
  std::string k = OutboxQueuePrefix(sink);
  coding::PutBigEndian64(&k, order);
  return k;
}
inline std::string OutboxItemId(std::string_view sink, std::string_view item_id) {
  std::string k("i");
  k.append(sink);
  k.push_back('\0');
  k.append(item_id);
  return k;
}
inline std::string OutboxStats(std::string_view sink) { return "s" + std::string(sink); }
inline const char* kOutboxNextOrder = "n";

// meta: "format" -> "qcflow-store", "format_version" -> decimal,
//       "cursor/" | consumer -> fixed64 next seq,
//       "count/" | kind u8 | source -> fixed64 records | fixed64 quarantined,
//       "kind/" | name -> kind u8 (a registered kind's code; format 2)
inline constexpr std::string_view kFormatKey = "format";
inline constexpr std::string_view kKindPrefix = "kind/";
inline constexpr std::string_view kFormatValue = "qcflow-store";
inline constexpr std::string_view kFormatVersionKey = "format_version";
inline constexpr std::string_view kCountPrefix = "count/";
inline std::string Cursor(std::string_view consumer) { return "cursor/" + std::string(consumer); }
inline std::string Count(uint8_t kind, std::string_view source) {
  std::string k(kCountPrefix);
  k.push_back(char(kind));
  k.append(source);
  return k;
}

}  // namespace qcflow::keys

#endif  // QCFLOW_STORE_STORE_KEYS_H_
