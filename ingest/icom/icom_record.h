// The journal record of one iCom message, built the same way by live capture
// (capture.h) and archive import (archive_reader.h), so that a message seen by
// both is one record: the second append is a duplicate.
//
// Record: kind icom, source_id = linac name, event_time = the message's
// timestamp read as wall time in the linac's zone (quarantined, with capture
// time as event time, when that time does not exist, e.g. Feb 30),
// event_time_text = the raw timestamp text, capture_time = the caller's "now",
// dedup_key = IcomDedupKey, meta = {"bytes":N,"counter":C[,"reason":...]},
// payload = the raw message bytes. Everything but capture_time is a function
// of (linac, zone, bytes).
#ifndef QCFLOW_INGEST_ICOM_ICOM_RECORD_H_
#define QCFLOW_INGEST_ICOM_ICOM_RECORD_H_

#include <string>
#include <string_view>

#include "store/record.h"
#include "store/time_util.h"

namespace qcflow::icom {

// dedup_key of a message: "linac|timestamp|counter|hash16hex", the hash the
// XXH3 64 of the whole message (Xxh3Hex). Stores before format 4 keyed the
// same text with Fnv1a64Hex; the store's format 4 upgrade adds this key for
// each such record, so a message captured before and after is one record.
// REQUIRES: message.size() >= kHeaderSize.
std::string IcomDedupKey(std::string_view linac, std::string_view message);

// The raw "YYYY-MM-DDhh:mm:ss" of a message.
// REQUIRES: message.size() >= kHeaderSize.
std::string_view IcomTimestampText(std::string_view message);

// The record for one framed message (see above).
// REQUIRES: message.size() >= kHeaderSize, its timestamp passed IsIcomTimestamp
// (every Framer frame does), and `zone` is a valid IANA zone.
Record IcomMessageRecord(std::string_view linac, const std::string& zone, std::string message,
                         MicrosUtc capture_time);

// The message timestamp `ts` (IcomTimestampText) as UTC in `zone`, or
// `fallback` when that wall time does not exist there.
MicrosUtc IcomTimestampToUtc(std::string_view ts, const std::string& zone, MicrosUtc fallback);

}  // namespace qcflow::icom

#endif  // QCFLOW_INGEST_ICOM_ICOM_RECORD_H_
