#include "ingest/trf/trf_worker.h"

#include <spdlog/spdlog.h>

#include "process/common/step_loop.h"
#include "process/component/duration.h"
#include "process/component/metric_families.h"
#include "process/component/wording.h"
#include "store/store.h"
#include "store/time_util.h"

namespace qcflow::trf {

using component::HumanDuration;
using component::IsoOrEmpty;
using component::LogProblems;

TrfWorker::TrfWorker(const TrfSourceSettings& config, Kind kind, component::PartEnv env,
                     std::vector<component::Part*> sinks)
    : PollingWorker(config.name, kind, config.interval, std::move(env), std::move(sinks)), config_(config) {}

TrfWorker::~TrfWorker() {
  Stop();
  Join();
}

Status TrfWorker::Init() {
  auto table = ColumnsTable::LoadInstalled();
  if (!table.ok()) return table.status().WithContext("source " + config_.name + " (TRF columns table)");
  table_ = std::move(*table);
  QCFLOW_RETURN_IF_ERROR(RestoreCounters({"deliveries"}));
  deliveries_total_ = state_.extra.Number("deliveries");
  TrfCaptureSettings capture = config_.capture;
  // Anchored at the first start, as the files source's: logs written while
  // the daemon was down are still taken.
  if (auto first = ParseTimeArg(state_.first_start); config_.history && first.ok()) {
    capture.since = *first - config_.history->count() * 1000;
  }
  if (!config_.dir.empty()) {
    scanner_ = std::make_unique<files::FileScanner>(TrfScanOptions(capture, kind_), env_.store);
  }
  if (!config_.backups.empty()) {
    backups_ = std::make_unique<TrfBackupReader>(BackupOptionsFor(capture, config_.backups, kind_), env_.store);
  }
  transform_ = std::make_unique<TrfTransform>(env_.store, &table_,
                                              TrfTransformConfig{.source_id = config_.name, .kind = kind_,
                                                                 .sinks = config_.sinks});
  return Status::OK();
}

std::string TrfWorker::Doing() const {
  const TrfCaptureSettings& c = config_.capture;
  std::string patterns;
  for (const std::string& p : c.patterns) patterns += (patterns.empty() ? "" : ", ") + p;
  std::string where;
  if (!config_.dir.empty()) where = config_.dir + (c.recursive ? " (recursive)" : "");
  if (!config_.backups.empty()) {
    where += (where.empty() ? "" : " and ") + std::string("the backups (SDD+*.zip) in ") + config_.backups;
  }
  return "TRF logs (" + patterns + ") of linac " + c.linac + " from " + where + " every " +
         HumanDuration(config_.interval) + " (settle " + HumanDuration(c.settle) + ")";
}

bool TrfWorker::Pass() {
  const MicrosUtc start = env_.clock();
  const std::string who = "source " + config_.name;
  Result<files::FileScanReport> scan = files::FileScanReport{};
  if (scanner_) scan = scanner_->Pass(&env_.store->journal(), start);
  Result<TrfBackupReport> zips = TrfBackupReport{};
  if (backups_) zips = backups_->Pass(&env_.store->journal(), start);
  TrfStepReport total;
  const Status step_failed = RunSteps([&] { return transform_->Step(); }, &total,
                                      {.stop_requested = [this] { return stopping(); }})
                                 .WithContext("TRF transform");
  const Status failed = !scan.ok() ? scan.status() : !zips.ok() ? zips.status() : step_failed;
  if (scan.ok()) LogProblems(log(), who, scan->problems);
  if (zips.ok()) LogProblems(log(), who, zips->problems);
  LogProblems(log(), who, total.problems);
  const size_t appended = (scan.ok() ? scan->appended : 0) + (zips.ok() ? zips->appended : 0);
  const size_t quarantined_now = (scan.ok() ? scan->quarantined : 0) + (zips.ok() ? zips->quarantined : 0);
  if (appended > 0 || total.deliveries_written > 0) {
    log().info("{}: journaled {} new TRF log(s) ({} from backups; {} not TRF logs, quarantined); {} "
               "delivery(ies) derived ({} from damaged logs)", who, appended,
               zips.ok() ? zips->appended : 0, quarantined_now, total.deliveries_written, total.damaged);
  }
  deliveries_total_ += total.deliveries_written;
  if (total.sessions_queued > 0) KickSinks();

  const uint64_t quarantined = QuarantinedTotal(config_.name);
  std::lock_guard<std::mutex> lock(mu_);
  state_.state = failed.ok() ? "ok" : "error";
  state_.last_run = IsoOrEmpty(start);
  state_.last_error = failed.ok() ? "" : failed.message();
  state_.records_last_run = appended;
  state_.quarantined_total = quarantined;
  ++state_.passes;
  state_.extra.Set("linac", config_.capture.linac);
  state_.extra.Set("deliveries", deliveries_total_);
  if (scan.ok() && zips.ok()) {
    state_.extra.Set("logs_seen", uint64_t(scan->seen + zips->logs));
    state_.extra.Set("backups_seen", uint64_t(zips->zips_seen));
    state_.extra.Set("unsettled", uint64_t(scan->unsettled + zips->unsettled));
  }
  if (failed.ok()) state_.last_ok = state_.last_run;
  up_ = failed.ok();
  if (failed.ok()) last_success_ = start;
  idle_ = failed.ok() && total.caught_up && scan->unsettled == 0 && zips->unsettled == 0;
  return failed.ok();
}

void TrfWorker::AddMetrics(const std::vector<SourceCount>& counts, MicrosUtc now,
                           component::MetricFamilies* m) const {
  PollingWorker::AddMetrics(counts, now, m);
  const component::SourceState s = State();
  m->Family("qcflow_trf_unsettled", "gauge",
            "TRF logs of the latest pass still being written (taken by a later pass).");
  m->Sample("qcflow_trf_unsettled", component::PromLabelPair("source", name_),
            double(s.extra.Number("unsettled")));
  m->Family("qcflow_trf_deliveries_total", "counter", "TRF deliveries derived, over every run.");
  m->Sample("qcflow_trf_deliveries_total", component::PromLabelPair("source", name_),
            double(s.extra.Number("deliveries")));
}

Status TrfStatus(Store&, std::vector<component::SourceState>* states, component::StatusReport* report) {
  using component::StatusCell;
  component::StatusTable t{
      "TRF log sources, as `qcflow run` last saw them (quarantined: files that are not TRF logs, "
      "kept in the journal; `qcflow query trf` lists the deliveries):",
      {"source", "linac", "state", "last_pass", "logs_seen", "backups_seen", "new_last_pass", "unsettled",
       "deliveries", "quarantined", "last_error"},
      {}};
  for (const component::SourceState& s : *states) {
    if (s.kind != "trf") continue;
    report->shown.insert(s.name);
    t.rows.push_back({StatusCell::Text(s.name), StatusCell::Text(s.extra.Text("linac")),
                      StatusCell::Text(s.state),
                      StatusCell::Instant(s.last_run),
                      StatusCell::Number(s.extra.Number("logs_seen")),
                      StatusCell::Number(s.extra.Number("backups_seen")),
                      StatusCell::Number(s.records_last_run),
                      StatusCell::Number(s.extra.Number("unsettled")),
                      StatusCell::Number(s.extra.Number("deliveries")),
                      StatusCell::Number(s.quarantined_total), StatusCell::Text(s.last_error)});
  }
  if (!t.rows.empty()) report->tables.push_back(std::move(t));
  return Status::OK();
}

}  // namespace qcflow::trf
