// The PostgreSQL schema qcflow mirrors into, versioned and migrated by qcflow.
//
// `<schema>.schema_version` holds one row: the version the tables are at.
// Migrate() brings a schema from any older version (0: nothing there yet) to
// kPgSchemaVersion in ONE transaction, under an advisory lock, so two qcflow
// processes starting together migrate once and a failed migration leaves the
// schema as it was (PostgreSQL's DDL is transactional). A schema at a newer
// version than this binary knows is refused and never written to.
// Tables and the rule that keeps rows exactly once: docs/postgres.md.
#ifndef QCFLOW_EXPORT_POSTGRES_PG_SCHEMA_H_
#define QCFLOW_EXPORT_POSTGRES_PG_SCHEMA_H_

#include <string>
#include <vector>

#include "store/status.h"

namespace soci {
class session;
}  // namespace soci

namespace qcflow::postgres {

// The version this binary writes. Raise it with a new step in pg_schema.cc.
inline constexpr int kPgSchemaVersion = 3;

struct SchemaState {
  int version = 0;                     // 0: the schema or its version table is absent
  std::vector<std::string> would_do;   // the migration steps Migrate would apply, in words
};

// The schema's version and what Migrate would do; writes nothing. Incompatible
// when the version is newer than kPgSchemaVersion.
// REQUIRES: `schema` passed IsPlainIdentifier. Errors carry the server's message.
Result<SchemaState> InspectSchema(soci::session& sql, const std::string& schema);

// Creates or migrates `schema` to `target` (tests stop at an older version to
// migrate from it); returns the version it was at before. A schema at or past
// `target` is left as it is (newer than kPgSchemaVersion: Incompatible).
// REQUIRES: as InspectSchema; 1 <= target <= kPgSchemaVersion.
Result<int> MigrateSchema(soci::session& sql, const std::string& schema, int target = kPgSchemaVersion);

// The first session's user key of an amended result ("K/2" -> "K"); the key
// itself otherwise. The SQL of migration 2 applies the same rule.
std::string BaseUserKey(const std::string& user_key, bool amendment);

// "the PostgreSQL schema \"S\" is at version N, newer than this qcflow knows (M)..."
std::string NewerSchemaMessage(const std::string& schema, int version);

}  // namespace qcflow::postgres

#endif  // QCFLOW_EXPORT_POSTGRES_PG_SCHEMA_H_
