// `qcflow query sessions|deliveries --db postgres`: the history every site
// mirrored, read from the central database (export/postgres/pg_query.h),
// printed as the local store's answers are. Sessions go through the same
// printer as the local `query sessions` (session_output.h); deliveries carry
// no patient (none leaves a site), so their columns are the central table's.
#include <iostream>

#include "cli/command.h"
#include "cli/output.h"
#include "cli/query_postgres.h"
#include "cli/session_output.h"
#include "export/postgres/pg_query.h"

namespace qcflow::cli {
namespace {

Result<postgres::PgSource> Source(const CentralDbOptions& o) {
  auto db = ResolveCentralDb(o, /*need_site=*/false);
  if (!db.ok()) return db.status();
  postgres::PgSource source;
  source.connect = {db->sink.conninfo, db->sink.password, db->sink.connect_timeout_seconds, ""};
  source.schema = db->sink.schema;
  return source;
}

}  // namespace

int RunCentralSessions(SessionsOptions o) {
  // No local store to read the configured zone from: --tz, else $TZ, else this machine's.
  if (Status z = ResolveShownZone(nullptr, &o.zone); !z.ok()) return ReportError(z);
  auto format = ParseFormat(o.format);
  if (!format.ok()) return ReportError(format.status());
  auto range = ParseTimeRange(o.since, o.until, o.zone);
  if (!range.ok()) return ReportError(range.status());
  auto source = Source(o.central);
  if (!source.ok()) return ReportError(source.status());
  postgres::PgSessionQuery q{o.central.site, o.serial, o.source_kind, o.source, range->from, range->until, o.limit};
  auto rows = postgres::QuerySessions(*source, q);
  if (!rows.ok()) return ReportError(rows.status());
  std::vector<QcSession> sessions;
  std::vector<std::string> sites;
  for (postgres::SiteSession& r : *rows) {
    sites.push_back(std::move(r.site));
    sessions.push_back(std::move(r.session));
  }
  PrintSessions(sessions, sites, *format, o.zone, std::cout);
  if (*format == Format::kTable) HintLimit(sessions.size(), o.limit, "--site");
  return kExitOk;
}

int RunCentralDeliveries(DeliveriesOptions o) {
  // No local store to read the configured zone from: --tz, else $TZ, else this machine's.
  if (Status z = ResolveShownZone(nullptr, &o.zone); !z.ok()) return ReportError(z);
  auto format = ParseFormat(o.format);
  if (!format.ok()) return ReportError(format.status());
  if (!o.patient.empty()) {
    return ReportError(Status::InvalidArgument("--patient works on the local store only: no patient ID "
                                               "leaves a site, so the central database has none"));
  }
  auto range = ParseTimeRange(o.since, o.until, o.zone);
  if (!range.ok()) return ReportError(range.status());
  auto source = Source(o.central);
  if (!source.ok()) return ReportError(source.status());
  postgres::PgDeliveryQuery q{o.central.site, o.linac, o.field, range->from, range->until, o.limit};
  auto rows = postgres::QueryDeliveries(*source, q);
  if (!rows.ok()) return ReportError(rows.status());
  // Cell::Number is integral; MU and angles stay text as in the local `query deliveries`.
  auto number = [](const std::optional<double>& v) { return Cell::Text(ShortestNumber(v)); };
  Table table({"site", "start", "end", "linac", "source", "field", "field_name", "energy", "mu", "prescribed_mu",
               "gantry", "collimator", "interlocks", "patient_id", "user_key"},
              o.zone);
  for (const postgres::SiteDelivery& d : *rows) {
    table.AddRow({Cell::Text(d.site), Cell::Instant(d.started), Cell::Instant(d.ended),
                  Cell::Text(d.row.linac), Cell::Text(d.row.source_kind), Cell::Text(d.row.field),
                  Cell::Text(d.row.field_name), Cell::Text(d.row.energy), number(d.row.mu),
                  number(d.row.prescribed_mu), Cell::Text(NumberRange(d.row.gantry_min, d.row.gantry_max)),
                  Cell::Text(NumberRange(d.row.collimator_min, d.row.collimator_max)),
                  Cell::Text(d.row.interlocks.value_or("")), Cell::Text(d.patient_id.value_or("")),
                  Cell::Text(d.user_key)});
  }
  table.Render(*format, std::cout);
  if (*format == Format::kTable && rows->empty()) std::cerr << "No deliveries match.\n";
  if (*format == Format::kTable) HintLimit(rows->size(), o.limit, "--site");
  return kExitOk;
}

}  // namespace qcflow::cli
