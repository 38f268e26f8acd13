// Byte-level encoding helpers for keys and values. Keys use big-endian fixed
// widths so RocksDB's bytewise order equals numeric order; values use
// little-endian fixed widths and LEB128 varints.
#ifndef QCFLOW_STORE_CODING_H_
#define QCFLOW_STORE_CODING_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace qcflow::coding {

// REQUIRES: dst has room for 8 bytes (a fixed key buffer on a hot path).
void EncodeBigEndian64(char* dst, uint64_t v);
void PutBigEndian64(std::string* dst, uint64_t v);
void PutBigEndian16(std::string* dst, uint16_t v);
// The 8-byte big-endian key of v (a sequence number after a key's prefix).
inline std::string BigEndian64(uint64_t v) {
  std::string s;
  PutBigEndian64(&s, v);
  return s;
}
// REQUIRES: src.size() >= 8 (resp. 2)
uint64_t GetBigEndian64(std::string_view src);
uint16_t GetBigEndian16(std::string_view src);

// Signed instants as order-preserving unsigned keys (flips the sign bit).
inline uint64_t OrderedFromSigned(int64_t v) { return uint64_t(v) ^ (uint64_t(1) << 63); }
inline int64_t SignedFromOrdered(uint64_t v) { return int64_t(v ^ (uint64_t(1) << 63)); }

void PutFixed64(std::string* dst, uint64_t v);
void PutVarint64(std::string* dst, uint64_t v);
void PutLengthPrefixed(std::string* dst, std::string_view s);

// Readers consume from the front of *in; they return false on truncated input
// and leave *in unspecified.
bool GetFixed64(std::string_view* in, uint64_t* v);
bool GetVarint64(std::string_view* in, uint64_t* v);
bool GetLengthPrefixed(std::string_view* in, std::string_view* s);
bool GetByte(std::string_view* in, uint8_t* b);

}  // namespace qcflow::coding

#endif  // QCFLOW_STORE_CODING_H_
