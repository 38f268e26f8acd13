// Where the central PostgreSQL is, for the commands that read or write it
// without the daemon (`query ... --db postgres`, `backfill postgres`): from
// flags, or from a [[sink.postgres]] of qcflow.toml (flags override). The
// password only from --password-file (0600) / --password-env, or the sink's
// password_file / password_env; never printed.
#ifndef QCFLOW_CLI_CENTRAL_DB_H_
#define QCFLOW_CLI_CENTRAL_DB_H_

#include <string>

#include "export/postgres/postgres_sink.h"
#include "store/status.h"

namespace CLI {
class App;
}

namespace qcflow::cli {

struct CentralDbOptions {
  std::string db;  // "" (the local store) | "postgres"
  std::string conninfo, password_file, password_env, schema, site, config_file, sink;
};

// --db (queries only), --conninfo, --password-file, --password-env, --schema,
// --site, --config, --sink on `cmd`.
void AddCentralDbOptions(CLI::App& cmd, CentralDbOptions* o, bool for_backfill);

struct CentralDb {
  postgres::PostgresSinkConfig sink;  // conninfo, password, schema, site, mappings
  std::string store_dir;              // the config's store ("" without --config)
};

// The sink's settings. `need_site`: a site is required (backfill); queries use
// --site only as a filter, never the config's site.
Result<CentralDb> ResolveCentralDb(const CentralDbOptions& o, bool need_site);

}  // namespace qcflow::cli

#endif  // QCFLOW_CLI_CENTRAL_DB_H_
