// Dqa3Source: the Sun Nuclear Daily QA3 database source. Reads measurement rows
// read-only and journals each one exactly once (spec: shared/spec/dqa3.md; record
// contract: notes/contracts.md "DQA3 journal record").
//
// Contract:
// - Only SELECT statements are sent. Every value from config (since, machine ids,
//   beam types) is a bound parameter; nothing from config is spliced into SQL.
// - Each Poll() detects the schema version (first row of ATLAS_MASTER / AtlasMaster,
//   first two dot parts: 01.03, 01.04, 01.06, 1.5) and discovers the machines again,
//   so machines added in the vendor software are picked up without a restart.
// - Rows with work_started >= now - history_days (in the database's clock zone) for
//   the configured machines and beam types become one Kind::kDqa3 record each:
//   source_id = config.name, event_time = work_started (db_zone -> UTC),
//   event_time_text = "YYYY-MM-DD HH:MM:SS", payload = the row as JSON (contract),
//   dedup_key = "<database identity>|<data_key>" — plus "|set:<tr.SET_KEY>" for a
//   row hit by the vendor's DATA_KEY race, whose data_key another trend row may
//   share. Re-polling the same window therefore appends nothing.
// - A failure to connect or query returns Unavailable (transient: the caller
//   retries with backoff); an unsupported schema returns FailedPrecondition. The
//   session is dropped after any failure and reopened by the next call.
// - Messages never contain the password.
//
// Thread-compatibility: one Dqa3Source is used by one thread at a time.
#ifndef QCFLOW_INGEST_DQA3_DQA3_SOURCE_H_
#define QCFLOW_INGEST_DQA3_DQA3_SOURCE_H_

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "ingest/dqa3/connection.h"
#include "store/status.h"
#include "store/time_util.h"

namespace qcflow {
class Journal;
struct Record;
}

namespace qcflow::dqa3 {

struct Dqa3SourceConfig {
  std::string name;                 // the [[source.dqa3]] name; journal source_id
  Dqa3Connection connection;
  std::string database_id;          // dedup identity; empty = DefaultDatabaseIdentity
  std::string db_zone = "UTC";      // IANA zone of the database's clock
  int history_days = 1;             // look back this many days on each poll
  std::vector<std::string> machines;    // display name ("<room>/<machine>"), machine
                                        // name or id; empty = every machine
  std::vector<std::string> beam_types;  // "Photon", "Electron", "FFF"; empty = all
  size_t batch_size = 1000;         // records per journal write
};

// Everything Poll() needs, checked up front: name, connection, zone known,
// history_days >= 1, batch_size >= 1, beam types among Photon/Electron/FFF.
Status ValidateDqa3SourceConfig(const Dqa3SourceConfig& config);

// config.database_id, or DefaultDatabaseIdentity(config.connection).
std::string DatabaseIdentity(const Dqa3SourceConfig& config);

struct Dqa3Machine {
  std::string id;            // MACH_KEY (Firebird/SQL Server) or MachineId (Atlas), as text
  std::string name;          // DQA3_MACHINE.TREE_NAME / Machine.MachineName
  std::string room;          // ROOM.TREE_NAME / Machine.RoomNumber; may be empty
  std::string display_name;  // "<room>/<name>", or name when there is no room
};

struct Dqa3PollReport {
  std::string schema_version;       // "01.03", "01.04", "01.06", "1.5"
  MicrosUtc since = 0;              // window start (UTC)
  size_t machines_found = 0;        // in the database this poll
  std::vector<Dqa3Machine> machines;  // those machines (no second DiscoverMachines needed)
  size_t machines_polled = 0;       // after the config's machine filter
  std::vector<std::string> unmapped_machines;  // configured but not in the database
  size_t rows_read = 0;
  size_t appended = 0;
  size_t duplicates = 0;            // already journaled (re-poll)
  size_t race_flagged = 0;          // rows with data.SET_KEY != tr.SET_KEY (of rows_read)
  std::vector<std::string> problems;  // one readable sentence each (no secrets)
};

class Dqa3Source {
 public:
  // REQUIRES: ValidateDqa3SourceConfig(config).ok()
  explicit Dqa3Source(Dqa3SourceConfig config);
  ~Dqa3Source();
  Dqa3Source(const Dqa3Source&) = delete;
  Dqa3Source& operator=(const Dqa3Source&) = delete;

  // The normalised schema version ("01.04"), or FailedPrecondition for a version
  // qcflow does not read, Unavailable when the database cannot be reached.
  Result<std::string> DetectSchema();

  // Every machine in the database, ordered by id.
  Result<std::vector<Dqa3Machine>> DiscoverMachines();

  // One poll: rows since now - history_days. REQUIRES: journal != nullptr.
  Result<Dqa3PollReport> Poll(Journal* journal, MicrosUtc now);

  // Like Poll with an explicit window start (backfill --since).
  Result<Dqa3PollReport> PollSince(Journal* journal, MicrosUtc since, MicrosUtc now);

  // The rows Poll would journal now, read the same way but into no journal:
  // `each` gets every record Poll would append (`qcflow validate` builds the
  // sessions they would become). The report's appended and duplicates stay 0.
  Result<Dqa3PollReport> Read(MicrosUtc now, const std::function<void(Record)>& each);

  const Dqa3SourceConfig& config() const { return config_; }

 private:
  MicrosUtc HistoryStart(MicrosUtc now) const;  // now - history_days

  class Impl;
  Dqa3SourceConfig config_;
  std::unique_ptr<Impl> impl_;  // SOCI session and per-version queries
};

}  // namespace qcflow::dqa3

#endif  // QCFLOW_INGEST_DQA3_DQA3_SOURCE_H_
