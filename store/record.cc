#include "store/record.h"

#include <map>
#include <mutex>

#include "store/coding.h"

namespace qcflow {

namespace {

// Names of registered kinds, by code; written when a store opens or registers.
struct RegisteredNames {
  std::mutex mu;
  std::map<uint8_t, std::string> by_code;
};

RegisteredNames& Registered() {
  static RegisteredNames* names = new RegisteredNames;  // never destroyed: used at exit
  return *names;
}

const char* BuiltInName(Kind kind) {
  switch (kind) {
    case Kind::kIcom: return "icom";
    case Kind::kMpc: return "mpc";
    case Kind::kDqa3: return "dqa3";
    case Kind::kFile: return "files";  // [[source.files]] uploads, file mover transfers
    case Kind::kEvent: return "event";
  }
  return nullptr;
}

}  // namespace

std::string KindName(Kind kind) {
  if (const char* name = BuiltInName(kind)) return name;
  RegisteredNames& r = Registered();
  std::lock_guard<std::mutex> lock(r.mu);
  auto it = r.by_code.find(uint8_t(kind));
  return it != r.by_code.end() ? it->second : "kind-" + std::to_string(int(kind));
}

std::optional<Kind> BuiltInKind(std::string_view name) {
  for (Kind k : {Kind::kIcom, Kind::kMpc, Kind::kDqa3, Kind::kFile, Kind::kEvent}) {
    if (name == BuiltInName(k)) return k;
  }
  return std::nullopt;
}

std::optional<Kind> ParseKind(std::string_view name) {
  if (auto k = BuiltInKind(name)) return k;
  RegisteredNames& r = Registered();
  std::lock_guard<std::mutex> lock(r.mu);
  for (const auto& [code, n] : r.by_code) {
    if (n == name) return Kind(code);
  }
  return std::nullopt;
}

bool IsKnownKind(Kind kind) {
  if (BuiltInName(kind)) return true;
  RegisteredNames& r = Registered();
  std::lock_guard<std::mutex> lock(r.mu);
  return r.by_code.count(uint8_t(kind)) > 0;
}

void NoteRegisteredKind(Kind kind, const std::string& name) {
  RegisteredNames& r = Registered();
  std::lock_guard<std::mutex> lock(r.mu);
  r.by_code[uint8_t(kind)] = name;
}

RecordView Record::View() const {
  RecordView v;
  v.kind = kind;
  v.flags = flags;
  v.source_id = source_id;
  v.event_time = event_time;
  v.event_time_text = event_time_text;
  v.capture_time = capture_time;
  v.dedup_key = dedup_key;
  v.meta = meta;
  v.payload = payload;
  return v;
}

Record RecordView::ToRecord() const {
  Record r;
  r.kind = kind;
  r.flags = flags;
  r.source_id = source_id;
  r.event_time = event_time;
  r.event_time_text = event_time_text;
  r.capture_time = capture_time;
  r.dedup_key = dedup_key;
  r.meta = meta;
  r.payload = payload;
  return r;
}

// Layout v1: version u8 | kind u8 | flags u8 | source_id (lp) | event_time fixed64 |
// event_time_text (lp) | capture_time fixed64 | dedup_key (lp) | meta (lp) |
// payload (lp). lp = varint length + bytes.
void EncodeEnvelope(const Record& r, std::string* out) {
  out->clear();
  out->reserve(40 + r.source_id.size() + r.event_time_text.size() + r.dedup_key.size() +
               r.meta.size() + r.payload.size());
  out->push_back(char(kEnvelopeVersion));
  out->push_back(char(r.kind));
  out->push_back(char(r.flags));
  coding::PutLengthPrefixed(out, r.source_id);
  coding::PutFixed64(out, uint64_t(r.event_time));
  coding::PutLengthPrefixed(out, r.event_time_text);
  coding::PutFixed64(out, uint64_t(r.capture_time));
  coding::PutLengthPrefixed(out, r.dedup_key);
  coding::PutLengthPrefixed(out, r.meta);
  coding::PutLengthPrefixed(out, r.payload);
}

Result<RecordView> DecodeEnvelope(std::string_view in) {
  uint8_t version = 0, kind = 0;
  RecordView v;
  if (!coding::GetByte(&in, &version)) return Status::Corruption("empty journal record");
  if (version != kEnvelopeVersion) {
    return Status::Incompatible("journal record has envelope version " +
                                std::to_string(version) + "; this qcflow reads version " +
                                std::to_string(kEnvelopeVersion) +
                                " (was the store written by another qcflow release?)");
  }
  uint64_t event = 0, capture = 0;
  bool ok = coding::GetByte(&in, &kind) && coding::GetByte(&in, &v.flags) &&
            coding::GetLengthPrefixed(&in, &v.source_id) && coding::GetFixed64(&in, &event) &&
            coding::GetLengthPrefixed(&in, &v.event_time_text) &&
            coding::GetFixed64(&in, &capture) && coding::GetLengthPrefixed(&in, &v.dedup_key) &&
            coding::GetLengthPrefixed(&in, &v.meta) && coding::GetLengthPrefixed(&in, &v.payload);
  if (!ok || !in.empty()) return Status::Corruption("journal record envelope is truncated or garbled");
  if (kind < uint8_t(Kind::kIcom) || (kind > uint8_t(Kind::kEvent) && kind < kFirstRegisteredKind)) {
    return Status::Incompatible("journal record has unknown kind " + std::to_string(kind));
  }
  v.kind = Kind(kind);
  v.event_time = int64_t(event);
  v.capture_time = int64_t(capture);
  return v;
}

}  // namespace qcflow
