// Reading the central database back: the sessions and deliveries every site
// mirrored (`qcflow query sessions|deliveries --db postgres`). Read-only; one
// connection per call.
#ifndef QCFLOW_EXPORT_POSTGRES_PG_QUERY_H_
#define QCFLOW_EXPORT_POSTGRES_PG_QUERY_H_

#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "export/postgres/pg_connection.h"
#include "export/postgres/pg_delivery.h"
#include "process/common/qc_session.h"
#include "store/status.h"
#include "store/time_util.h"

namespace qcflow::postgres {

struct PgSource {
  PgConnectOptions connect;       // application_name is set by the calls
  std::string schema = "qcflow";  // REQUIRES: IsPlainIdentifier
};

// Filters; "" / the open range mean "any". Rows start in [from, until).
struct PgSessionQuery {
  std::string site, serial, source_kind, source_id;  // "": any
  MicrosUtc from = std::numeric_limits<MicrosUtc>::min();
  MicrosUtc until = std::numeric_limits<MicrosUtc>::max();
  size_t limit = 100;  // REQUIRES: >= 1; SIZE_MAX (the CLI's --limit 0) = no limit
};

struct SiteSession {
  std::string site;
  QcSession session;  // its current revision, as mirrored (its source's mapping applied)
};

// By work_started, then user_key (bytewise, as the local store orders keys), then site.
// Unavailable when the server cannot be reached; Incompatible for a schema
// without the tables (never migrated) or newer than this binary.
Result<std::vector<SiteSession>> QuerySessions(const PgSource& source, const PgSessionQuery& q);

struct PgDeliveryQuery {
  std::string site, linac, field;
  MicrosUtc from = std::numeric_limits<MicrosUtc>::min();
  MicrosUtc until = std::numeric_limits<MicrosUtc>::max();
  size_t limit = 100;  // REQUIRES: >= 1; SIZE_MAX (the CLI's --limit 0) = no limit
};

struct SiteDelivery {
  std::string site, user_key, source_id;
  MicrosUtc started = 0, ended = 0;
  DeliveryRow row;
  std::optional<std::string> patient_id;  // always NULL as qcflow writes it (docs/postgres.md)
};

// By started, then site, then user_key; as QuerySessions otherwise.
Result<std::vector<SiteDelivery>> QueryDeliveries(const PgSource& source, const PgDeliveryQuery& q);

}  // namespace qcflow::postgres

#endif  // QCFLOW_EXPORT_POSTGRES_PG_QUERY_H_
