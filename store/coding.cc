#include "store/coding.h"

#include <cstring>

namespace qcflow::coding {

void EncodeBigEndian64(char* dst, uint64_t v) {
  for (int i = 7; i >= 0; --i, v >>= 8) dst[i] = char(v & 0xff);
}

void PutBigEndian64(std::string* dst, uint64_t v) {
  char buf[8];
  EncodeBigEndian64(buf, v);
  dst->append(buf, 8);
}

void PutBigEndian16(std::string* dst, uint16_t v) {
  dst->push_back(char(v >> 8));
  dst->push_back(char(v & 0xff));
}

uint64_t GetBigEndian64(std::string_view src) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | uint8_t(src[i]);
  return v;
}

uint16_t GetBigEndian16(std::string_view src) {
  return uint16_t((uint8_t(src[0]) << 8) | uint8_t(src[1]));
}

void PutFixed64(std::string* dst, uint64_t v) {
  char buf[8];
  for (int i = 0; i < 8; ++i) buf[i] = char((v >> (8 * i)) & 0xff);
  dst->append(buf, 8);
}

void PutVarint64(std::string* dst, uint64_t v) {
  while (v >= 0x80) {
    dst->push_back(char((v & 0x7f) | 0x80));
    v >>= 7;
  }
  dst->push_back(char(v));
}

void PutLengthPrefixed(std::string* dst, std::string_view s) {
  PutVarint64(dst, s.size());
  dst->append(s.data(), s.size());
}

bool GetFixed64(std::string_view* in, uint64_t* v) {
  if (in->size() < 8) return false;
  uint64_t r = 0;
  for (int i = 7; i >= 0; --i) r = (r << 8) | uint8_t((*in)[i]);
  *v = r;
  in->remove_prefix(8);
  return true;
}

bool GetVarint64(std::string_view* in, uint64_t* v) {
  uint64_t r = 0;
  for (int shift = 0; shift <= 63 && !in->empty(); shift += 7) {
    uint8_t b = uint8_t(in->front());
    in->remove_prefix(1);
    r |= uint64_t(b & 0x7f) << shift;
    if ((b & 0x80) == 0) {
      *v = r;
      return true;
    }
  }
  return false;
}

bool GetLengthPrefixed(std::string_view* in, std::string_view* s) {
  uint64_t n;
  if (!GetVarint64(in, &n) || n > in->size()) return false;
  *s = in->substr(0, n);
  in->remove_prefix(n);
  return true;
}

bool GetByte(std::string_view* in, uint8_t* b) {
  if (in->empty()) return false;
  *b = uint8_t(in->front());
  in->remove_prefix(1);
  return true;
}

}  // namespace qcflow::coding
