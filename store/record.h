// Record: one journal entry — raw bytes a source captured plus its envelope.
//
// The envelope is versioned (kEnvelopeVersion). Its byte layout is documented in
// docs/architecture.md; EncodeEnvelope/DecodeEnvelope are the only code that
// knows it. A record written by a newer qcflow decodes to Status::Incompatible,
// never to garbage.
#ifndef QCFLOW_STORE_RECORD_H_
#define QCFLOW_STORE_RECORD_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "store/status.h"
#include "store/time_util.h"

namespace qcflow {

// What produced a record. Values are persisted: never renumber.
enum class Kind : uint8_t {
  kIcom = 1,
  kMpc = 2,
  kDqa3 = 3,
  kFile = 4,
  kEvent = 5,  // qcflow's own observations: capture loss, counter gaps, late runs
};

constexpr uint8_t kEnvelopeVersion = 1;

// Flag bits stored in the envelope.
constexpr uint8_t kFlagQuarantined = 0x01;  // captured but unusable; `meta` says why

const char* KindName(Kind kind);  // "icom", "mpc", ...
std::optional<Kind> ParseKind(std::string_view name);

struct Record {
  Kind kind = Kind::kEvent;
  uint8_t flags = 0;
  std::string source_id;        // linac name, TDS root, DB identity, ...
  MicrosUtc event_time = 0;     // when it happened, UTC µs
  std::string event_time_text;  // the source's own time text, verbatim
  MicrosUtc capture_time = 0;   // when qcflow captured it, UTC µs
  std::string dedup_key;        // content identity; unique per kind
  std::string meta;             // small source-specific JSON (path, reason, ...)
  std::string payload;          // the raw captured bytes

  bool quarantined() const { return (flags & kFlagQuarantined) != 0; }
};

// A decoded envelope whose string fields point into the encoded bytes.
// Valid only while those bytes are.
struct RecordView {
  Kind kind = Kind::kEvent;
  uint8_t flags = 0;
  std::string_view source_id;
  MicrosUtc event_time = 0;
  std::string_view event_time_text;
  MicrosUtc capture_time = 0;
  std::string_view dedup_key;
  std::string_view meta;
  std::string_view payload;

  bool quarantined() const { return (flags & kFlagQuarantined) != 0; }
  Record ToRecord() const;
};

void EncodeEnvelope(const Record& record, std::string* out);
// Returns Corruption for truncated/garbled bytes, Incompatible for another version.
Result<RecordView> DecodeEnvelope(std::string_view bytes);

}  // namespace qcflow

#endif  // QCFLOW_STORE_RECORD_H_
