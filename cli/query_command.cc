// `qcflow query records`: read the journal by kind, source and time.
#include <CLI/CLI.hpp>

#include <iostream>

#include "cli/command.h"
#include "cli/output.h"
#include "store/journal.h"

namespace qcflow::cli {
namespace {

struct RecordsOptions {
  std::string kind, source, since, until, format = "table", zone = "UTC";
  size_t limit = 100;
  bool payload = false;
};

int RunRecords(const GlobalOptions& global, const RecordsOptions& o) {
  auto format = ParseFormat(o.format);
  if (!format.ok()) return ReportError(format.status());
  auto kind = ParseKind(o.kind);
  if (!kind) {
    return ReportError(Status::InvalidArgument("unknown kind '" + o.kind +
                                               "'; use icom, mpc, dqa3, file or event"));
  }
  IndexQuery q;
  q.kind = *kind;
  if (!o.source.empty()) q.source_id = o.source;
  q.limit = o.limit;
  if (Status z = CheckZone(o.zone); !z.ok()) return ReportError(z);
  if (!o.since.empty()) {
    auto t = ParseTimeArg(o.since, o.zone);
    if (!t.ok()) return ReportError(t.status().WithContext("--since"));
    q.from = *t;
  }
  if (!o.until.empty()) {
    auto t = ParseTimeArg(o.until, o.zone);
    if (!t.ok()) return ReportError(t.status().WithContext("--until"));
    q.until = *t;
  }
  auto store = OpenStore(global, /*read_only=*/true);
  if (!store.ok()) return ReportError(store.status());

  std::vector<std::string> columns = {"seq",      "kind",  "source",    "event_time", "source_time",
                                      "captured", "bytes", "dedup_key", "quarantined", "meta"};
  if (o.payload) columns.push_back("payload");
  Table table(columns);
  Status s = (*store)->journal().Query(q, [&](uint64_t seq, const RecordView& r) {
    auto local = FormatInZone(r.event_time, o.zone, "%Y-%m-%d %H:%M:%S");
    std::vector<Cell> row = {Cell::Number(seq),
                             Cell::Text(KindName(r.kind)),
                             Cell::Text(std::string(r.source_id)),
                             Cell::Text(local.ok() ? *local : FormatUtcIso(r.event_time)),
                             Cell::Text(std::string(r.event_time_text)),
                             Cell::Text(FormatUtcIso(r.capture_time)),
                             Cell::Number(r.payload.size()),
                             Cell::Text(std::string(r.dedup_key)),
                             Cell::Text(r.quarantined() ? "yes" : "no"),
                             Cell::Text(std::string(r.meta))};
    if (o.payload) {
      row.push_back(Cell::Text(IsPrintableUtf8(r.payload) ? std::string(r.payload)
                                                           : "base64:" + Base64(r.payload)));
    }
    table.AddRow(std::move(row));
    return true;
  });
  if (!s.ok()) return ReportError(s);
  table.Render(*format, std::cout);
  if (*format == Format::kTable && table.rows() == o.limit) {
    std::cerr << "(showing the first " << o.limit << "; use --limit to see more)\n";
  }
  return kExitOk;
}

}  // namespace

void RegisterQueryCommand(CLI::App& app, const GlobalOptions& global, Action* action) {
  auto* query = app.add_subcommand("query", "Read what the store holds (records, sessions, ...)");
  query->require_subcommand(1);
  auto o = std::make_shared<RecordsOptions>();
  auto* records = query->add_subcommand(
      "records",
      "List journal records of one kind, by event time, through the time index.\n"
      "Example: qcflow query records --kind mpc --since 2024-05-01 --format csv");
  records->add_option("--kind", o->kind, "icom, mpc, dqa3, file or event")->required();
  records->add_option("--source", o->source, "Only this source id (linac, TDS root, database)");
  records->add_option("--since", o->since, "From this time (inclusive): YYYY-MM-DD[ HH:MM[:SS]]");
  records->add_option("--until", o->until, "Up to this time (exclusive)");
  records->add_option("--tz", o->zone, "Zone for --since/--until and shown times (default UTC)");
  records->add_option("--limit", o->limit, "At most this many records (default 100)");
  records->add_option("--format", o->format, "table (default), json or csv");
  records->add_flag("--payload", o->payload, "Include the raw payload (base64 when binary)");
  records->callback([action, &global, o] {
    *action = [&global, o] { return RunRecords(global, *o); };
  });
}

}  // namespace qcflow::cli
