// The MpcTransform's own stored records (internal to process/mpc: only
// mpc_transform.cc includes this). They hold the state the transform needs
// after a restart: "mpc.run" (one compact record per run fed to the grouper)
// and "mpc.window" (the emitted window state). Both live under the transform's
// scope (source id \0) so several MPC sources can share one store.
//
// Byte layouts (lp = length-prefixed, coding::PutLengthPrefixed):
//   "mpc.run"     key   scope | be64 seq
//                 value version u8 | serial lp | check type u8 | naive run time
//                       fixed64 | folder lp | path lp
//   "mpc.window"  key   scope | serial \0 check type name \0 be64 ordered naive open
//                 value version u8 | serial lp | check type u8 | naive open fixed64 |
//                       amendments varint | seq count varint | seqs varint...
// The version byte is 1. Check types are stored as explicit codes
// (CheckTypeCode), so reordering the enum cannot reinterpret stored state.
#ifndef QCFLOW_PROCESS_MPC_TRANSFORM_RECORDS_H_
#define QCFLOW_PROCESS_MPC_TRANSFORM_RECORDS_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "ingest/mpc/run_folder.h"
#include "process/mpc/grouping.h"
#include "store/status.h"

namespace qcflow::mpc::internal {

// Internal derived namespaces (state the transform needs after a restart).
inline constexpr const char* kRunNs = "mpc.run";        // key: source \0 be64 seq; value: EncodeRun
inline constexpr const char* kWindowNs = "mpc.window";  // key: WindowRecordKey; value: EncodeWindow

// The persisted code of a check type (1..4; 0 for none of them).
uint8_t CheckTypeCode(CheckType t);

// "mpc.run" value; the run's seq is the key (coding::BigEndian64, after the scope).
std::string EncodeRun(const MpcRun& run, NaiveMicros t, std::string_view path);
// `key` is the be64 seq (the scope removed). Corruption when garbled.
Status DecodeRun(std::string_view key, std::string_view v, MpcRun* run);

// "mpc.window" key (after the source scope).
std::string WindowRecordKey(const std::string& serial, CheckType type, NaiveMicros open);
// "mpc.window" value.
std::string EncodeWindow(const EmittedWindow& w, NaiveMicros open);
// Corruption when garbled.
Status DecodeWindow(std::string_view v, EmittedWindow* w);

}  // namespace qcflow::mpc::internal

#endif  // QCFLOW_PROCESS_MPC_TRANSFORM_RECORDS_H_
