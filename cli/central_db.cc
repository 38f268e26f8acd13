#include "cli/central_db.h"

#include <CLI/CLI.hpp>

#include <cstdlib>

#include "cli/runtime/config.h"
#include "export/postgres/postgres_component.h"
#include "process/component/config_table.h"

namespace qcflow::cli {

void AddCentralDbOptions(CLI::App& cmd, CentralDbOptions* o, bool for_backfill) {
  if (!for_backfill) {
    cmd.add_option("--db", o->db, "Answer from the central database instead of the store: postgres");
  }
  cmd.add_option("--conninfo", o->conninfo, "PostgreSQL conninfo (libpq keywords or URI, no password)");
  cmd.add_option("--password-file", o->password_file, "File (mode 0600) holding the PostgreSQL password");
  cmd.add_option("--password-env", o->password_env, "Environment variable holding the PostgreSQL password");
  cmd.add_option("--schema", o->schema, "PostgreSQL schema (default: the sink's, else qcflow)");
  cmd.add_option("--site", o->site,
                 for_backfill ? "This site's name in the central database (default: the sink's)"
                              : "With --db postgres: only this site (default: every site)");
  cmd.add_option("--config", o->config_file, "Take conninfo, password and schema from this qcflow.toml's "
                                             "[[sink.postgres]]");
  cmd.add_option("--sink", o->sink, "With --config: which [[sink.postgres]] (needed if several)");
}

namespace {

Status FromConfig(const CentralDbOptions& o, CentralDb* out) {
  auto cfg = config::LoadConfig(o.config_file);
  if (!cfg.ok()) return cfg.status();
  std::string known;
  for (const postgres::PostgresComponent* c : cfg->Of<postgres::PostgresComponent>()) {
    const postgres::PostgresSinkConfig& k = c->settings().sink;
    known += (known.empty() ? "" : ", ") + k.name;
    if (o.sink.empty() ? cfg->Of<postgres::PostgresComponent>().size() == 1 : k.name == o.sink) {
      out->sink = k;
      out->sink.mappings = config::SessionMappings(*cfg);
      out->store_dir = cfg->store.path;
      return Status::OK();
    }
  }
  if (known.empty()) return Status::InvalidArgument(o.config_file + " has no [[sink.postgres]]");
  return Status::InvalidArgument(o.sink.empty() ? o.config_file + " has several [[sink.postgres]]; choose one "
                                                                  "with --sink (" + known + ")"
                                                : o.config_file + " has no [[sink.postgres]] named '" + o.sink +
                                                      "' (it has: " + known + ")");
}

}  // namespace

Result<CentralDb> ResolveCentralDb(const CentralDbOptions& o, bool need_site) {
  if (!o.db.empty() && o.db != "postgres") {
    return Status::InvalidArgument("--db takes postgres (the central database), not '" + o.db + "'");
  }
  CentralDb out;
  out.sink.name = "backfill";
  if (!o.config_file.empty()) {
    QCFLOW_RETURN_IF_ERROR(FromConfig(o, &out));
  } else if (!o.sink.empty()) {
    return Status::InvalidArgument("--sink names a [[sink.postgres]] of --config; give --config too");
  }
  if (!o.conninfo.empty()) out.sink.conninfo = o.conninfo;
  if (!o.schema.empty()) out.sink.schema = o.schema;
  out.sink.site = need_site ? (o.site.empty() ? out.sink.site : o.site) : o.site;
  if (out.sink.conninfo.empty()) {
    return Status::InvalidArgument("say where the central database is: --conninfo, or --config with a "
                                   "[[sink.postgres]]");
  }
  if (!o.password_file.empty() && !o.password_env.empty()) {
    return Status::InvalidArgument("give --password-file or --password-env, not both");
  }
  if (!o.password_file.empty()) {
    QCFLOW_RETURN_IF_ERROR(component::ReadSecretFile("--password-file", o.password_file, &out.sink.password));
  } else if (!o.password_env.empty()) {
    const char* v = std::getenv(o.password_env.c_str());
    if (!v || !*v) return Status::InvalidArgument("environment variable " + o.password_env + " is not set or empty");
    out.sink.password = v;
  }
  if (need_site && out.sink.site.empty()) {
    return Status::InvalidArgument("--site is required (this site's name in the central database)");
  }
  return out;
}

}  // namespace qcflow::cli
