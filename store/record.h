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

// What produced a record. Values are persisted: never renumber. Codes 1..5
// are built in; a component kind that journals records of its own registers a
// name with its store (Store::RegisterKind) and gets a code from
// kFirstRegisteredKind up, kept in the store's meta, so adding a kind needs no
// edit here.
enum class Kind : uint8_t {
  kIcom = 1,
  kMpc = 2,
  kDqa3 = 3,
  kFile = 4,   // "files": whole files and file transfers (ingest/files, ingest/file_mover)
  kEvent = 5,  // qcflow's own observations: capture loss, counter gaps, late runs
};
inline constexpr uint8_t kFirstRegisteredKind = 16;

constexpr uint8_t kEnvelopeVersion = 1;

// Flag bits stored in the envelope.
constexpr uint8_t kFlagQuarantined = 0x01;  // captured but unusable; `meta` says why

// "icom", "mpc", ...; a registered kind's name once a store that holds it was
// opened in this process (NoteRegisteredKind); "kind-<code>" otherwise.
std::string KindName(Kind kind);
std::optional<Kind> ParseKind(std::string_view name);
// The built-in kind of that name, if any.
std::optional<Kind> BuiltInKind(std::string_view name);
// A built-in kind, or a registered one noted in this process.
bool IsKnownKind(Kind kind);
// Makes `name` the process-wide name of registered code `kind` (the store
// calls it when it opens and when it registers a kind).
// REQUIRES: uint8_t(kind) >= kFirstRegisteredKind.
void NoteRegisteredKind(Kind kind, const std::string& name);

struct RecordView;

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
  // A view of this record, valid while it lives unchanged.
  RecordView View() const;
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
