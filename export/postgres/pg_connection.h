// Opening a SOCI session on PostgreSQL and the small SQL helpers the sink and
// the central queries share. SOCI's backend stays private to the .cc files.
#ifndef QCFLOW_EXPORT_POSTGRES_PG_CONNECTION_H_
#define QCFLOW_EXPORT_POSTGRES_PG_CONNECTION_H_

#include <exception>
#include <memory>
#include <string>

#include "store/status.h"

namespace soci {
class session;
}  // namespace soci

namespace qcflow::postgres {

struct PgConnectOptions {
  std::string conninfo;        // REQUIRES: CheckConninfo passed (no password in it)
  std::string password;        // joined only when connecting; never in a message
  int connect_timeout_seconds = 10;
  std::string application_name;  // what a DBA sees in pg_stat_activity
};

// A session with NOTICEs off and a 120 s statement timeout. Unavailable (the
// password redacted) when the server cannot be reached or refuses.
Result<std::unique_ptr<soci::session>> OpenPg(const PgConnectOptions& o);

// `sql` with every "{s}" replaced by the quoted schema.
// REQUIRES: `schema` passed IsPlainIdentifier.
std::string WithSchema(std::string sql, const std::string& schema);

// SOCI's brief message (what() may add the statement and its bound values), trimmed.
std::string ErrorText(const std::exception& e);

}  // namespace qcflow::postgres

#endif  // QCFLOW_EXPORT_POSTGRES_PG_CONNECTION_H_
