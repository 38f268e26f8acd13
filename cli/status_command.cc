// `qcflow status`: what the store holds, per kind and source, and per sink; and
// what `qcflow run` last recorded about its workers (process/component/
// worker_state.h). Each kind adds its own tables and notes through its status
// hook (component.h); sources without one are in the common table.
#include <CLI/CLI.hpp>

#include <nlohmann/json.hpp>
#include <signal.h>

#include <algorithm>
#include <cerrno>
#include <iostream>
#include <map>

#include "cli/command.h"
#include "cli/model/json_values.h"
#include "cli/output.h"
#include "process/component/component.h"
#include "process/component/worker_state.h"
#include "store/journal.h"
#include "store/outbox.h"
#include "store/time_util.h"

namespace qcflow::cli {
namespace {

using component::ProcessState;
using component::SinkState;
using component::SourceState;

Cell When(MicrosUtc t) { return t == 0 ? Cell::Missing("never") : Cell::Instant(t); }
std::string WhenText(MicrosUtc t, const std::string& zone) { return t == 0 ? "never" : FormatRfc3339(t, zone); }
using model::InstantOrNull;

// A sink's state from its outbox counters: the last sink error (401, 5xx, ...) with
// its time, and "ok" again once a delivery succeeded after it (the error is history).
struct SinkHealth {
  std::string state;       // "ok" | "error"
  std::string last_error;  // "<time>: <error>" (+ "; delivering again since <time>")
};

SinkHealth Health(const SinkCounters& c, const std::string& zone) {
  if (c.last_error.empty()) return {"ok", ""};
  const std::string error = WhenText(c.last_error_at, zone) + ": " + c.last_error;
  if (c.last_success > c.last_error_at) {
    return {"ok", error + "; delivering again since " + WhenText(c.last_success, zone)};
  }
  return {"error", error};
}

// One line about the daemon: running (pid alive), stopped, or never ran.
struct DaemonLine {
  std::string state;  // "running" | "stopped" | "ended without a clean stop" | "never ran"
  std::string text;
  nlohmann::json json;
};

DaemonLine DescribeDaemon(Store& store, const std::string& zone) {
  auto p = component::LoadProcessState(store);
  if (!p.ok()) {
    if (!p.status().IsNotFound()) return {"unknown", "unknown (" + p.status().message() + ")", nullptr};
    return {"never ran", "qcflow run has not run on this store", {{"state", "never ran"}}};
  }
  DaemonLine d;
  const std::string started = RezoneUtcText(p->started_at, zone), stopped = RezoneUtcText(p->stopped_at, zone);
  // kill(pid, 0) probes without sending: EPERM still means "alive".
  const bool alive = p->pid > 0 && (kill(pid_t(p->pid), 0) == 0 || errno == EPERM);
  if (p->stopped_at.empty() && alive) {
    d.state = "running";
    d.text = "running since " + started + " (pid " + std::to_string(p->pid) + ")";
  } else if (!p->stopped_at.empty()) {
    d.state = "stopped";
    d.text = "not running; stopped cleanly at " + stopped;
  } else {
    d.state = "ended without a clean stop";
    d.text = "not running; the run started at " + started + " ended without a clean stop";
  }
  d.json = {{"state", d.state},
            {"pid", p->pid},
            {"started_at", InstantOrNull(p->started_at, zone)},
            {"stopped_at", InstantOrNull(p->stopped_at, zone)},
            {"version", p->version}};
  return d;
}

Table ToTable(const component::StatusTable& t, const std::string& zone) {
  Table out(t.columns, zone);
  for (const auto& row : t.rows) {
    std::vector<Cell> cells;
    for (const component::StatusCell& c : row) {
      cells.push_back(c.number    ? Cell::Number((long long)*c.number)
                      : c.instant ? Cell::StoredInstant(c.text, "never")
                                  : Cell::Text(c.text));
    }
    out.AddRow(std::move(cells));
  }
  return out;
}

// The persisted record (kind-specific fields included) plus its name.
// Its times are stored as UTC texts; shown in `zone` like every instant,
// whichever field holds them.
nlohmann::json SourceJson(const SourceState& s, const std::string& zone) {
  nlohmann::json j = nlohmann::json::parse(component::EncodeSourceState(s));
  j["source"] = s.name;
  for (const char* key : {"last_run", "last_ok", "next_run", "first_start"}) {
    if (j.contains(key) && j[key] == "") j[key] = nullptr;  // a time that never came
  }
  for (auto& [key, value] : j.items()) value = model::ZonedIfInstant(std::move(value), zone);  // a kind's too
  return j;
}

nlohmann::json SinkJson(const SinkState& s, const std::string& zone) {
  return {{"sink", s.name},
          {"kind", s.kind},
          {"state", s.state},
          {"paused", s.paused},
          {"last_run", InstantOrNull(s.last_run, zone)},
          {"last_ok", InstantOrNull(s.last_ok, zone)},
          {"next_run", InstantOrNull(s.next_run, zone)},
          {"last_error", s.last_error},
          {"delivered_last_run", s.delivered_last_run},
          {"dead_lettered_last_run", s.dead_lettered_last_run}};
}

// One part of what status shows: a table with a name (`--section`, the CSV's
// "# <name>" line) and the sentence above it in the table format.
struct Section {
  std::string name, title;
  Table table;
};

// "source.file_mover" -> "file_mover": a kind's section name.
std::string KindSectionName(const component::ComponentKind& kind) {
  return kind.section.substr(kind.section.find('.') + 1);
}

// The table format: the store's lines, then every non-empty table under its title.
void RenderPeople(const std::vector<Section>& sections, std::ostream& out) {
  for (const Section& s : sections) {
    if (s.name == "store") continue;  // printed by the caller, as lines
    if (s.name == "notes") {
      if (s.table.rows() > 0) out << "\n";
      for (const std::vector<Cell>& row : s.table.cells()) out << row[0].text << "\n";
      continue;
    }
    if (s.name == "sources") {  // right after the store's lines, also when empty
      if (s.table.rows() == 0) out << "No records yet.\n";
      else s.table.Render(Format::kTable, out);
      continue;
    }
    if (s.table.rows() == 0) continue;
    out << "\n" << (s.title.empty() ? "" : s.title + "\n");
    s.table.Render(Format::kTable, out);
  }
}

int RunStatus(const GlobalOptions& global, const std::string& format_name, const std::string& only,
              std::string zone) {
  auto format = ParseFormat(format_name);
  if (!format.ok()) return ReportError(format.status());
  auto store = OpenStore(global, /*read_only=*/true);
  if (!store.ok()) return ReportError(store.status());
  if (Status z = ResolveShownZone(store->get(), &zone); !z.ok()) return ReportError(z);
  auto stats = (*store)->Stats();
  if (!stats.ok()) return ReportError(stats.status());
  auto source_states = component::LoadSourceStates(**store);
  if (!source_states.ok()) return ReportError(source_states.status());
  // Each kind's hook may add states (a linac only imported) and shows its own.
  component::StatusReport report;
  std::vector<std::string> kind_table_names;  // report.tables[i] is named kind_table_names[i]
  for (const component::ComponentKind* kind : component::BuiltInComponents().kinds()) {
    if (!kind->status) continue;
    if (Status st = kind->status(**store, &*source_states, &report); !st.ok()) return ReportError(st);
    for (size_t i = kind_table_names.size(), n = 1; i < report.tables.size(); ++i, ++n) {
      kind_table_names.push_back(KindSectionName(*kind) + (n > 1 ? "_" + std::to_string(n) : ""));
    }
  }
  auto sink_states = component::LoadSinkStates(**store);
  if (!sink_states.ok()) return ReportError(sink_states.status());
  const DaemonLine daemon = DescribeDaemon(**store, zone);

  Table summary({"store", "records", "bytes_on_disk", "daemon_state", "daemon"}, zone);
  summary.AddRow({Cell::Text((*store)->dir()), Cell::Number((long long)stats->last_seq),
                  Cell::Number((long long)stats->bytes_on_disk), Cell::Text(daemon.state),
                  Cell::Text(daemon.text)});
  Table sources({"kind", "source", "records", "quarantined"}, zone);
  for (const SourceCount& c : stats->sources) {
    sources.AddRow({Cell::Text(KindName(c.kind)), Cell::Text(c.source_id),
                    Cell::Number(c.records), Cell::Number(c.quarantined)});
  }
  auto sinks = (*store)->outbox().Sinks();
  if (!sinks.ok()) return ReportError(sinks.status());
  std::map<std::string, const SinkState*> worker;
  for (const SinkState& s : *sink_states) worker[s.name] = &s;
  for (const SinkState& s : *sink_states) {  // a configured sink with nothing queued yet
    if (std::find(sinks->begin(), sinks->end(), s.name) == sinks->end()) sinks->push_back(s.name);
  }
  Table sink_table({"sink", "state", "pending", "oldest_pending", "in_backoff", "dead_letters", "delivered",
                    "last_success", "last_error"},
                   zone);
  // What the daemon's sink workers last recorded, next to the outbox counters.
  Table sink_workers({"sink", "state", "paused", "last_run", "next_run", "last_error"}, zone);
  const MicrosUtc now = NowMicros();
  for (const std::string& sink : *sinks) {
    auto c = (*store)->outbox().Counters(sink, now);
    if (!c.ok()) return ReportError(c.status());
    const SinkHealth health = Health(*c, zone);
    sink_table.AddRow({Cell::Text(sink), Cell::Text(health.state), Cell::Number(c->pending),
                       c->oldest_pending == 0 ? Cell::Missing("-") : Cell::Instant(c->oldest_pending),
                       Cell::Number(c->in_backoff),
                       Cell::Number(c->dead_letters),
                       Cell::Number(c->delivered), When(c->last_success),
                       Cell::Text(health.last_error)});
    auto w = worker.find(sink);
    if (w == worker.end()) continue;
    const SinkState& s = *w->second;
    sink_workers.AddRow({Cell::Text(sink), Cell::Text(s.state), Cell::Bool(s.paused),
                         Cell::StoredInstant(s.last_run, "never"), Cell::StoredInstant(s.next_run, "-"),
                         Cell::Text(s.last_error)});
  }
  // Dead letters need a person: show each with the server's reason.
  Table dead({"sink", "item", "attempts", "since", "reason"}, zone);
  for (const std::string& sink : *sinks) {
    auto items = (*store)->outbox().List(sink, SIZE_MAX, /*include_dead=*/true);
    if (!items.ok()) return ReportError(items.status());
    for (const OutboxItem& item : *items) {
      if (item.state != OutboxState::kDeadLetter) continue;
      dead.AddRow({Cell::Text(sink), Cell::Text(item.item_id), Cell::Number(item.attempts),
                   When(item.updated_at), Cell::Text(item.last_error)});
    }
  }
  Table daemon_sources({"source", "state", "last_run", "last_ok", "records_last_run", "next_run",
                        "last_error"},
                       zone);
  for (const SourceState& s : *source_states) {
    if (report.shown.count(s.name)) continue;
    daemon_sources.AddRow({Cell::Text(s.name), Cell::Text(s.state),
                           Cell::StoredInstant(s.last_run, "never"), Cell::StoredInstant(s.last_ok, "never"),
                           Cell::Number(s.records_last_run), Cell::StoredInstant(s.next_run, "-"),
                           Cell::Text(s.last_error)});
  }
  Table notes({"note"}, zone);
  for (const std::string& note : report.notes) notes.AddRow({Cell::Text(note)});

  // In the order the table format prints them.
  std::vector<Section> sections;
  sections.push_back({"store", "", summary});
  sections.push_back({"sources", "", sources});
  sections.push_back({"daemon_sources", "Sources, as `qcflow run` last saw them:", daemon_sources});
  for (size_t i = 0; i < report.tables.size(); ++i) {
    sections.push_back({kind_table_names[i], report.tables[i].title, ToTable(report.tables[i], zone)});
  }
  sections.push_back({"sinks", "", sink_table});
  sections.push_back({"daemon_sinks", "Sinks, as `qcflow run` last saw them:", sink_workers});
  sections.push_back(
      {"dead_letters", "Dead letters (fix the cause, then `qcflow replay --dead-letters`):", dead});
  sections.push_back({"notes", "", notes});

  if (!only.empty()) {  // one section: its table alone, in the asked format
    std::string names;
    for (const Section& s : sections) {
      if (s.name == only) {
        s.table.Render(*format, std::cout);
        return kExitOk;
      }
      names += (names.empty() ? "" : ", ") + s.name;
    }
    return ReportError(Status::InvalidArgument("--section '" + only + "': this store's status has " + names));
  }
  if (*format == Format::kTable) {
    std::cout << "store    " << (*store)->dir() << "\n"
              << "records  " << stats->last_seq << "\n"
              << "on disk  " << HumanBytes(stats->bytes_on_disk) << "\n"
              << "daemon   " << daemon.text << "\n\n";
    RenderPeople(sections, std::cout);
    return kExitOk;
  }
  if (*format == Format::kCsv) {  // every section, each after a "# <name>" line
    for (const Section& s : sections) {
      std::cout << "# " << s.name << "\n";
      s.table.Render(Format::kCsv, std::cout);
    }
    return kExitOk;
  }
  nlohmann::json daemon_sources_json = nlohmann::json::array();
  for (const SourceState& s : *source_states) daemon_sources_json.push_back(SourceJson(s, zone));
  nlohmann::json daemon_sinks_json = nlohmann::json::array();
  for (const SinkState& s : *sink_states) daemon_sinks_json.push_back(SinkJson(s, zone));
  nlohmann::json doc = {{"v", model::kVersion},
                        {"zone", zone},
                        {"store", (*store)->dir()},
                        {"records", stats->last_seq},
                        {"bytes_on_disk", stats->bytes_on_disk},
                        {"sources", sources.ToJson()},
                        {"sinks", sink_table.ToJson()},
                        {"daemon", daemon.json},
                        {"daemon_sources", daemon_sources_json},
                        {"daemon_sinks", daemon_sinks_json},
                        {"dead_letters", dead.ToJson()}};
  for (const auto& [field, value] : report.json_fields) doc[field] = value;
  PrintJson(doc, std::cout);
  return kExitOk;
}

}  // namespace

void RegisterStatusCommand(CLI::App& app, const GlobalOptions& global, Action* action) {
  auto* cmd = app.add_subcommand(
      "status",
      "Show what the store holds: records and quarantined files per source, and per sink\n"
      "the pending uploads, retries, dead letters and last success; plus what `qcflow run`\n"
      "last recorded about each source (last pass, errors, next scan) and sink (paused?).\n"
      "Safe to run while `qcflow run` is running (opens the store read-only).");
  auto format = std::make_shared<std::string>("table");
  cmd->add_option("--format", *format,
                  "table (default), json or csv (every section as a CSV table after a line "
                  "\"# <section>\")");
  auto section = std::make_shared<std::string>();
  cmd->add_option("--section", *section,
                  "Only this section, as one table in --format: store, sources, daemon_sources, "
                  "one per source kind the store has (mpc, dqa3, icom, files, file_mover, trf), "
                  "sinks, daemon_sinks, dead_letters, notes")
      ->type_name("NAME");
  auto zone = std::make_shared<std::string>();
  AddZoneOption(*cmd, zone.get(), "");
  cmd->callback([action, &global, format, section, zone] {
    *action = [&global, format, section, zone] { return RunStatus(global, *format, *section, *zone); };
  });
}

}  // namespace qcflow::cli
