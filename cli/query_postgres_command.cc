// `qcflow query sessions|deliveries --db postgres`: the history every site
// mirrored, read from the central database (export/postgres/pg_query.h),
// printed as the local store's answers are. Sessions go through the same
// printer as the local `query sessions` (session_output.h). Deliveries carry
// no patient (none leaves a site), so their table columns are the central
// table's; their JSON has the local `query deliveries` keys, typed alike.
#include <iostream>

#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "cli/model/json_model.h"
#include "cli/model/json_values.h"
#include "cli/output.h"
#include "cli/query_postgres.h"
#include "cli/session_output.h"
#include "export/postgres/pg_query.h"
#include "process/icom/delivery_session.h"

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

std::vector<std::string> Split(const std::optional<std::string>& joined) {
  std::vector<std::string> out;
  if (!joined || joined->empty()) return out;
  for (size_t at = 0;;) {
    const size_t comma = joined->find(", ", at);
    out.push_back(joined->substr(at, comma == std::string::npos ? std::string::npos : comma - at));
    if (comma == std::string::npos) return out;
    at = comma + 2;
  }
}

// A central delivery as the local `query deliveries --format json` writes one
// (model::DeliveryJson): the same keys, numbers as numbers, lists as lists.
// What no site mirrors (the patient, the linac clock's own text, the stream's
// counters, the close reason) is null; site, source and user_key are added.
nlohmann::json CentralDeliveryJson(const postgres::SiteDelivery& d, const std::string& zone) {
  const std::string_view prefix = icom::kDeliveryUserKeyPrefix;
  const bool from_icom = d.user_key.rfind(prefix, 0) == 0;
  nlohmann::json j = {{"id", from_icom ? d.user_key.substr(prefix.size()) : d.user_key},
                      {"linac", d.row.linac},
                      {"open", false},  // only closed deliveries are sessions
                      {"start", FormatRfc3339(d.started, zone)},
                      {"end", FormatRfc3339(d.ended, zone)},
                      {"field", d.row.field},
                      {"machine_id", d.row.machine_id},
                      {"beam_description", model::TextOrNull(d.row.field_name)},
                      {"energies", Split(d.row.energy)},
                      {"mu", model::NumberOrNull(d.row.mu)},
                      {"prescribed_mu", model::NumberOrNull(d.row.prescribed_mu)},
                      {"gantry_min", model::NumberOrNull(d.row.gantry_min)},
                      {"gantry_max", model::NumberOrNull(d.row.gantry_max)},
                      {"collimator_min", model::NumberOrNull(d.row.collimator_min)},
                      {"collimator_max", model::NumberOrNull(d.row.collimator_max)},
                      {"interlocks", Split(d.row.interlocks)},
                      {"site", d.site},
                      {"source", d.row.source_kind},
                      {"user_key", d.user_key}};
  for (const char* unknown : {"source_start", "source_end", "patient_id", "patient_name", "rx_site",
                              "radiation_type", "segments", "messages", "counter_gaps", "continuations",
                              "capture_losses", "malformed", "close_reason"}) {
    j[unknown] = nullptr;
  }
  return j;
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
  if (*format == Format::kJson) {
    nlohmann::json items = nlohmann::json::array();
    for (const postgres::SiteDelivery& d : *rows) items.push_back(CentralDeliveryJson(d, o.zone));
    PrintJson(model::ItemsDocument(std::move(items), o.zone), std::cout);
    return kExitOk;
  }
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
