// Synthetic DQA3 databases: the vendor's tables (real table and column names from
// shared/spec/dqa3.md) filled with seeded, realistic measurement rows. Used by the
// source's tests, the benchmark and `qcflow bench dqa3`.
//
// Contract:
// - CreateDqa3Schema creates the tables for `version` (01.03, 01.04 Firebird;
//   01.06 SQL Server with BSC columns; 1.5 Atlas) on any backend with a writable
//   session (Firebird, SQLite). It does not create the database itself.
// - WriteDqa3Rows fills them: machines spread over rooms, each with a beam set from
//   photon, FFF, electron and wedge beams, one measurement per beam per day, an
//   occasional NULL comment. The same options and seed give the same rows.
// - With race = true (trend schemas only) the last day holds one raced pair: two
//   machines measure at the same instant and the second machine's DQA3_TREND row
//   carries the first machine's DATA_KEY (data.SET_KEY != tr.SET_KEY).
// - Rows go in batches inside one transaction, so ~220k rows take seconds.
#ifndef QCFLOW_INGEST_DQA3_SIM_DQA3_SIM_H_
#define QCFLOW_INGEST_DQA3_SIM_DQA3_SIM_H_

#include <cstdint>
#include <string>
#include <vector>

#include "ingest/dqa3/connection.h"
#include "store/status.h"
#include "store/time_util.h"

namespace qcflow::dqa3::sim {

struct Dqa3SimOptions {
  std::string version = "01.04";
  uint64_t seed = 1;
  int machines = 3;
  int beams_per_machine = 6;  // taken from a 12-beam catalogue (photon, FFF, wedge, electron)
  int days = 3;
  CivilTime first_day{2024, 5, 1};  // the database's local date of the first day
  bool cyrillic = false;            // Russian room/machine/signature names
  bool race = true;                 // one raced pair on the last day (trend schemas)
  size_t batch_rows = 2000;         // rows per bulk insert
  // Incremental fill: a second WriteDqa3Rows with write_catalogue = false and a
  // key_base past the first call's keys adds later days to the same machines.
  bool write_catalogue = true;      // version row, rooms, machines, devices, templates
  int64_t key_base = 0;             // added to every DATA_KEY / Dqa3DataId
  std::string version_row;          // version text written; default "<version>.00.00"
                                    // (Atlas "<version>.0.12"); tests set unknown ones
};

struct Dqa3SimMachine {
  int64_t id = 0;
  std::string name, room, display_name;  // UTF-8
};

struct Dqa3SimSummary {
  std::vector<Dqa3SimMachine> machines;
  size_t trend_rows = 0;        // measurement rows the source's join will return
  int64_t raced_set_key = -1;   // tr.SET_KEY of the raced row, -1 without a race
  int64_t raced_data_key = -1;  // the DATA_KEY it (wrongly) carries
  CivilTime last_measurement;   // local wall time of the latest row
};

// REQUIRES: IsSupportedSchema(version); the database is empty.
Status CreateDqa3Schema(const Dqa3Connection& c, const std::string& version);

// REQUIRES: CreateDqa3Schema ran for o.version; machines >= 2 when race.
Result<Dqa3SimSummary> WriteDqa3Rows(const Dqa3Connection& c, const Dqa3SimOptions& o);

// The DDL statements CreateDqa3Schema runs (exposed for docs and tests).
std::vector<std::string> Dqa3SchemaDdl(const std::string& version);

}  // namespace qcflow::dqa3::sim

#endif  // QCFLOW_INGEST_DQA3_SIM_DQA3_SIM_H_
