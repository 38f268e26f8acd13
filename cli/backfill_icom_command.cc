// `qcflow backfill icom`: import PyMedPhys iCom archives (patients/**/*.xz,
// live/<ip>/*.txt) into the store as the linac's records, then bring the
// deliveries up to date. Idempotent: a message already journaled (imported
// before, or captured live by `qcflow run`) is counted as a duplicate.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>

#include "cli/command.h"
#include "cli/runtime/config.h"
#include "cli/progress.h"
#include "ingest/icom/archive_reader.h"
#include "process/common/step_loop.h"
#include "ingest/icom/icom_component.h"
#include "process/icom/icom_transform.h"

namespace qcflow::cli {
namespace {

struct IcomBackfillOptions {
  std::string from, linac, zone, config_file;
};

// The linac's name and zone, and the store: from flags, or from the
// [[source.icom]] of qcflow.toml (then records match what `qcflow run` captures).
struct IcomPlan {
  std::string linac, zone;
  GlobalOptions store;
};

Result<IcomPlan> Plan(const GlobalOptions& global, const IcomBackfillOptions& o) {
  IcomPlan plan{o.linac, o.zone.empty() ? "UTC" : o.zone, global};
  if (!o.config_file.empty()) {
    auto cfg = config::LoadConfig(o.config_file);
    if (!cfg.ok()) return cfg.status();
    std::string names;
    const icom::IcomSourceSettings* found = nullptr;
    const std::vector<const icom::IcomComponent*> linacs = cfg->Of<icom::IcomComponent>();
    for (const icom::IcomComponent* c : linacs) {
      const icom::IcomSourceSettings& s = c->settings();
      names += (names.empty() ? "" : ", ") + s.name;
      if (o.linac.empty() ? linacs.size() == 1 : s.name == o.linac) found = &s;
    }
    if (!found) {
      return Status::InvalidArgument(
          o.linac.empty() ? o.config_file + " has " + std::to_string(linacs.size()) +
                                " [[source.icom]] sections; choose one with --linac" +
                                (names.empty() ? "" : " (" + names + ")")
                          : o.config_file + " has no [[source.icom]] named '" + o.linac + "'" +
                                (names.empty() ? "" : " (it has: " + names + ")"));
    }
    plan.linac = found->name;
    if (o.zone.empty()) plan.zone = found->capture.zone;
    if (plan.store.store_dir.empty()) plan.store.store_dir = cfg->store.path;
  }
  if (plan.linac.empty()) {
    return Status::InvalidArgument(
        "--linac NAME is required (the linac's [[source.icom]] name, so imported and captured "
        "messages are one history), unless --config has exactly one [[source.icom]]");
  }
  QCFLOW_RETURN_IF_ERROR(CheckZone(plan.zone).WithContext("--zone"));
  return plan;
}

int RunIcomBackfill(const GlobalOptions& global, const IcomBackfillOptions& o) {
  auto plan = Plan(global, o);
  if (!plan.ok()) return ReportError(plan.status());
  auto files = icom::FindIcomArchives(o.from);
  if (!files.ok()) {
    return ReportError(Status::NotFound("--from " + o.from +
                                        ": not a directory; pass the directory pymedphys icom "
                                        "listen wrote (it holds patients/ and live/)"));
  }
  if (files->empty()) {
    return ReportError(Status::NotFound("no iCom archives under " + o.from +
                                        ": expected patients/<patient>/*.xz and/or "
                                        "live/<ip>/*.txt as written by pymedphys icom listen"));
  }
  if (o.zone.empty() && o.config_file.empty()) {
    std::cerr << "note: reading the linac's clock as UTC; pass --zone (or --config) if it is not\n";
  }
  auto store = OpenStore(plan->store, /*read_only=*/false);
  if (!store.ok()) return ReportError(store.status());

  icom::IcomImportOptions options;
  options.linac = plan->linac;
  options.zone = plan->zone;
  Progress import_progress("import " + o.from);
  size_t done = 0;
  options.progress = [&](const icom::IcomImportReport& r, const icom::ArchiveFile&) {
    ++done;
    import_progress.Update(std::to_string(done) + "/" + std::to_string(files->size()) + " files, " +
                           std::to_string(r.messages) + " messages, " + std::to_string(r.appended) +
                           " new (" + PerSecond(r.messages, import_progress.seconds()) + ")");
  };
  auto report = icom::ImportIcomArchives(o.from, *files, &(*store)->journal(), options);
  if (!report.ok()) return ReportBackfillError(**store, report.status());
  import_progress.Done(std::to_string(report->files) + " files, " +
                       std::to_string(report->messages) + " messages (" +
                       PerSecond(report->messages, import_progress.seconds()) + ")");

  // Deliveries: the same transform and cursor as `qcflow run`.
  icom::IcomTransform transform(store->get(), icom::IcomTransformConfig{});
  if (Status s = transform.Restore(); !s.ok()) return ReportBackfillError(**store, s);
  Progress group_progress("deliveries");
  icom::IcomStepReport total;
  const Status grouped = RunSteps(
      [&] { return transform.Step(); }, &total,
      {.after_step = [&](const icom::IcomStepReport& t) {
        group_progress.Update(std::to_string(t.messages_decoded) + " messages decoded, " +
                              std::to_string(t.deliveries_updated) + " deliveries written");
      }});
  if (!grouped.ok()) return ReportBackfillError(**store, grouped);
  group_progress.Done(std::to_string(total.messages_decoded) + " messages decoded, " +
                      std::to_string(total.deliveries_updated) + " deliveries written");

  size_t xz = 0;
  for (const icom::ArchiveFile& f : *files) xz += f.kind == icom::ArchiveFileKind::kXz;
  std::cout << "Backfill of " << o.from << " (linac " << plan->linac << ", zone " << plan->zone
            << ")\n"
            << "  files                 " << report->files << " (" << xz << " .xz, "
            << report->files - xz << " live .txt)\n"
            << "  messages              " << report->messages << "\n"
            << "  appended              " << report->appended;
  if (report->quarantined) std::cout << " (" << report->quarantined << " with an impossible time)";
  std::cout << "\n"
            << "  duplicates            " << report->duplicates
            << " (already in the store: imported before or captured live)\n"
            << "  malformed             " << report->malformed << " fragment(s) dropped"
            << (report->skipped_bytes
                    ? ", " + std::to_string(report->skipped_bytes) + " stray bytes skipped"
                    : "")
            << "\n"
            << "  damaged files         " << report->files_failed << "\n"
            << "  deliveries written    " << total.deliveries_updated << " (" << total.malformed
            << " malformed message(s) reported)\n";
  std::vector<std::string> problems = report->problems;
  problems.insert(problems.end(), total.problems.begin(), total.problems.end());
  PrintProblems(problems);
  return report->files_failed > 0 ? kExitPartial : kExitOk;
}

}  // namespace

void RegisterBackfillIcomCommand(CLI::App* backfill, const GlobalOptions& global, Action* action) {
  auto o = std::make_shared<IcomBackfillOptions>();
  auto* cmd = backfill->add_subcommand(
      "icom",
      "Import Elekta iCom history written by `pymedphys icom listen` and update the deliveries.\n"
      "Reads DIR/patients/**/*.xz (one delivery each) and DIR/live/<ip>/*.txt (one message\n"
      "each). Safe to repeat, and safe next to live capture: a message already in the store\n"
      "(imported before, or captured by `qcflow run`) is counted as a duplicate, never stored\n"
      "twice. A damaged .xz is reported and skipped; the other files are imported (exit 3).\n"
      "Needs the store to itself: stop `qcflow run` first.\n"
      "Examples:\n"
      "  qcflow backfill icom --config /etc/qcflow/qcflow.toml --linac LA1 --from /srv/icom/LA1\n"
      "  qcflow backfill icom --from ./icom-archive --linac LA1 --zone Europe/Berlin --store ./s");
  cmd->add_option("--from", o->from, "The directory pymedphys icom listen wrote to")
      ->required()
      ->type_name("DIR");
  cmd->add_option("--linac", o->linac,
                  "The linac's name (its [[source.icom]] name; required without --config)");
  cmd->add_option("--zone", o->zone,
                  "IANA zone of the linac's clock (default: the config's, else UTC)");
  cmd->add_option("--config", o->config_file,
                  "Take the store, linac and zone from this qcflow.toml's [[source.icom]]");
  cmd->callback(
      [action, &global, o] { *action = [&global, o] { return RunIcomBackfill(global, *o); }; });
}

}  // namespace qcflow::cli
