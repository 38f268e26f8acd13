#include "export/postgres/pg_schema.h"

#include <soci/soci.h>

#include <exception>

#include "export/postgres/pg_connection.h"

namespace qcflow::postgres {
namespace {

struct Step {
  int version;
  const char* what;                  // for `qcflow validate`
  std::vector<const char*> ddl;      // "{s}" is the schema
};

// Version 1: sites, sessions and their values, each revision of a session.
// Values are rows keyed by (site, user_key, key), so a trend of one test across
// sites is an index scan, not a JSON search.
const std::vector<Step>& Steps() {
  static const std::vector<Step> kSteps = {
      {1,
       "create the tables sites, sessions, session_values and session_revisions (version 1)",
       {
           "CREATE TABLE {s}.sites (site text PRIMARY KEY, first_seen timestamptz NOT NULL DEFAULT now(), "
           "last_seen timestamptz NOT NULL DEFAULT now())",
           "CREATE TABLE {s}.sessions (site text NOT NULL REFERENCES {s}.sites (site), "
           "user_key text NOT NULL, source_kind text NOT NULL, source_id text NOT NULL, "
           "machine_serial text NOT NULL, machine_name text NOT NULL, unit_name text NOT NULL, "
           "test_list text NOT NULL, procedure text NOT NULL, performer text NOT NULL, "
           "work_started timestamptz NOT NULL, work_completed timestamptz NOT NULL, "
           "amendment boolean NOT NULL, comment text NOT NULL, content_hash text NOT NULL, "
           "revision integer NOT NULL DEFAULT 1, first_mirrored timestamptz NOT NULL DEFAULT now(), "
           "mirrored_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (site, user_key))",
           "CREATE INDEX sessions_machine_time ON {s}.sessions (machine_serial, work_started)",
           "CREATE INDEX sessions_test_list_time ON {s}.sessions (test_list, work_started)",
           "CREATE INDEX sessions_site_time ON {s}.sessions (site, work_started)",
           "CREATE TABLE {s}.session_values (site text NOT NULL, user_key text NOT NULL, "
           "key text NOT NULL, name text NOT NULL, number double precision, text_value text, "
           "skipped boolean NOT NULL, unit text NOT NULL, role text NOT NULL, "
           "reference double precision, tolerance double precision, evaluation text NOT NULL, "
           "comment text NOT NULL, file_name text, PRIMARY KEY (site, user_key, key), "
           "FOREIGN KEY (site, user_key) REFERENCES {s}.sessions (site, user_key) ON DELETE CASCADE)",
           "CREATE INDEX session_values_key ON {s}.session_values (key)",
           "CREATE TABLE {s}.session_revisions (site text NOT NULL, user_key text NOT NULL, "
           "revision integer NOT NULL, content_hash text NOT NULL, "
           "mirrored_at timestamptz NOT NULL DEFAULT now(), session json NOT NULL, "
           "PRIMARY KEY (site, user_key, revision), FOREIGN KEY (site, user_key) "
           "REFERENCES {s}.sessions (site, user_key) ON DELETE CASCADE)",
       }},
      // Version 2: a late or amended result (stored under "<first key>/<n>" with
      // amendment set) names its first session, so a query can follow it.
      {2,
       "add sessions.base_user_key (an amended result's first session) and its index (version 2)",
       {
           "ALTER TABLE {s}.sessions ADD COLUMN base_user_key text",
           "UPDATE {s}.sessions SET base_user_key = CASE WHEN amendment THEN "
           "regexp_replace(user_key, '/[0-9]+$', '') ELSE user_key END",
           "ALTER TABLE {s}.sessions ALTER COLUMN base_user_key SET NOT NULL",
           "CREATE INDEX sessions_base ON {s}.sessions (site, base_user_key)",
       }},
      // Version 3: delivery sessions (iCom, TRF) as columns, for a linac's
      // deliveries over time. No foreign key to sessions: a sink may mirror
      // deliveries only (sessions = false). patient_id stays NULL: sessions carry
      // no patient identity (no PHI leaves the site); the column is there so a
      // site that decides otherwise needs no migration.
      {3,
       "create the table deliveries and its indexes by linac and time (version 3; deliveries mirrored "
       "before it get their rows from `qcflow backfill postgres`)",
       {
           "CREATE TABLE {s}.deliveries (site text NOT NULL REFERENCES {s}.sites (site), "
           "user_key text NOT NULL, source_kind text NOT NULL CHECK (source_kind IN ('icom', 'trf')), "
           "source_id text NOT NULL, linac text NOT NULL, machine_id text NOT NULL, "
           "field text NOT NULL, field_name text NOT NULL, energy text NOT NULL, "
           "mu double precision, prescribed_mu double precision, "
           "started timestamptz NOT NULL, ended timestamptz NOT NULL, "
           "gantry_min double precision, gantry_max double precision, "
           "collimator_min double precision, collimator_max double precision, interlocks text, "
           "patient_id text, content_hash text NOT NULL, "
           "mirrored_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (site, user_key))",
           "CREATE INDEX deliveries_site_linac_time ON {s}.deliveries (site, linac, started)",
           "CREATE INDEX deliveries_linac_time ON {s}.deliveries (linac, started)",
           "CREATE INDEX deliveries_time ON {s}.deliveries (started)",
       }},
  };
  return kSteps;
}

std::string Trimmed(std::string msg) {
  while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
  return msg;
}

// 0 when the version table is absent.
int ReadVersion(soci::session& sql, const std::string& schema) {
  long long tables = 0;
  sql << "SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname = :s AND tablename = 'schema_version'",
      soci::use(schema), soci::into(tables);
  if (tables == 0) return 0;
  int version = 0;
  soci::indicator ind = soci::i_null;
  sql << WithSchema("SELECT max(version) FROM {s}.schema_version", schema), soci::into(version, ind);
  return ind == soci::i_ok ? version : 0;
}

}  // namespace

std::string BaseUserKey(const std::string& user_key, bool amendment) {
  if (!amendment) return user_key;
  size_t slash = user_key.rfind('/');
  if (slash == std::string::npos || slash + 1 == user_key.size()) return user_key;
  for (size_t i = slash + 1; i < user_key.size(); ++i) {
    if (user_key[i] < '0' || user_key[i] > '9') return user_key;
  }
  return user_key.substr(0, slash);
}

std::string NewerSchemaMessage(const std::string& schema, int version) {
  return "the PostgreSQL schema \"" + schema + "\" is at version " + std::to_string(version) +
         ", newer than this qcflow knows (" + std::to_string(kPgSchemaVersion) +
         "); a newer qcflow migrated it. Upgrade this qcflow, or set schema to another one; "
         "nothing is written to it meanwhile";
}

Result<SchemaState> InspectSchema(soci::session& sql, const std::string& schema) {
  try {
    SchemaState state;
    state.version = ReadVersion(sql, schema);
    if (state.version > kPgSchemaVersion) return Status::Incompatible(NewerSchemaMessage(schema, state.version));
    for (const Step& step : Steps()) {
      if (step.version > state.version) state.would_do.push_back(step.what);
    }
    return state;
  } catch (const std::exception& e) {
    return Status::Unavailable("reading the version of PostgreSQL schema \"" + schema + "\": " + Trimmed(e.what()));
  }
}

Result<int> MigrateSchema(soci::session& sql, const std::string& schema, int target) {
  try {
    soci::transaction tx(sql);
    // One migration at a time per schema, across processes and sites; released at commit.
    sql << "SELECT pg_advisory_xact_lock(1903520108, hashtext(:s))", soci::use(schema);
    // Only when absent: CREATE SCHEMA IF NOT EXISTS still demands CREATE on the
    // database, which a role working in a schema its DBA created lacks.
    long long exists = 0;
    sql << "SELECT count(*) FROM pg_catalog.pg_namespace WHERE nspname = :s", soci::use(schema), soci::into(exists);
    if (exists == 0) sql << WithSchema("CREATE SCHEMA {s}", schema);
    const int before = ReadVersion(sql, schema);
    if (before > kPgSchemaVersion) return Status::Incompatible(NewerSchemaMessage(schema, before));
    if (before >= target) {
      tx.commit();
      return before;
    }
    if (before == 0) {
      sql << WithSchema("CREATE TABLE IF NOT EXISTS {s}.schema_version (version integer NOT NULL, "
                        "migrated_at timestamptz NOT NULL DEFAULT now(), migrated_by text NOT NULL)",
                        schema);
    }
    for (const Step& step : Steps()) {
      if (step.version <= before || step.version > target) continue;
      for (const char* ddl : step.ddl) sql << WithSchema(ddl, schema);
    }
    const int to = target;
    const std::string by = "qcflow (schema version " + std::to_string(to) + ")";
    sql << WithSchema("DELETE FROM {s}.schema_version", schema);
    sql << WithSchema("INSERT INTO {s}.schema_version (version, migrated_by) VALUES (:v, :b)", schema),
        soci::use(to), soci::use(by);
    tx.commit();
    return before;
  } catch (const std::exception& e) {
    return Status::Unavailable("migrating PostgreSQL schema \"" + schema + "\" to version " +
                               std::to_string(target) + ": " + Trimmed(e.what()));
  }
}

}  // namespace qcflow::postgres
