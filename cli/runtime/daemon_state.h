// What `qcflow run` records about its workers, for `qcflow status` (a separate
// process reading the store) and for the daemon's next start.
//
// Each record is small JSON in a derived namespace, replaced after every pass
// (WriteSet::ReplaceDerived):
//   "daemon.source" / <source name>   SourceState
//   "daemon.sink"   / <sink name>     SinkState
//   "daemon"        / "process"       ProcessState
// Times are UTC ISO-8601 text ("" = never), so the JSON reads well as is.
// Decoding is lenient: unknown fields are ignored and missing ones default, so
// an older or newer qcflow can show what the other wrote.
#ifndef QCFLOW_CLI_RUNTIME_DAEMON_STATE_H_
#define QCFLOW_CLI_RUNTIME_DAEMON_STATE_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "store/status.h"
#include "store/store.h"

namespace qcflow::cli {

inline constexpr const char* kDaemonSourceNs = "daemon.source";
inline constexpr const char* kDaemonSinkNs = "daemon.sink";
inline constexpr const char* kDaemonNs = "daemon";
inline constexpr const char* kDaemonProcessKey = "process";

struct SourceState {
  std::string name;
  std::string kind = "mpc";
  std::string state = "starting";  // starting | ok | unavailable | error | stopped
  std::string last_run;            // when the latest pass started
  std::string last_ok;             // when the latest successful pass started
  std::string last_error;          // "" after a successful pass
  std::string next_run;            // "" once the daemon stopped
  uint64_t records_last_run = 0;   // journal records the latest pass appended
  uint64_t quarantined_total = 0;  // quarantined records of this source, ever
  uint64_t sessions_emitted = 0;   // sessions queued by this daemon's passes, summed over runs
  uint64_t late_runs = 0;          // MPC runs that arrived after their session, summed
  uint64_t passes = 0;             // passes made, summed over runs
  // When the daemon first ran this source: its history window reaches back
  // from here. "" when it first ran before qcflow recorded it (no window).
  std::string first_start;

  // kind "icom" (one record per linac), since the daemon last started:
  bool connected = false;
  uint64_t messages = 0;     // framed from the socket (duplicates of re-sent bursts included)
  uint64_t bytes = 0;        // received
  uint64_t reconnects = 0;   // connections after the first
  uint64_t gaps = 0;         // counter discontinuities
  uint64_t dropped = 0;      // lost to a stalled journal (also journaled as "capture loss" events)
  std::string last_message;  // when the latest message arrived ("" = none yet)
  uint64_t deliveries = 0;   // deliveries stored for this linac (all time)

  // kind "dqa3", of the latest poll:
  uint64_t race_flagged = 0;             // rows with data.SET_KEY != tr.SET_KEY
  std::string schema;                    // detected schema version
  std::vector<std::string> unmapped;     // configured machines the database does not have
};

struct SinkState {
  std::string name;
  std::string kind = "qatrack";
  std::string state = "starting";  // starting | ok | unreachable | failing | paused | error | stopped
  bool paused = false;             // the token was rejected; re-checked every interval
  std::string last_run;            // latest delivery attempt or connection check
  std::string last_ok;             // latest pass that reached the server
  std::string last_error;
  std::string next_run;
  uint64_t delivered_last_run = 0;
  uint64_t dead_lettered_last_run = 0;
};

struct ProcessState {
  int64_t pid = 0;
  std::string started_at;
  std::string stopped_at;  // "" while running (or after a crash)
  std::string version;
};

std::string EncodeSourceState(const SourceState& s);
std::string EncodeSinkState(const SinkState& s);
std::string EncodeProcessState(const ProcessState& p);
// Corruption when `json` is not a JSON object.
Result<SourceState> DecodeSourceState(std::string_view name, std::string_view json);
Result<SinkState> DecodeSinkState(std::string_view name, std::string_view json);
Result<ProcessState> DecodeProcessState(std::string_view json);

// Every record of each kind, in name order.
Result<std::vector<SourceState>> LoadSourceStates(Store& store);
Result<std::vector<SinkState>> LoadSinkStates(Store& store);
// NotFound when no daemon ever ran on this store.
Result<ProcessState> LoadProcessState(Store& store);

// "" for 0, else FormatUtcIso.
std::string IsoOrEmpty(MicrosUtc t);

// Deliveries stored for `linac` (process/icom's kDeliveryNs); a key scan.
Result<uint64_t> CountIcomDeliveries(Store& store, const std::string& linac);

}  // namespace qcflow::cli

#endif  // QCFLOW_CLI_RUNTIME_DAEMON_STATE_H_
