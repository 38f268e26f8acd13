// `qcflow status`: what the store holds, per kind and source, and per sink.
#include <CLI/CLI.hpp>

#include <nlohmann/json.hpp>

#include <iostream>

#include "cli/command.h"
#include "cli/output.h"
#include "store/journal.h"
#include "store/outbox.h"

namespace qcflow::cli {
namespace {

std::string When(MicrosUtc t) { return t == 0 ? "never" : FormatUtcIso(t); }

int RunStatus(const GlobalOptions& global, const std::string& format_name) {
  auto format = ParseFormat(format_name);
  if (!format.ok()) return ReportError(format.status());
  auto store = OpenStore(global, /*read_only=*/true);
  if (!store.ok()) return ReportError(store.status());
  auto stats = (*store)->Stats();
  if (!stats.ok()) return ReportError(stats.status());

  Table sources({"kind", "source", "records", "quarantined"});
  for (const SourceCount& c : stats->sources) {
    sources.AddRow({Cell::Text(KindName(c.kind)), Cell::Text(c.source_id),
                    Cell::Number(c.records), Cell::Number(c.quarantined)});
  }
  auto sinks = (*store)->outbox().Sinks();
  if (!sinks.ok()) return ReportError(sinks.status());
  Table sink_table({"sink", "pending", "in_backoff", "dead_letters", "delivered", "last_success",
                    "last_error"});
  const MicrosUtc now = NowMicros();
  for (const std::string& sink : *sinks) {
    auto c = (*store)->outbox().Counters(sink, now);
    if (!c.ok()) return ReportError(c.status());
    sink_table.AddRow({Cell::Text(sink), Cell::Number(c->pending),
                       Cell::Number(c->in_backoff),
                       Cell::Number(c->dead_letters),
                       Cell::Number(c->delivered), Cell::Text(When(c->last_success)),
                       Cell::Text(c->last_error)});
  }

  if (*format == Format::kTable) {
    std::cout << "store    " << (*store)->dir() << "\n"
              << "records  " << stats->last_seq << "\n"
              << "on disk  " << HumanBytes(stats->bytes_on_disk) << "\n\n";
    if (sources.rows() == 0) {
      std::cout << "No records yet.\n";
    } else {
      sources.Render(Format::kTable, std::cout);
    }
    if (sink_table.rows() > 0) {
      std::cout << "\n";
      sink_table.Render(Format::kTable, std::cout);
    }
    return kExitOk;
  }
  if (*format == Format::kCsv) {
    sources.Render(Format::kCsv, std::cout);
    return kExitOk;
  }
  nlohmann::json doc = {{"store", (*store)->dir()},
                        {"records", stats->last_seq},
                        {"bytes_on_disk", stats->bytes_on_disk},
                        {"sources", sources.ToJson()},
                        {"sinks", sink_table.ToJson()}};
  std::cout << doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  return kExitOk;
}

}  // namespace

void RegisterStatusCommand(CLI::App& app, const GlobalOptions& global, Action* action) {
  auto* cmd = app.add_subcommand(
      "status",
      "Show what the store holds: records and quarantined files per source, and per sink\n"
      "the pending uploads, retries, dead letters and last success. Safe to run while\n"
      "`qcflow run` is running (opens the store read-only).");
  auto format = std::make_shared<std::string>("table");
  cmd->add_option("--format", *format, "table (default), json or csv");
  cmd->callback([action, &global, format] {
    *action = [&global, format] { return RunStatus(global, *format); };
  });
}

}  // namespace qcflow::cli
