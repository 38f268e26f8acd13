#include "export/postgres/pg_connection.h"

#include <soci/soci.h>

#include "export/postgres/pg_conninfo.h"

// The backend is linked directly and reached through its factory function, as
// the DQA3 source reaches its backends: its header would pull in libpq-fe.h.
extern "C" {
soci::backend_factory const* factory_postgresql();
}

namespace qcflow::postgres {
namespace {

std::string Trimmed(std::string msg) {
  while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
  return msg;
}

}  // namespace

std::string ErrorText(const std::exception& e) {
  if (const auto* s = dynamic_cast<const soci::soci_error*>(&e)) return Trimmed(s->get_error_message());
  return Trimmed(e.what());
}

std::string WithSchema(std::string sql, const std::string& schema) {
  const std::string quoted = "\"" + schema + "\"";
  for (size_t at = sql.find("{s}"); at != std::string::npos; at = sql.find("{s}", at + quoted.size())) {
    sql.replace(at, 3, quoted);
  }
  return sql;
}

Result<std::unique_ptr<soci::session>> OpenPg(const PgConnectOptions& o) {
  auto sql = std::make_unique<soci::session>();
  try {
    sql->open(*factory_postgresql(), ConnectString(o.conninfo, o.password, o.connect_timeout_seconds));
    // CREATE ... IF NOT EXISTS says NOTICE on stderr otherwise; a stuck statement must end.
    *sql << "SET client_min_messages = warning";
    *sql << "SET statement_timeout = '120s'";
    *sql << "SELECT set_config('application_name', :a, false)", soci::use(o.application_name);
  } catch (const std::exception& e) {
    return Status::Unavailable(
        RedactSecret("connecting to PostgreSQL (" + o.conninfo + "): " + ErrorText(e), o.password));
  }
  return sql;
}

}  // namespace qcflow::postgres
