// `qcflow backfill mpc`: import MPC history from a TDS directory, group it into
// sessions, and print what happened.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <iostream>

#include "cli/command.h"
#include "cli/runtime/config.h"
#include "cli/progress.h"
#include "ingest/mpc/mpc_component.h"
#include "ingest/mpc/tds_scanner.h"
#include "process/common/step_loop.h"
#include "process/mpc/mpc_transform.h"

namespace qcflow::cli {
namespace {

struct MpcBackfillOptions {
  std::string config_file, source;  // --config/--source: take everything from qcflow.toml
  std::string tds, since, zone = "UTC", source_id, test_list = "MPC: {{ check_type }}";
  std::vector<std::string> sinks;
  bool full_search = false;
  double window_min = 20, wait_min = 20;
  int settle_s = -1;  // -1: the config's settle, else 10 s
  std::string late = "report";
};

Result<mpc::MpcTransformConfig> TransformConfig(const MpcBackfillOptions& o,
                                                const std::string& source_id) {
  mpc::MpcTransformConfig c;
  c.grouping.window_micros = int64_t(o.window_min * kMicrosPerMinute);
  c.grouping.wait_micros = int64_t(o.wait_min * kMicrosPerMinute);
  if (o.late == "amend") {
    c.grouping.late_policy = mpc::LatePolicy::kAmend;
  } else if (o.late != "report") {
    return Status::InvalidArgument("--late must be 'report' or 'amend'");
  }
  QCFLOW_RETURN_IF_ERROR(mpc::ValidateGroupingOptions(c.grouping).WithContext("--window/--wait"));
  c.session.test_list_template = o.test_list;
  c.session.site_zone = o.zone;
  c.session.source_id = source_id;
  QCFLOW_RETURN_IF_ERROR(mpc::ValidateSessionOptions(c.session));
  c.sinks = o.sinks;
  return c;
}

// What a backfill runs with: from flags, or from a [[source.mpc]] of qcflow.toml
// (then the store, source id, zone, grouping and routes are exactly the
// daemon's, so `qcflow run` continues where the backfill stopped).
struct BackfillPlan {
  mpc::TdsScanConfig scan;
  mpc::MpcTransformConfig transform;
  GlobalOptions store;
};

Result<BackfillPlan> PlanFromConfig(const GlobalOptions& global, const MpcBackfillOptions& o) {
  auto cfg = config::LoadConfig(o.config_file);
  if (!cfg.ok()) return cfg.status();
  std::vector<std::string> names;
  const std::vector<const mpc::MpcComponent*> sources = cfg->Of<mpc::MpcComponent>();
  for (const mpc::MpcComponent* c : sources) {
    const mpc::MpcSourceConfig& s = c->config();
    if (o.source.empty() ? sources.size() == 1 : s.name == o.source) {
      BackfillPlan plan{s.scan, s.transform, global};
      if (!o.tds.empty()) plan.scan.root = o.tds;  // e.g. an archive copy of the share
      if (plan.store.store_dir.empty()) plan.store.store_dir = cfg->store.path;
      return plan;
    }
    names.push_back(s.name);
  }
  std::string known;
  for (const std::string& n : names) known += (known.empty() ? "" : ", ") + n;
  return Status::InvalidArgument(
      o.source.empty() ? o.config_file + " has " + std::to_string(names.size()) +
                             " [[source.mpc]] sections; choose one with --source (" + known + ")"
                       : o.config_file + " has no [[source.mpc]] named '" + o.source + "'" +
                             (known.empty() ? "" : " (it has: " + known + ")"));
}

Result<BackfillPlan> PlanFromFlags(const GlobalOptions& global, const MpcBackfillOptions& o) {
  if (o.tds.empty()) return Status::InvalidArgument("--tds is required unless --config is given");
  BackfillPlan plan;
  plan.store = global;
  plan.scan.root = o.tds;
  plan.scan.source_id = o.source_id.empty() ? o.tds : o.source_id;
  plan.scan.fast_search = !o.full_search;
  plan.scan.site_zone = o.zone;
  QCFLOW_RETURN_IF_ERROR(CheckZone(o.zone).WithContext("--zone"));
  auto transform = TransformConfig(o, plan.scan.source_id);
  if (!transform.ok()) return transform.status();
  plan.transform = *transform;
  return plan;
}

int RunMpcBackfill(const GlobalOptions& global, const MpcBackfillOptions& o) {
  auto plan = o.config_file.empty() ? PlanFromFlags(global, o) : PlanFromConfig(global, o);
  if (!plan.ok()) return ReportError(plan.status());
  mpc::TdsScanConfig& scan = plan->scan;
  if (o.settle_s >= 0) scan.settle = std::chrono::seconds(o.settle_s);
  auto range = ParseTimeRange(o.since, "", scan.site_zone);
  if (!range.ok()) return ReportError(range.status());
  if (!o.since.empty()) scan.since = range->from;
  for (const std::string& sink : o.sinks) plan->transform.sinks.push_back(sink);
  const std::string tds = scan.root;
  auto store = OpenStore(plan->store, /*read_only=*/false);
  if (!store.ok()) return ReportError(store.status());

  const MicrosUtc now = NowMicros();
  mpc::TdsScanner scanner(scan, store->get());
  Progress scan_progress("scan " + tds);
  auto report = scanner.Scan(now, [&](const mpc::ScanReport& r) {
    scan_progress.Update(std::to_string(r.files_seen) + " files seen, " +
                         std::to_string(r.appended) + " new (" +
                         PerSecond(r.files_seen, scan_progress.seconds()) + ")");
  });
  if (!report.ok()) return ReportBackfillError(**store, report.status());
  scan_progress.Done(std::to_string(report->files_seen) + " files seen, " +
                     std::to_string(report->appended) + " new, " +
                     std::to_string(report->files_unchanged) + " unchanged (" +
                     PerSecond(report->files_seen, scan_progress.seconds()) + ")");

  mpc::MpcTransform transform(store->get(), plan->transform);
  if (Status s = transform.Restore(); !s.ok()) return ReportBackfillError(**store, s);
  Progress group_progress("group");
  mpc::StepReport total;
  const Status grouped = RunSteps(
      [&] { return transform.Step(now); }, &total,
      {.after_step = [&](const mpc::StepReport& t) {
        group_progress.Update(std::to_string(t.runs_added) + " runs, " +
                              std::to_string(t.sessions_emitted) + " sessions");
      }});
  if (!grouped.ok()) return ReportBackfillError(**store, grouped);
  group_progress.Done(std::to_string(total.runs_added) + " runs, " +
                      std::to_string(total.sessions_emitted) + " sessions");

  std::cout << "Backfill of " << tds << " (source " << scan.source_id << ")\n"
            << "  run files journaled   " << report->appended - report->quarantined
            << " (" << report->duplicates << " already known, " << report->files_unchanged
            << " unchanged since the last scan)\n"
            << "  quarantined           " << report->quarantined << "\n"
            << "  sessions              " << total.sessions_emitted;
  if (total.amendments_emitted) std::cout << " (+" << total.amendments_emitted << " amendments)";
  std::cout << "\n"
            << "  late runs             " << total.late_runs << "\n"
            << "  waiting for results   " << total.pending_runs << " runs"
            << (total.pending_runs ? " (grouped on a later run, after --wait)" : "") << "\n";
  if (report->unsettled) {
    std::cout << "  still being written   " << report->unsettled
              << " files (picked up by the next scan)\n";
  }
  if (report->too_old) std::cout << "  before --since        " << report->too_old << "\n";
  std::vector<std::string> problems = report->problems;
  problems.insert(problems.end(), total.problems.begin(), total.problems.end());
  PrintProblems(problems, "qcflow query records --kind mpc shows quarantined files");
  return problems.empty() ? kExitOk : kExitPartial;
}

}  // namespace

// backfill_icom_command.cc
void RegisterBackfillIcomCommand(CLI::App* backfill, const GlobalOptions& global, Action* action);
// backfill_trf_command.cc
void RegisterBackfillTrfCommand(CLI::App* backfill, const GlobalOptions& global, Action* action);
// backfill_postgres_command.cc
void RegisterBackfillPostgresCommand(CLI::App* backfill, const GlobalOptions& global, Action* action);

void RegisterBackfillCommand(CLI::App& app, const GlobalOptions& global, Action* action) {
  auto* backfill = app.add_subcommand("backfill", "Import history into the store");
  backfill->require_subcommand(0, 1);  // bare: main prints its help
  auto o = std::make_shared<MpcBackfillOptions>();
  auto* mpc = backfill->add_subcommand(
      "mpc",
      "Import Varian MPC results from a TDS directory and group them into QA sessions.\n"
      "Safe to repeat: files already journaled are skipped, sessions are never duplicated.\n"
      "With --config, every setting (store, source name, zone, grouping, routes to sinks) comes\n"
      "from that [[source.mpc]], so `qcflow run` continues where the backfill stopped.\n"
      "Examples:\n"
      "  qcflow backfill mpc --config /etc/qcflow/qcflow.toml --since 2024-01-01\n"
      "  qcflow backfill mpc --tds /mnt/VA_Transfer/TDS --zone Europe/Berlin --store ./history");
  mpc->add_option("--config", o->config_file, "Take the source's settings and routes from this qcflow.toml");
  mpc->add_option("--source", o->source, "With --config: which [[source.mpc]] (needed if several)");
  mpc->add_option("--tds", o->tds, "The TDS directory (holding <machine>/MPCChecks/...); overrides the config's");
  mpc->add_option("--since", o->since, "Only runs from this date (YYYY-MM-DD[ HH:MM])");
  mpc->add_option("--zone", o->zone, "Without --config: IANA zone of the MPC workstation clock (default UTC)");
  mpc->add_option("--source-id", o->source_id, "Name for this TDS in the store (default: the path)");
  mpc->add_flag("--full-search", o->full_search, "Walk the whole tree, not only */MPCChecks/**");
  mpc->add_option("--window", o->window_min, "Beam and Geometry grouping window, minutes (default 20)");
  mpc->add_option("--wait", o->wait_min, "Wait for results, minutes (default 20)");
  mpc->add_option("--settle", o->settle_s, "Seconds a file must be unchanged before reading (default 10)");
  mpc->add_option("--test-list", o->test_list, "Test list name template (default 'MPC: {{ check_type }}')");
  mpc->add_option("--late", o->late, "Late runs: report (default) or amend (upload an amendment)");
  mpc->add_option("--sink", o->sinks, "Queue the sessions for this sink (repeatable)");
  mpc->callback([action, &global, o] {
    *action = [&global, o] { return RunMpcBackfill(global, *o); };
  });
  RegisterBackfillIcomCommand(backfill, global, action);
  RegisterBackfillTrfCommand(backfill, global, action);
  RegisterBackfillPostgresCommand(backfill, global, action);
}

}  // namespace qcflow::cli
