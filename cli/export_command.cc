// `qcflow export quaac|quip`: the store's history written as open-format
// documents, one per machine and period, exactly as the archive sinks write
// them (export/archive/). Repeatable: a session a document already holds is
// not written again, so a second run adds nothing. `qcflow export check`
// validates documents with the checking readers.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <iostream>
#include <map>

#include "cli/command.h"
#include "cli/progress.h"
#include "export/archive/document_update.h"
#include "export/quaac/quaac_archive.h"
#include "export/quaac/quaac_reader.h"
#include "export/quaac/quaac_yaml.h"
#include "export/quip/quip_archive.h"
#include "export/quip/quip_reader.h"
#include "process/common/session_index.h"
#include "process/icom/icom_transform.h"
#include "process/trf/trf_session.h"
#include "store/derived.h"
#include "store/durable_file.h"

namespace qcflow::cli {
namespace {

struct ExportOptions {
  std::string format_name;  // "quaac" | "quip"
  std::string out, since, until, zone = "UTC", kind, machine, period = "day", format = "json";
  std::string user_name = "qcflow", user_email;
  bool attach_source = false;
};

struct Tally {
  size_t sessions = 0, written = 0, held = 0, documents = 0;
  uint64_t bytes = 0;
  std::vector<std::string> skipped;  // with reasons
};

bool MachineMatches(const MachineIdentity& m, const std::string& wanted) {
  return wanted.empty() || m.serial == wanted || m.name == wanted || m.id == wanted;
}

Result<archive::ArchiveFormat> FormatOf(const ExportOptions& o) {
  if (o.format != "json" && o.format != "yaml") {
    return Status::InvalidArgument("--format " + o.format + ": choose json or yaml");
  }
  if (o.format_name == "quip") {
    if (o.format == "yaml") {
      return Status::InvalidArgument("--format yaml: QUIP documents are JSON (its repository defines no YAML); "
                                     "YAML is for QuAAC (qcflow export quaac --format yaml)");
    }
    return quip::QuipArchiveFormat();
  }
  if (o.user_email.empty()) {
    return Status::InvalidArgument(
        "--user-email is required for QuAAC: its performer needs an address, e.g. --user-email qa@clinic.org");
  }
  QCFLOW_RETURN_IF_ERROR(quaac::ValidateEmail(o.user_email).WithContext("--user-email"));
  return quaac::QuaacArchiveFormat({.site_user = {o.user_name, o.user_email}, .attach_source = o.attach_source},
                                   o.format == "yaml" ? quaac::Encoding::kYaml : quaac::Encoding::kJson);
}

int RunExport(const GlobalOptions& global, const ExportOptions& o) {
  auto format = FormatOf(o);
  if (!format.ok()) return ReportError(format.status());
  auto period = archive::ParsePeriod(o.period);
  if (!period.ok()) return ReportError(period.status().WithContext("--period"));
  if (Status z = CheckZone(o.zone).WithContext("--tz"); !z.ok()) return ReportError(z);
  auto range = ParseTimeRange(o.since, o.until, o.zone);
  if (!range.ok()) return ReportError(range.status());
  auto store = OpenStore(global, /*read_only=*/true);
  if (!store.ok()) return ReportError(store.status());

  // Group the matching sessions by document; each document is read and written once.
  Tally t;
  std::map<std::string, std::vector<QcSession>> by_document;
  auto add = [&](const QcSession& q) {
    if (q.work_started < range->from || q.work_started >= range->until ||
        (!o.kind.empty() && q.source_kind != o.kind) || !MachineMatches(q.machine, o.machine)) {
      return true;
    }
    ++t.sessions;
    auto path = archive::DocumentPath(o.out, q, *period, format->extension);
    if (!path.ok()) {
      t.skipped.push_back(q.user_key + ": " + path.status().message());
    } else {
      by_document[*path].push_back(q);
    }
    return true;
  };
  // iCom and TRF deliveries come from the deliveries themselves (a routed
  // source's sessions among them), so every one is exported, routed or not.
  Status scan = ForEachSession((*store)->derived(), range->from, [&](const StoredSession& s) {
    return s.session.source_kind == "icom" || s.session.source_kind == "trf" || add(s.session);
  });
  if (scan.ok() && (o.kind.empty() || o.kind == "icom")) {
    scan = icom::ForEachDeliverySession((*store)->derived(), o.zone, add);
  }
  if (scan.ok() && (o.kind.empty() || o.kind == "trf")) {
    scan = trf::ForEachTrfDeliverySession((*store)->derived(), add);
  }
  if (!scan.ok()) return ReportError(scan);

  const archive::SourceReader sources = archive::JournalSources((*store)->journal());
  Progress progress("export " + format->name);
  Status failed;
  size_t done = 0;
  for (auto& [path, sessions] : by_document) {
    std::sort(sessions.begin(), sessions.end(),
              [](const QcSession& a, const QcSession& b) { return a.work_started < b.work_started; });
    std::vector<archive::SessionToWrite> writes;
    for (const QcSession& q : sessions) writes.push_back({&q, /*check_held=*/true});
    auto update = archive::UpdateDocument(*format, path, writes, sources);
    if (!update.ok()) {
      failed = update.status();
      break;
    }
    bool wrote = false;
    for (size_t i = 0; i < sessions.size(); ++i) {
      switch (update->outcomes[i]) {
        case archive::WriteOutcome::kWritten: ++t.written, wrote = true; break;
        case archive::WriteOutcome::kHeld: ++t.held; break;
        case archive::WriteOutcome::kRefused:
          t.skipped.push_back(sessions[i].user_key + ": " + update->refusals[i]);
          break;
      }
    }
    if (wrote) {
      ++t.documents;
      t.bytes += update->bytes;
    }
    ++done;
    progress.Update(std::to_string(done) + "/" + std::to_string(by_document.size()) + " documents, " +
                    std::to_string(t.written) + " sessions written");
  }
  progress.Done(std::to_string(t.written) + " sessions written in " + std::to_string(t.documents) +
                " documents (" + PerSecond(t.written, progress.seconds()) + ")");
  std::cout << "Exported " << t.written << " of " << t.sessions << " session(s) as " << format->name
            << " into " << t.documents << " document(s) under " << o.out << " (" << t.bytes
            << " bytes written); " << t.held << " already there; " << t.skipped.size() << " skipped.\n";
  PrintProblems(t.skipped);
  if (!failed.ok()) {
    std::cerr << "qcflow: " << failed.message() << "\n"
              << "qcflow: the documents written so far are whole; run the export again to go on.\n";
    return kExitFailed;
  }
  if (t.sessions == 0) std::cerr << "No sessions match.\n";
  return t.skipped.empty() ? kExitOk : kExitPartial;
}

// Each file checked by its extension's reader; one line per file.
int RunCheck(const std::vector<std::string>& files) {
  size_t bad = 0;
  for (const std::string& f : files) {
    auto text = ReadFileIfExists(f);
    std::vector<std::string> problems;
    if (!text.ok() || !text->has_value()) {
      problems.push_back(text.ok() ? "no such file" : text.status().message());
    } else if (f.ends_with(quip::kQuipExtension)) {
      auto doc = quip::ReadQuipJson(**text);
      if (!doc.ok()) problems.push_back(doc.status().message());
    } else if (f.ends_with(quaac::kQuaacExtension)) {
      problems = quaac::CheckQuaacJson(**text);
    } else if (f.ends_with(quaac::kQuaacYamlExtension)) {
      auto json = quaac::QuaacYamlToJson(**text);
      problems = json.ok() ? quaac::CheckQuaacJson(*json) : std::vector<std::string>{json.status().message()};
    } else {
      problems.push_back(std::string("not a ") + quaac::kQuaacExtension + ", " + quaac::kQuaacYamlExtension + " or " +
                         quip::kQuipExtension + " file");
    }
    bad += !problems.empty();
    std::cout << (problems.empty() ? "ok    " : "FAIL  ") << f << "\n";
    for (const std::string& p : problems) std::cout << "        " << p << "\n";
  }
  return bad == 0 ? kExitOk : kExitFailed;
}

void AddExportOptions(CLI::App* cmd, const std::shared_ptr<ExportOptions>& o, bool quaac) {
  cmd->add_option("--out", o->out, "The archive folder: <out>/<machine>/<date>" +
                                       std::string(quaac ? quaac::kQuaacExtension : quip::kQuipExtension))
      ->required();
  cmd->add_option("--since", o->since, "Sessions starting at or after this time: YYYY-MM-DD[ HH:MM[:SS]]");
  cmd->add_option("--until", o->until, "Sessions starting before this time");
  cmd->add_option("--tz", o->zone, "Zone for --since/--until, and the clock of iCom deliveries whose linac is not routed to a sink (default UTC)");
  cmd->add_option("--kind", o->kind, "Only sessions of this source kind: mpc, dqa3, files, icom (closed deliveries), trf (delivery logs)");
  cmd->add_option("--machine", o->machine, "Only this machine (serial, name or source id)");
  cmd->add_option("--period", o->period, "day (default) or month: what one document holds");
  cmd->add_option("--format", o->format,
                  quaac ? "json (default) or yaml (<date>.quaac.yaml: the same objects and hashes)" : "json (QUIP is JSON only)");
  if (quaac) {
    cmd->add_option("--user-email", o->user_email, "The performer's e-mail (required: QuAAC needs one)");
    cmd->add_option("--user-name", o->user_name, "The performer when a session names none (default qcflow)");
    cmd->add_flag("--attach-source", o->attach_source,
                  "Attach each session's source records (MPC Results.csv files, the DQA3 row, the TRF log)\n"
                  "gzipped to its datapoints; sessions a document already holds are not rewritten");
  }
}

}  // namespace

void RegisterExportCommand(CLI::App& app, const GlobalOptions& global, Action* action) {
  auto* exp = app.add_subcommand(
      "export",
      "Write the store's QA history as open-format documents (QuAAC, QUIP), one per machine and day,\n"
      "as [[sink.quaac]] / [[sink.quip]] do. Safe to repeat: sessions already in a document are not\n"
      "written again. Safe next to a running daemon (the store is opened read-only).");
  exp->require_subcommand(0, 1);  // bare: main prints its help
  for (const char* name : {"quaac", "quip"}) {
    const bool quaac = std::string(name) == "quaac";
    auto o = std::make_shared<ExportOptions>();
    o->format_name = name;
    auto* cmd = exp->add_subcommand(
        name, quaac ? "QuAAC 1.0 documents (every object hashed as the reference reader checks).\n"
                      "Example: qcflow export quaac --out /srv/qa-archive --user-email qa@clinic.org --since 2024-01-01"
                    : "QUIP documents (machines by serial, one test per session).\n"
                      "Example: qcflow export quip --out /srv/quip --kind dqa3 --period month");
    AddExportOptions(cmd, o, quaac);
    cmd->callback([action, &global, o] { *action = [&global, o] { return RunExport(global, *o); }; });
  }
  auto files = std::make_shared<std::vector<std::string>>();
  auto* check = exp->add_subcommand(
      "check", "Validate QuAAC (*.quaac.json / *.quaac.yaml: keys, references, hashes) and QUIP (*.quip.json)\n"
               "documents.\n"
               "Example: qcflow export check /srv/qa-archive/H191157/2024-05-01.quaac.json");
  check->add_option("files", *files, "Documents to check")->required();
  check->callback([action, files] { *action = [files] { return RunCheck(*files); }; });
}

}  // namespace qcflow::cli
