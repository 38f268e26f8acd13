#include "process/dqa3/dqa3_records.h"

#include <algorithm>

#include "store/coding.h"

namespace qcflow::dqa3::internal {
namespace {

constexpr uint8_t kVersion = 1;

}  // namespace

std::string SeqKey(uint64_t seq) {
  std::string k;
  coding::PutBigEndian64(&k, seq);
  return k;
}

std::string EncodeRowMember(const WindowMember& m) {
  std::string v(1, char(kVersion));
  coding::PutFixed64(&v, uint64_t(m.t));
  v.append(m.key);
  return v;
}

Status DecodeRowMember(std::string_view key, std::string_view value, WindowMember* m) {
  uint8_t version = 0;
  uint64_t t = 0;
  if (key.size() != 8 || !coding::GetByte(&value, &version) || version != kVersion ||
      !coding::GetFixed64(&value, &t)) {
    return Status::Corruption("a stored DQA3 row record (dqa3.row) is garbled");
  }
  m->seq = coding::GetBigEndian64(key);
  m->t = NaiveMicros(t);
  m->key.assign(value);
  return Status::OK();
}

std::string EncodeMachineNames(const MachineNames& m) {
  std::string v(1, char(kVersion));
  coding::PutLengthPrefixed(&v, m.display);
  coding::PutLengthPrefixed(&v, m.name);
  v.append(m.id);
  return v;
}

Status DecodeMachineNames(std::string_view value, MachineNames* m) {
  uint8_t version = 0;
  std::string_view display, name;
  if (!coding::GetByte(&value, &version) || version != kVersion ||
      !coding::GetLengthPrefixed(&value, &display) || !coding::GetLengthPrefixed(&value, &name)) {
    return Status::Corruption("a stored DQA3 held-row record (dqa3.unmapped) is garbled");
  }
  m->display.assign(display);
  m->name.assign(name);
  m->id.assign(value);
  return Status::OK();
}

std::string WindowStateKey(const WindowState& w) {
  std::string k = w.key;
  k.push_back('\0');
  coding::PutBigEndian64(&k, coding::OrderedFromSigned(w.open));
  return k;
}

std::string EncodeWindowState(const WindowState& w) {
  std::vector<uint64_t> seqs = w.seqs;
  std::sort(seqs.begin(), seqs.end());
  std::string v(1, char(kVersion));
  coding::PutVarint64(&v, uint64_t(w.amendments));
  coding::PutVarint64(&v, seqs.size());
  uint64_t previous = 0;
  for (uint64_t s : seqs) {
    coding::PutVarint64(&v, s - previous);
    previous = s;
  }
  return v;
}

Status DecodeWindowState(std::string_view key, std::string_view value, WindowState* w) {
  const Status bad = Status::Corruption("a stored DQA3 window record (dqa3.window) is garbled");
  const size_t nul = key.find('\0');
  uint8_t version = 0;
  uint64_t amendments = 0, n = 0;
  if (nul == std::string_view::npos || key.size() != nul + 9 ||
      !coding::GetByte(&value, &version) || version != kVersion ||
      !coding::GetVarint64(&value, &amendments) || !coding::GetVarint64(&value, &n) ||
      n > value.size()) {
    return bad;
  }
  w->key.assign(key.substr(0, nul));
  w->open = coding::SignedFromOrdered(coding::GetBigEndian64(key.substr(nul + 1)));
  w->amendments = int(amendments);
  w->seqs.clear();
  uint64_t seq = 0;
  for (uint64_t i = 0; i < n; ++i) {
    uint64_t delta = 0;
    if (!coding::GetVarint64(&value, &delta)) return bad;
    seq += delta;
    w->seqs.push_back(seq);
  }
  return Status::OK();
}

}  // namespace qcflow::dqa3::internal
