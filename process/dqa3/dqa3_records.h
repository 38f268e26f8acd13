// The Dqa3Transform's own stored state (internal to process/dqa3: only
// dqa3_transform.cc and its test include this). Grouped mode only: what the
// transform needs after a restart to rebuild its TimeWindowGrouper without
// re-reading history. Both live under the transform's scope (source id \0).
//
//   "dqa3.row"     key   scope | be64 seq
//                  value version u8 | naive time fixed64 | machine id (rest)
//   "dqa3.unmapped" key  scope | be64 seq   (both modes: a row held back because its
//                        machine had no unit; sent once the unit map names it)
//                  value version u8 | display name lp | machine name lp | machine id (rest)
//   "dqa3.window"  key   scope | machine id \0 | be64 ordered naive open
//                  value version u8 | amendments varint | seq count varint |
//                        seqs ascending, as varint deltas from the previous one
// The version byte is 1.
#ifndef QCFLOW_PROCESS_DQA3_DQA3_RECORDS_H_
#define QCFLOW_PROCESS_DQA3_DQA3_RECORDS_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "process/common/time_window.h"
#include "store/status.h"

namespace qcflow::dqa3::internal {

inline constexpr const char* kRowNs = "dqa3.row";
inline constexpr const char* kWindowNs = "dqa3.window";
inline constexpr const char* kUnmappedNs = "dqa3.unmapped";

// The names a unit map may know a machine by.
struct MachineNames {
  std::string display;  // "<room>/<machine>"
  std::string name;
  std::string id;
};
std::string EncodeMachineNames(const MachineNames& m);
// Corruption when garbled.
Status DecodeMachineNames(std::string_view value, MachineNames* m);

// v as 8 big-endian bytes (a key that sorts numerically).
std::string SeqKey(uint64_t seq);

// "dqa3.row": the grouper member of one row (m.key is the machine id).
std::string EncodeRowMember(const WindowMember& m);
// `key` is the be64 seq (scope removed). Corruption when garbled.
Status DecodeRowMember(std::string_view key, std::string_view value, WindowMember* m);

// "dqa3.window" key (after the scope) and value of an emitted window.
std::string WindowStateKey(const WindowState& w);
std::string EncodeWindowState(const WindowState& w);
// `key` is WindowStateKey's (scope removed). Corruption when garbled.
Status DecodeWindowState(std::string_view key, std::string_view value, WindowState* w);

}  // namespace qcflow::dqa3::internal

#endif  // QCFLOW_PROCESS_DQA3_DQA3_RECORDS_H_
