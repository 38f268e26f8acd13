// `qcflow query records`: read the journal by kind, source and time.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <iostream>
#include <limits>

#include "cli/command.h"
#include "cli/model/json_model.h"
#include "cli/output.h"
#include "cli/query_postgres.h"
#include "cli/session_output.h"
#include "process/common/qc_session.h"
#include "process/common/session_select.h"
#include "store/derived.h"
#include "store/journal.h"
#include "store/text_util.h"

#include <nlohmann/json.hpp>

namespace qcflow::cli {
namespace {

struct RecordsOptions {
  std::string kind, source, since, until, format = "table", zone;  // zone: AddZoneOption
  size_t limit = 100;
  bool payload = false;
};

int RunRecords(const GlobalOptions& global, RecordsOptions o) {
  auto format = ParseFormat(o.format);
  if (!format.ok()) return ReportError(format.status());
  auto store = OpenStore(global, /*read_only=*/true);
  if (!store.ok()) return ReportError(store.status());
  if (Status z = ResolveShownZone(store->get(), &o.zone); !z.ok()) return ReportError(z);
  auto range = ParseTimeRange(o.since, o.until, o.zone);
  if (!range.ok()) return ReportError(range.status());
  // After the open: a kind a component registered (trf) is known once its store is.
  auto kind = ParseKind(o.kind);
  if (!kind) {
    return ReportError(Status::InvalidArgument("unknown kind '" + o.kind +
                                               "'; use icom, mpc, dqa3, files, event or trf"));
  }
  IndexQuery q;
  q.kind = *kind;
  if (!o.source.empty()) q.source_id = o.source;
  q.limit = o.limit;
  q.from = range->from;
  q.until = range->until;

  auto payload_text = [](const RecordView& r) {
    return IsPrintableUtf8(r.payload) ? std::string(r.payload) : "base64:" + Base64(r.payload);
  };
  if (*format == Format::kJson) {
    nlohmann::json items = nlohmann::json::array();
    Status s = (*store)->journal().Query(q, [&](uint64_t seq, const RecordView& r) {
      nlohmann::json j = model::RecordJson(seq, r, o.zone);
      if (o.payload) j["payload"] = payload_text(r);
      items.push_back(std::move(j));
      return true;
    });
    if (!s.ok()) return ReportError(s);
    PrintJson(model::ItemsDocument(std::move(items), o.zone), std::cout);
    return kExitOk;
  }
  std::vector<std::string> columns = {"seq",      "kind",  "source",    "event_time",  "source_time",
                                      "captured", "bytes", "dedup_key", "quarantined", "meta"};
  if (o.payload) columns.push_back("payload");
  Table table(columns, o.zone);
  Status s = (*store)->journal().Query(q, [&](uint64_t seq, const RecordView& r) {
    std::vector<Cell> row = {Cell::Number(seq),
                             Cell::Text(KindName(r.kind)),
                             Cell::Text(std::string(r.source_id)),
                             Cell::Instant(r.event_time),
                             Cell::Text(std::string(r.event_time_text)),
                             Cell::Instant(r.capture_time),
                             Cell::Number(r.payload.size()),
                             Cell::Text(std::string(r.dedup_key)),
                             Cell::Bool(r.quarantined()),
                             Cell::Text(std::string(r.meta))};
    if (o.payload) row.push_back(Cell::Text(payload_text(r)));
    table.AddRow(std::move(row));
    return true;
  });
  if (!s.ok()) return ReportError(s);
  table.Render(*format, std::cout);
  if (*format == Format::kTable) HintLimit(table.rows(), o.limit);
  return kExitOk;
}

int RunSessions(const GlobalOptions& global, SessionsOptions o) {
  if (!o.central.db.empty()) return RunCentralSessions(o);
  auto format = ParseFormat(o.format);
  if (!format.ok()) return ReportError(format.status());
  auto store = OpenStore(global, /*read_only=*/true);
  if (!store.ok()) return ReportError(store.status());
  if (Status z = ResolveShownZone(store->get(), &o.zone); !z.ok()) return ReportError(z);
  auto range = ParseTimeRange(o.since, o.until, o.zone);
  if (!range.ok()) return ReportError(range.status());

  SessionFilter filter;
  filter.source_id = o.source;
  filter.source_kind = o.source_kind;
  filter.machine = o.serial;
  filter.from = range->from;
  filter.until = range->until;
  filter.max = o.limit;
  auto selected = SelectSessions(WalkStoredSessions((*store)->derived()), filter);
  if (!selected.ok()) return ReportError(selected.status());
  const std::vector<QcSession>& sessions = selected->sessions;
  PrintSessions(sessions, {}, *format, o.zone, std::cout);
  if (*format == Format::kTable && selected->truncated) HintLimit(sessions.size(), o.limit, "--since/--until");
  return kExitOk;
}

}  // namespace

void RegisterQueryCommand(CLI::App& app, const GlobalOptions& global, Action* action) {
  auto* query = app.add_subcommand("query", "Read what the store holds: records, sessions, iCom deliveries and messages");
  query->require_subcommand(0, 1);  // bare: main prints its help
  auto o = std::make_shared<RecordsOptions>();
  auto* records = query->add_subcommand(
      "records",
      "List journal records of one kind, by event time, through the time index.\n"
      "Example: qcflow query records --kind mpc --since 2024-05-01 --format csv");
  records->add_option("--kind", o->kind, "icom, mpc, dqa3, files (file uploads and file mover transfers), event or trf (TRF logs)")->required();
  records->add_option("--source", o->source, "Only this source id (linac, TDS root, database)");
  records->add_option("--since", o->since, "From this time (inclusive): YYYY-MM-DD[ HH:MM[:SS]]");
  records->add_option("--until", o->until, "Up to this time (exclusive)");
  AddZoneOption(*records, &o->zone);
  AddLimitOption(*records, &o->limit, "records");
  records->add_option("--format", o->format, "table (default), json or csv");
  records->add_flag("--payload", o->payload, "Include the raw payload (base64 when binary)");
  records->callback([action, &global, o] {
    *action = [&global, o] { return RunRecords(global, *o); };
  });

  auto so = std::make_shared<SessionsOptions>();
  auto* sessions = query->add_subcommand(
      "sessions",
      "List the QA sessions built from every source (MPC runs, DQA3 rows, uploaded files...):\n"
      "what is, or will be, uploaded, in the order their work started.\n"
      "Example: qcflow query sessions --serial 1234 --since 2024-05-01 --format json");
  sessions->add_option("--serial", so->serial, "Only this machine: its serial, else its name (as the console's trends name it)");
  sessions->add_option("--source", so->source, "Only this source id (TDS root, DQA3 database, ...)");
  sessions->add_option("--source-kind", so->source_kind, "Only this kind: mpc, dqa3, files, ...");
  sessions->add_option("--since", so->since, "Sessions starting at or after this time");
  sessions->add_option("--until", so->until, "Sessions starting before this time");
  AddZoneOption(*sessions, &so->zone);
  AddLimitOption(*sessions, &so->limit, "sessions");
  sessions->add_option("--format", so->format, "table (default), json (full payloads) or csv");
  AddCentralDbOptions(*sessions, &so->central, /*for_backfill=*/false);
  sessions->callback([action, &global, so] {
    *action = [&global, so] { return RunSessions(global, *so); };
  });

  RegisterQueryIcomCommands(*query, global, action);
  RegisterQueryTrfCommand(*query, global, action);
}

}  // namespace qcflow::cli
