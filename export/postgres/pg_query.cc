#include "export/postgres/pg_query.h"

#include <soci/soci.h>

#include "export/postgres/pg_conninfo.h"
#include "export/postgres/pg_schema.h"

namespace qcflow::postgres {
namespace {

// Connected, with a schema this binary can read at its current version.
Result<std::unique_ptr<soci::session>> OpenForReading(const PgSource& source) {
  if (!IsPlainIdentifier(source.schema)) {
    return Status::InvalidArgument("schema \"" + source.schema + "\" is not a plain PostgreSQL name");
  }
  QCFLOW_RETURN_IF_ERROR(CheckConninfo(source.connect.conninfo));
  PgConnectOptions o = source.connect;
  o.application_name = "qcflow query";
  auto sql = OpenPg(o);
  if (!sql.ok()) return sql.status();
  auto state = InspectSchema(**sql, source.schema);
  if (!state.ok()) return state.status();
  if (state->version < kPgSchemaVersion) {
    return Status::Incompatible(
        "the PostgreSQL schema \"" + source.schema + "\" is at version " + std::to_string(state->version) +
        (state->version == 0 ? " (nothing mirrored into it yet)" : "") + "; this qcflow reads version " +
        std::to_string(kPgSchemaVersion) + ". A qcflow sink (or `qcflow backfill postgres`) migrates it when "
        "it connects");
  }
  return sql;
}

// Numbers are written into the SQL (they are integers); text is bound.
std::string TimeRange(const char* column, MicrosUtc from, MicrosUtc until) {
  std::string out;
  if (from != std::numeric_limits<MicrosUtc>::min()) {
    out += " AND " + std::string(column) + " >= timestamptz 'epoch' + " + std::to_string(from) +
           " * interval '1 microsecond'";
  }
  if (until != std::numeric_limits<MicrosUtc>::max()) {
    out += " AND " + std::string(column) + " < timestamptz 'epoch' + " + std::to_string(until) +
           " * interval '1 microsecond'";
  }
  return out;
}

std::string Micros(const char* column) {
  return "CAST(extract(epoch FROM " + std::string(column) + ") * 1000000 AS bigint)";
}

std::optional<double> OptDouble(const soci::row& r, size_t i) {
  return r.get_indicator(i) == soci::i_null ? std::nullopt : std::optional<double>(r.get<double>(i));
}

std::optional<std::string> OptText(const soci::row& r, size_t i) {
  return r.get_indicator(i) == soci::i_null ? std::nullopt : std::optional<std::string>(r.get<std::string>(i));
}

Status Failed(const std::string& what, const PgSource& source, const std::exception& e) {
  return Status::Unavailable(RedactSecret(what + " from PostgreSQL (" + source.connect.conninfo + "): " + ErrorText(e),
                                          source.connect.password));
}

// PostgreSQL's LIMIT is a bigint: SIZE_MAX would be "bigint out of range".
std::string Limit(size_t n) {
  return n > size_t(std::numeric_limits<int64_t>::max()) ? " LIMIT ALL" : " LIMIT " + std::to_string(n);
}

}  // namespace

Result<std::vector<SiteSession>> QuerySessions(const PgSource& source, const PgSessionQuery& q) {
  auto sql = OpenForReading(source);
  if (!sql.ok()) return sql.status();
  std::vector<SiteSession> out;
  try {
    const std::string text = WithSchema(
        "SELECT s.site, CAST(r.session AS text) FROM {s}.sessions s JOIN {s}.session_revisions r "
        "ON r.site = s.site AND r.user_key = s.user_key AND r.revision = s.revision "
        "WHERE (:site = '' OR s.site = :site) AND (:serial = '' OR s.machine_serial = :serial) "
        "AND (:kind = '' OR s.source_kind = :kind) AND (:source = '' OR s.source_id = :source)" +
        TimeRange("s.work_started", q.from, q.until) +
        " ORDER BY s.work_started, s.user_key COLLATE \"C\", s.site COLLATE \"C\"" + Limit(q.limit),
        source.schema);
    soci::rowset<soci::row> rows = ((*sql)->prepare << text, soci::use(q.site, "site"),
                                    soci::use(q.serial, "serial"), soci::use(q.source_kind, "kind"),
                                    soci::use(q.source_id, "source"));
    for (const soci::row& r : rows) {
      auto s = DecodeQcSession(r.get<std::string>(1));
      if (!s.ok()) return s.status().WithContext("a session of site " + r.get<std::string>(0) + " in PostgreSQL");
      out.push_back({r.get<std::string>(0), std::move(*s)});
    }
  } catch (const std::exception& e) {
    return Failed("reading sessions", source, e);
  }
  return out;
}

Result<std::vector<SiteDelivery>> QueryDeliveries(const PgSource& source, const PgDeliveryQuery& q) {
  auto sql = OpenForReading(source);
  if (!sql.ok()) return sql.status();
  std::vector<SiteDelivery> out;
  try {
    const std::string text = WithSchema(
        "SELECT site, user_key, source_kind, source_id, linac, machine_id, field, field_name, energy, mu, "
        "prescribed_mu, " + Micros("started") + ", " + Micros("ended") + ", gantry_min, gantry_max, "
        "collimator_min, collimator_max, interlocks, patient_id FROM {s}.deliveries "
        "WHERE (:site = '' OR site = :site) AND (:linac = '' OR linac = :linac) "
        "AND (:field = '' OR field = :field)" + TimeRange("started", q.from, q.until) +
        " ORDER BY started, site COLLATE \"C\", user_key COLLATE \"C\"" + Limit(q.limit),
        source.schema);
    soci::rowset<soci::row> rows = ((*sql)->prepare << text, soci::use(q.site, "site"),
                                    soci::use(q.linac, "linac"), soci::use(q.field, "field"));
    for (const soci::row& r : rows) {
      SiteDelivery d;
      d.site = r.get<std::string>(0);
      d.user_key = r.get<std::string>(1);
      d.row.source_kind = r.get<std::string>(2);
      d.source_id = r.get<std::string>(3);
      d.row.linac = r.get<std::string>(4);
      d.row.machine_id = r.get<std::string>(5);
      d.row.field = r.get<std::string>(6);
      d.row.field_name = r.get<std::string>(7);
      d.row.energy = r.get<std::string>(8);
      d.row.mu = OptDouble(r, 9);
      d.row.prescribed_mu = OptDouble(r, 10);
      d.started = r.get<long long>(11);
      d.ended = r.get<long long>(12);
      d.row.gantry_min = OptDouble(r, 13);
      d.row.gantry_max = OptDouble(r, 14);
      d.row.collimator_min = OptDouble(r, 15);
      d.row.collimator_max = OptDouble(r, 16);
      d.row.interlocks = OptText(r, 17);
      d.patient_id = OptText(r, 18);
      out.push_back(std::move(d));
    }
  } catch (const std::exception& e) {
    return Failed("reading deliveries", source, e);
  }
  return out;
}

}  // namespace qcflow::postgres
