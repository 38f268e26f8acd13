#include "tests/testing/icom_journal.h"

#include <vector>

#include "ingest/icom/icom_format.h"
#include "store/content_hash.h"
#include "store/journal.h"
#include "store/time_util.h"

namespace qcflow::testing {
namespace {

// "YYYY-MM-DDhh:mm:ss" read as UTC; 0 when the header is too short or bad.
MicrosUtc TimestampOf(std::string_view bytes) {
  if (bytes.size() < icom::kHeaderSize) return 0;
  const char* ts = bytes.data() + icom::kTimestampOffset;
  if (!icom::IsIcomTimestamp(ts)) return 0;
  auto t = CivilToUtc(icom::ReadIcomTimestamp(ts), "UTC");
  return t.ok() ? *t : 0;
}

}  // namespace

Record IcomTestRecord(const std::string& linac, std::string bytes) {
  Record r;
  r.kind = Kind::kIcom;
  r.source_id = linac;
  r.event_time = TimestampOf(bytes);
  if (bytes.size() >= icom::kHeaderSize) {
    r.event_time_text = bytes.substr(icom::kTimestampOffset, icom::kTimestampSize);
    r.dedup_key = linac + "|" + r.event_time_text + "|" +
                  std::to_string(static_cast<uint8_t>(bytes[icom::kCounterOffset])) + "|" +
                  std::to_string(bytes.size()) + "|" + Fnv1a64Hex(bytes);
  } else {
    r.dedup_key = linac + "|short|" + Fnv1a64Hex(bytes);
  }
  r.capture_time = r.event_time;
  r.payload = std::move(bytes);
  return r;
}

Result<icom::GeneratorTruth> AppendGeneratedIcom(Journal* journal, const std::string& linac,
                                                 const icom::LinacGeneratorConfig& config) {
  icom::LinacGenerator gen(config);
  std::vector<Record> batch;
  auto flush = [&]() -> Status {
    if (batch.empty()) return Status::OK();
    auto r = journal->AppendBatch(batch);
    batch.clear();
    return r.status();
  };
  std::string message;
  while (gen.Next(&message)) {
    batch.push_back(IcomTestRecord(linac, std::move(message)));
    message.clear();
    if (batch.size() == 256) QCFLOW_RETURN_IF_ERROR(flush());
  }
  QCFLOW_RETURN_IF_ERROR(flush());
  return gen.truth();
}

}  // namespace qcflow::testing
