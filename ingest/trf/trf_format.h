// The Elekta TRF delivery-log layout (shared/spec/trf.md): the one definition of
// its header and row layout, used by the decoder (decoder.h) beside it.
// Little-endian throughout.
//
//   header  4 × (u8 length, that many bytes): date, UTC offset, field, machine id
//           float64 MU (deci-MU) | int32 version | int32 N | N × (int16 item, int16 sub)
//   rows    to the end of the file, each:
//             v1      N × int16
//             v2, v3  8-byte timestamp block, N × int16
//             v4      8-byte timestamp block, N × int32
//   row k is k × 0.04 s after the header date.
#ifndef QCFLOW_INGEST_TRF_TRF_FORMAT_H_
#define QCFLOW_INGEST_TRF_TRF_FORMAT_H_

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace qcflow::trf {

inline constexpr int kHeaderStrings = 4;  // date, UTC offset, field, machine id
inline constexpr size_t kHeaderFixedSize = 16;  // MU (8) + version (4) + N (4)
inline constexpr size_t kItemPartSize = 4;      // int16 item, int16 sub
inline constexpr size_t kTimestampBlockSize = 8;
inline constexpr int kMinVersion = 1, kMaxVersion = 4;
// Rows are 25 Hz samples: row k is at k × 40 ms.
inline constexpr int64_t kRowIntervalMillis = 40;

// The row layout of a version.
struct RowLayout {
  size_t prefix = 0;      // bytes before the values (the timestamp block)
  size_t value_size = 2;  // 2 (int16) or 4 (int32)
  size_t RowSize(size_t columns) const { return prefix + value_size * columns; }
};

// REQUIRES: kMinVersion <= version <= kMaxVersion.
inline constexpr RowLayout LayoutOf(int version) {
  return RowLayout{version == 1 ? 0 : kTimestampBlockSize, version == 4 ? size_t{4} : size_t{2}};
}

// Little-endian reads (qcflow builds for little-endian hosts only).
// REQUIRES: sizeof(T) readable bytes at p.
static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "the TRF reads assume a little-endian host");
template <typename T>
inline T ReadLE(const char* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}
inline int16_t ReadI16(const char* p) { return ReadLE<int16_t>(p); }
inline int32_t ReadI32(const char* p) { return ReadLE<int32_t>(p); }
inline int64_t ReadI64(const char* p) { return ReadLE<int64_t>(p); }
inline double ReadF64(const char* p) { return ReadLE<double>(p); }

}  // namespace qcflow::trf

#endif  // QCFLOW_INGEST_TRF_TRF_FORMAT_H_
