#include "process/mpc/transform_records.h"

#include "store/coding.h"

namespace qcflow::mpc::internal {
namespace {

constexpr uint8_t kCodecVersion = 1;

bool CheckTypeFromCode(uint8_t code, CheckType* t) {
  switch (code) {
    case 1: *t = CheckType::kBeamAndGeometry; return true;
    case 2: *t = CheckType::kEnhancedCouch; return true;
    case 3: *t = CheckType::kEnhancedMlc; return true;
    case 4: *t = CheckType::kCollimationDevices; return true;
    default: return false;
  }
}

}  // namespace

// Check types as persisted: explicit codes so reordering the enum cannot
// reinterpret stored state.
uint8_t CheckTypeCode(CheckType t) {
  switch (t) {
    case CheckType::kBeamAndGeometry: return 1;
    case CheckType::kEnhancedCouch: return 2;
    case CheckType::kEnhancedMlc: return 3;
    case CheckType::kCollimationDevices: return 4;
  }
  return 0;
}

// "mpc.run" value: version u8 | serial lp | check type u8 | naive run time
// fixed64 | folder lp | path lp. The seq is the key.
std::string EncodeRun(const MpcRun& run, NaiveMicros t, std::string_view path) {
  std::string v;
  v.push_back(char(kCodecVersion));
  coding::PutLengthPrefixed(&v, run.serial);
  v.push_back(char(CheckTypeCode(run.check_type)));
  coding::PutFixed64(&v, uint64_t(t));
  coding::PutLengthPrefixed(&v, run.folder);
  coding::PutLengthPrefixed(&v, path);
  return v;
}

Status DecodeRun(std::string_view key, std::string_view v, MpcRun* run) {
  uint8_t version = 0, code = 0;
  uint64_t t = 0;
  std::string_view serial, folder, path;
  if (key.size() != 8 || !coding::GetByte(&v, &version) || version != kCodecVersion ||
      !coding::GetLengthPrefixed(&v, &serial) || !coding::GetByte(&v, &code) ||
      !CheckTypeFromCode(code, &run->check_type) || !coding::GetFixed64(&v, &t) ||
      !coding::GetLengthPrefixed(&v, &folder) || !coding::GetLengthPrefixed(&v, &path)) {
    return Status::Corruption("a stored MPC run record (mpc.run) is garbled");
  }
  run->seq = coding::GetBigEndian64(key);
  run->serial.assign(serial);
  run->run_time = FromNaive(NaiveMicros(t));
  run->folder.assign(folder);
  return Status::OK();
}

// "mpc.window" key (after the source scope): serial \0 check type name \0 be64
// ordered naive open.
std::string WindowRecordKey(const std::string& serial, CheckType type, NaiveMicros open) {
  std::string k = serial;
  k.push_back('\0');
  k.append(CheckTypeName(type));
  k.push_back('\0');
  coding::PutBigEndian64(&k, coding::OrderedFromSigned(open));
  return k;
}

// "mpc.window" value: version u8 | serial lp | check type u8 | naive open
// fixed64 | amendments varint | seq count varint | seqs varint...
std::string EncodeWindow(const EmittedWindow& w, NaiveMicros open) {
  std::string v;
  v.push_back(char(kCodecVersion));
  coding::PutLengthPrefixed(&v, w.serial);
  v.push_back(char(CheckTypeCode(w.check_type)));
  coding::PutFixed64(&v, uint64_t(open));
  coding::PutVarint64(&v, uint64_t(w.amendments));
  coding::PutVarint64(&v, w.seqs.size());
  for (uint64_t s : w.seqs) coding::PutVarint64(&v, s);
  return v;
}

Status DecodeWindow(std::string_view v, EmittedWindow* w) {
  const Status bad = Status::Corruption("a stored MPC window record (mpc.window) is garbled");
  uint8_t version = 0, code = 0;
  uint64_t open = 0, amendments = 0, n = 0;
  std::string_view serial;
  if (!coding::GetByte(&v, &version) || version != kCodecVersion ||
      !coding::GetLengthPrefixed(&v, &serial) || !coding::GetByte(&v, &code) ||
      !CheckTypeFromCode(code, &w->check_type) || !coding::GetFixed64(&v, &open) ||
      !coding::GetVarint64(&v, &amendments) || !coding::GetVarint64(&v, &n) || n > v.size()) {
    return bad;
  }
  w->serial.assign(serial);
  w->open = FromNaive(NaiveMicros(open));
  w->amendments = int(amendments);
  w->seqs.resize(n);
  for (uint64_t& s : w->seqs) {
    if (!coding::GetVarint64(&v, &s)) return bad;
  }
  return Status::OK();
}

}  // namespace qcflow::mpc::internal
