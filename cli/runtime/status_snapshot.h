// StatusSnapshot: the facts `qcflow status` shows (what each part persisted,
// the journal's counts, the outbox counters), gathered from the daemon's own
// open store for the console and read API (cli/console/). Plain data; no JSON.
//
// Every configured component is in it, disabled ones too (state "disabled"),
// sources first, in config order. Times are UTC ISO-8601 text, "" = never.
#ifndef QCFLOW_CLI_RUNTIME_STATUS_SNAPSHOT_H_
#define QCFLOW_CLI_RUNTIME_STATUS_SNAPSHOT_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "cli/runtime/config.h"
#include "store/status.h"
#include "store/store.h"

namespace qcflow::cli {

struct ComponentSnapshot {
  std::string name;
  std::string role;     // "source" | "sink"
  std::string kind;     // the section: "source.mpc", "sink.qatrack"
  // As the part last persisted it (starting | ok | unavailable | error |
  // unreachable | failing | paused | stopped), or "disabled".
  std::string state;
  std::string last_run, last_ok, next_run;
  std::string last_error;     // "" when none
  std::string last_error_at;  // sinks: when the outbox recorded it
  bool paused = false;        // sinks: token rejected
  // Sources: journal records and quarantined records of this source id.
  std::optional<uint64_t> records, quarantined, records_last_run;
  // Sinks: the outbox.
  std::optional<uint64_t> pending, in_backoff, dead_letters, delivered;
  std::string last_success;
  std::string oldest_pending;  // UTC text of when the longest-waiting item was queued; "": none
  // Sources: the fields the part keeps beside its pass facts (SourceState's
  // extra: an iCom linac's messages, reconnects, gaps, ...), each a JSON text.
  std::map<std::string, std::string> details;
};

struct StatusSnapshot {
  std::string taken_at;
  std::string store_dir;
  uint64_t records = 0;  // the journal's last sequence number
  uint64_t bytes_on_disk = 0;
  std::string daemon_started_at;
  std::string version;
  std::vector<ComponentSnapshot> components;
};

// REQUIRES: `store` open (read-only is enough); thread-safe as the store is.
Result<StatusSnapshot> TakeStatusSnapshot(Store& store, const config::Config& config, MicrosUtc now);

struct DeadLetter {
  std::string sink, item, since, reason;
  uint32_t attempts = 0;
};

struct DeadLetterPage {
  uint64_t total = 0;  // matching dead letters, all pages
  std::vector<DeadLetter> items;
};

// The dead letters of `sink` ("" = every sink), oldest queued first, skipping
// `offset` and returning at most `limit`.
Result<DeadLetterPage> ListDeadLetters(Store& store, const std::string& sink, size_t offset,
                                       size_t limit);

}  // namespace qcflow::cli

#endif  // QCFLOW_CLI_RUNTIME_STATUS_SNAPSHOT_H_
