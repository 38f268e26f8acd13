#include "ingest/icom/icom_record.h"

#include <cstdint>
#include <cstdio>

#include "ingest/icom/icom_format.h"
#include "store/content_hash.h"

namespace qcflow::icom {
std::string_view IcomTimestampText(std::string_view message) {
  return message.substr(kTimestampOffset, kTimestampSize);
}

std::string IcomDedupKey(std::string_view linac, std::string_view message) {
  char tail[40];
  std::snprintf(tail, sizeof(tail), "|%u|%016llx",
                static_cast<unsigned>(static_cast<uint8_t>(message[kCounterOffset])),
                static_cast<unsigned long long>(Xxh3_64(message)));
  std::string key(linac);
  key += '|';
  key += IcomTimestampText(message);
  key += tail;
  return key;
}

MicrosUtc IcomTimestampToUtc(std::string_view ts, const std::string& zone, MicrosUtc fallback) {
  if (ts.size() != kTimestampSize) return fallback;
  auto t = CivilToUtc(ReadIcomTimestamp(ts.data()), zone);
  return t.ok() ? *t : fallback;
}

Record IcomMessageRecord(std::string_view linac, const std::string& zone, std::string message,
                         MicrosUtc capture_time) {
  std::string_view ts = IcomTimestampText(message);
  Record r;
  r.kind = Kind::kIcom;
  r.source_id = std::string(linac);
  r.event_time_text = std::string(ts);
  auto t = CivilToUtc(ReadIcomTimestamp(ts.data()), zone);
  r.event_time = t.ok() ? *t : capture_time;
  if (!t.ok()) r.flags |= kFlagQuarantined;  // e.g. Feb 30: keep the bytes, flag it
  r.capture_time = capture_time;
  r.dedup_key = IcomDedupKey(linac, message);
  r.meta = "{\"bytes\":" + std::to_string(message.size()) +
           ",\"counter\":" + std::to_string(static_cast<uint8_t>(message[kCounterOffset])) +
           (t.ok() ? "" : ",\"reason\":\"bad timestamp\"") + "}";
  r.payload = std::move(message);
  return r;
}

}  // namespace qcflow::icom
