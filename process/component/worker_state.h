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
#ifndef QCFLOW_PROCESS_COMPONENT_WORKER_STATE_H_
#define QCFLOW_PROCESS_COMPONENT_WORKER_STATE_H_

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "store/status.h"
#include "store/store.h"

namespace qcflow::component {

inline constexpr const char* kDaemonSourceNs = "daemon.source";
inline constexpr const char* kDaemonSinkNs = "daemon.sink";
inline constexpr const char* kDaemonNs = "daemon";
inline constexpr const char* kDaemonProcessKey = "process";

// Fields a kind adds to its state record, each a JSON value kept as text. The
// common fields of SourceState take precedence over an extra of the same name.
class StateFields {
 public:
  void Set(const std::string& key, uint64_t value);
  void Set(const std::string& key, bool value);
  void Set(const std::string& key, const std::string& value);
  void Set(const std::string& key, const char* value) { Set(key, std::string(value)); }
  void Set(const std::string& key, const std::vector<std::string>& value);
  // Absent or of another type: 0, false, "", {}.
  uint64_t Number(const std::string& key) const;
  bool Flag(const std::string& key) const;
  std::string Text(const std::string& key) const;
  std::vector<std::string> List(const std::string& key) const;
  // key -> the value's JSON text.
  const std::map<std::string, std::string>& values() const { return values_; }
  void SetJson(const std::string& key, std::string json) { values_[key] = std::move(json); }

 private:
  std::map<std::string, std::string> values_;
};

struct SourceState {
  std::string name;
  std::string kind;               // the journal kind of its records ("mpc")
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

  // The kind's own fields (a linac's message counts, a database's schema),
  // written at the record's top level beside the common ones.
  StateFields extra;
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
  // The zone its config names for the clinic ([display] zone, else its first
  // source's; "" none), so store-reading commands show the same times.
  std::string display_zone;
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

}  // namespace qcflow::component

#endif  // QCFLOW_PROCESS_COMPONENT_WORKER_STATE_H_
