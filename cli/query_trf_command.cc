// `qcflow query trf`: the TRF deliveries (one per Elekta TRF log, derived by
// [[source.trf]] or `qcflow backfill trf`), read through their linac + time
// index, each beside the iCom delivery of the same linac and time when the
// store holds one (process/trf/icom_match.h). Read-only: runs next to a daemon.
#include <CLI/CLI.hpp>

#include <iostream>

#include "cli/command.h"
#include "cli/model/json_model.h"
#include "cli/output.h"
#include "process/trf/icom_match.h"
#include "process/trf/trf_delivery.h"
#include "store/derived.h"

#include <nlohmann/json.hpp>

namespace qcflow::cli {
namespace {

using trf::TrfDelivery;

struct TrfQueryOptions {
  std::string linac, field, since, until, format = "table", zone;  // zone: AddZoneOption
  size_t limit = 100;
  trf::IcomMatchOptions match;
  long tolerance_s = 120;
};

// A TRF delivery and what the iCom stream recorded for the same beam.
struct TrfRow {
  TrfDelivery log;
  std::optional<trf::IcomMatch> icom;
};

// --field matches the label ("1-1"), the name ("DIR E") or both as written ("1-1/DIR E").
bool FieldMatches(const TrfDelivery& d, const std::string& field) {
  return field.empty() || d.field_label == field || d.field_name == field ||
         d.field_label + "/" + d.field_name == field;
}

Status ReadTrfDeliveries(Store& store, const TrfQueryOptions& o, const TimeRange& range,
                         std::vector<TrfRow>* out) {
  const trf::TrfIndexRange r = trf::TrfTimeIndexRange(o.linac, range.from, range.until);
  Status bad;
  QCFLOW_RETURN_IF_ERROR(store.derived().ScanIndexed(trf::kTrfDeliveryByTime, r.from, r.until,
                                                     [&](std::string_view v) {
    auto d = trf::DecodeTrfDelivery(v);
    if (!d.ok()) {
      bad = d.status();
      return false;
    }
    // Without --linac the whole index is read (every linac): the time is checked here.
    if (d->indexed_at < range.from || d->indexed_at >= range.until) return true;
    if (!FieldMatches(*d, o.field)) return true;
    out->push_back({std::move(*d), std::nullopt});
    return out->size() < o.limit;
  }));
  QCFLOW_RETURN_IF_ERROR(bad);
  for (TrfRow& row : *out) {
    auto m = trf::FindIcomDelivery(store.derived(), row.log, o.match);
    if (!m.ok()) return m.status();
    row.icom = std::move(*m);
  }
  return Status::OK();
}

nlohmann::json IcomMatchJson(const std::optional<trf::IcomMatch>& m, const std::string& zone) {
  if (!m) return nullptr;
  const icom::Delivery& d = m->delivery;
  return {{"id", d.Id()},
          {"start", FormatRfc3339(d.start, zone)},
          {"end", FormatRfc3339(d.end, zone)},
          {"field_id", d.field_id},
          {"mu", d.mu},
          {"mu_difference", m->mu_difference},
          {"start_difference_s", m->start_difference_s},
          {"overlap_s", m->overlap_s}};
}

nlohmann::json Span(const trf::AxisRange& r) {
  if (!r.min) return nullptr;
  return {{"min", *r.min}, {"max", *r.max}};
}

nlohmann::json TrfDeliveryJson(const TrfRow& row, const std::string& zone) {
  const TrfDelivery& d = row.log;
  return {{"file", d.file},
          {"linac", d.linac},
          {"start", d.start ? nlohmann::json(FormatRfc3339(*d.start, zone)) : nlohmann::json(nullptr)},
          {"source_start", d.StartWithOffset()},  // the header's own date and UTC offset
          {"field_label", d.field_label},
          {"field_name", d.field_name},
          {"version", d.version},
          {"rows", d.rows},
          {"duration_s", d.duration_s},
          {"mu", d.mu},
          {"header_mu", d.header_mu},
          {"first_state", d.first_state},
          {"last_state", d.last_state},
          {"interrupted", d.interrupted},
          {"gantry", Span(d.gantry)},
          {"collimator", Span(d.collimator)},
          {"jaws", {{"x1", Span(d.x1)}, {"x2", Span(d.x2)}, {"y1", Span(d.y1)}, {"y2", Span(d.y2)}}},
          {"machine_id", d.machine_id},
          {"issues", d.issues},
          {"first_issue", d.first_issue},
          {"id", d.id},
          {"icom", IcomMatchJson(row.icom, zone)}};
}

int RunTrfQuery(const GlobalOptions& global, TrfQueryOptions o) {
  auto format = ParseFormat(o.format);
  if (!format.ok()) return ReportError(format.status());
  if (o.tolerance_s < 0 || o.tolerance_s > 86400) {
    return ReportError(Status::InvalidArgument("--match-tolerance must be 0 to 86400 seconds"));
  }
  o.match.tolerance = std::chrono::seconds(o.tolerance_s);
  auto store = OpenStore(global, /*read_only=*/true);
  if (!store.ok()) return ReportError(store.status());
  if (Status z = ResolveShownZone(store->get(), &o.zone); !z.ok()) return ReportError(z);
  auto range = ParseTimeRange(o.since, o.until, o.zone);
  if (!range.ok()) return ReportError(range.status());
  std::vector<TrfRow> deliveries;
  if (Status s = ReadTrfDeliveries(**store, o, *range, &deliveries); !s.ok()) return ReportError(s);

  if (*format == Format::kJson) {
    nlohmann::json items = nlohmann::json::array();
    for (const TrfRow& row : deliveries) items.push_back(TrfDeliveryJson(row, o.zone));
    PrintJson(model::ItemsDocument(std::move(items), o.zone), std::cout);
    return kExitOk;
  }
  Table table({"start", "linac", "field_label", "field_name", "mu", "header_mu", "icom_mu", "duration_s",
               "rows", "gantry", "collimator", "first_state", "last_state", "interrupted", "version",
               "issues", "file", "icom_delivery"},
              o.zone);
  size_t matched = 0;
  for (const TrfRow& row : deliveries) {
    const TrfDelivery& d = row.log;
    matched += row.icom.has_value();
    table.AddRow({d.start ? Cell::Instant(*d.start) : Cell::Text(""), Cell::Text(d.linac),
                  Cell::Text(d.field_label), Cell::Text(d.field_name), Cell::Text(ShortestNumber(d.mu)),
                  Cell::Text(ShortestNumber(d.header_mu)),
                  Cell::Text(row.icom ? ShortestNumber(row.icom->delivery.mu) : ""),
                  Cell::Text(ShortestNumber(d.duration_s)),
                  Cell::Number(static_cast<long long>(d.rows)),
                  Cell::Text(NumberRange(d.gantry.min, d.gantry.max)),
                  Cell::Text(NumberRange(d.collimator.min, d.collimator.max)), Cell::Text(d.first_state),
                  Cell::Text(d.last_state), Cell::Bool(d.interrupted),
                  Cell::Number(d.version), Cell::Number(static_cast<long long>(d.issues)),
                  Cell::Text(d.file), Cell::Text(row.icom ? row.icom->delivery.Id() : "")});
  }
  table.Render(*format, std::cout);
  if (*format == Format::kTable) {
    if (deliveries.empty()) {
      std::cerr << "No TRF deliveries match. (They appear once `qcflow run` with a [[source.trf]] or "
                   "`qcflow backfill trf` has read the linac's logs.)\n";
    } else {
      std::cerr << matched << " of " << deliveries.size()
                << " matched to an iCom delivery of the same linac and time (icom_mu, icom_delivery).\n";
      HintLimit(deliveries.size(), o.limit, "--since");
    }
  }
  return kExitOk;
}

}  // namespace

void RegisterQueryTrfCommand(CLI::App& query, const GlobalOptions& global, Action* action) {
  auto o = std::make_shared<TrfQueryOptions>();
  auto* cmd = query.add_subcommand(
      "trf",
      "TRF deliveries: one per Elekta TRF log, oldest first (start, field, delivered and header MU,\n"
      "gantry and collimator while MU rose, first and last linac state). Times shown in --tz.\n"
      "Each log is shown beside the iCom delivery the live stream recorded for the same beam\n"
      "(same linac, overlapping in time within --match-tolerance), so the log's MU and the\n"
      "stream's can be compared; JSON key \"icom\" (null when the store has none).");
  cmd->add_option("--linac", o->linac, "Only this linac (its [[source.trf]] linac; uses the index)");
  cmd->add_option("--since", o->since, "Logs starting at or after this time");
  cmd->add_option("--until", o->until, "Logs starting before this time");
  cmd->add_option("--field", o->field, "Only this field: its label (1-1), name (DIR E) or both (1-1/DIR E)");
  AddZoneOption(*cmd, &o->zone);
  AddLimitOption(*cmd, &o->limit, "deliveries");
  cmd->add_option("--format", o->format, "table (default), json or csv");
  cmd->add_option("--icom-linac", o->match.icom_linac,
                  "The linac's name in its [[source.icom]] when it differs from the TRF source's");
  cmd->add_option("--match-tolerance", o->tolerance_s,
                  "Seconds the TCS and capture clocks may differ by when pairing with iCom (default 120)");
  cmd->callback([action, &global, o] { *action = [&global, o] { return RunTrfQuery(global, *o); }; });
}

}  // namespace qcflow::cli
