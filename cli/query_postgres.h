// The options of `qcflow query sessions|deliveries` and their answer from the
// central PostgreSQL (`--db postgres`, query_postgres_command.cc). The local
// answers live in query_command.cc and query_icom_command.cc.
#ifndef QCFLOW_CLI_QUERY_POSTGRES_H_
#define QCFLOW_CLI_QUERY_POSTGRES_H_

#include <cstddef>
#include <string>

#include "cli/central_db.h"

namespace qcflow::cli {

struct SessionsOptions {
  std::string serial, since, until, format = "table", zone;  // zone: AddZoneOption
  size_t limit = 100;
  std::string source_kind, source;  // "" any
  CentralDbOptions central;  // db empty: the local store
};

struct DeliveriesOptions {
  std::string linac, patient, field, since, until, format = "table", zone;  // zone: AddZoneOption
  size_t limit = 100;
  CentralDbOptions central;
};

// REQUIRES: o.central.db is not empty.
int RunCentralSessions(SessionsOptions o);
int RunCentralDeliveries(DeliveriesOptions o);

}  // namespace qcflow::cli

#endif  // QCFLOW_CLI_QUERY_POSTGRES_H_
