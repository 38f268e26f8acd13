#include "ingest/mpc/mpc_worker.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "process/common/step_loop.h"
#include "store/derived.h"
#include "process/component/duration.h"

namespace qcflow::mpc {

using component::HumanDuration;
using component::IsoOrEmpty;
using component::kMinInterval;
using component::LogProblems;
using component::WithoutRetryNote;

MpcWorker::MpcWorker(const MpcSourceConfig& config, component::PartEnv env,
                     std::vector<component::Part*> sinks)
    : PollingWorker(config.name, Kind::kMpc, config.interval, std::move(env), std::move(sinks)),
      config_(config),
      scanner_(config.scan, env_.store),
      transform_(std::make_unique<MpcTransform>(env_.store, config.transform)) {}

MpcWorker::~MpcWorker() {
  Stop();
  Join();
}

Status MpcWorker::Init() {
  QCFLOW_RETURN_IF_ERROR(transform_->Restore().WithContext("source " + config_.name));
  QCFLOW_RETURN_IF_ERROR(RestoreCounters());
  // The history window is fixed at the first start, so a daemon that was down
  // for a week still takes that week's runs (QCPump's per-poll window would not).
  since_ = config_.scan.since;
  if (auto first = ParseTimeArg(state_.first_start); config_.history && first.ok()) {
    since_ = *first - config_.history->count() * 1000;
  }
  scanner_.SetSince(since_);
  return Status::OK();
}

std::string MpcWorker::Doing() const {
  return "scanning TDS directory " + config_.scan.root + " every " +
         HumanDuration(std::max(config_.interval, kMinInterval)) + " (zone " +
         config_.scan.site_zone + "), " +
         (since_ ? "runs since " + FormatUtcIso(*since_) + " (history " + component::FormatDuration(*config_.history) + ")"
                 : "all its runs (history \"all\")");
}

bool MpcWorker::Pass() {
  const MicrosUtc start = env_.clock();
  const std::string who = "source " + config_.name;
  auto scan = scanner_.Scan(start);
  // The transform runs even when the share is away: runs journaled earlier
  // still become ready as time passes.
  StepReport total;
  const Status step_failed =
      RunSteps([&] { return transform_->Step(env_.clock()); }, &total,
               {.stop_requested = [this] { return stopping(); }});

  Status failed;
  std::string state = "ok";
  if (!scan.ok()) {
    failed = scan.status();
    state = failed.code() == Status::Code::kUnavailable ? "unavailable" : "error";
  } else if (!step_failed.ok()) {
    failed = step_failed.WithContext("MPC transform");
    state = "error";
  }
  if (scan.ok()) LogProblems(log(), who, scan->problems);
  LogProblems(log(), who, total.problems);
  const size_t appended = scan.ok() ? scan->appended : 0;
  const size_t quarantined_now = scan.ok() ? scan->quarantined : 0;
  const size_t sessions = total.sessions_emitted + total.amendments_emitted;
  if (appended > 0 || sessions > 0) {
    std::string to;
    for (const std::string& s : config_.transform.sinks) to += (to.empty() ? "" : ", ") + s;
    log().info("{}: journaled {} new Results.csv ({} quarantined); queued {} session(s){}{}", who,
                 appended, quarantined_now, sessions, to.empty() ? " (no route to a sink)" : " for ",
                 to);
  }
  if (sessions > 0) KickSinks();
  if (scan.ok() && scan->too_old > 0 && !logged_too_old_) {
    // Once per daemon run: the same folders are outside the window every pass.
    log().info("{}: {} run(s) before {} are outside its history ({}) and not taken; load them with "
               "qcflow backfill mpc --config <qcflow.toml> --source {} --since <YYYY-MM-DD>",
               who, scan->too_old, FormatUtcIso(*since_), component::FormatDuration(*config_.history), name_);
    logged_too_old_ = true;
  }

  const uint64_t quarantined = QuarantinedTotal(config_.scan.source_id);
  std::lock_guard<std::mutex> lock(mu_);
  state_.state = state;
  state_.last_run = IsoOrEmpty(start);
  state_.last_error = failed.ok() ? "" : WithoutRetryNote(failed.message());
  state_.records_last_run = appended;
  state_.quarantined_total = quarantined;
  state_.sessions_emitted += sessions;
  state_.late_runs += total.late_runs;
  ++state_.passes;
  if (failed.ok()) state_.last_ok = state_.last_run;
  up_ = failed.ok();
  if (failed.ok()) last_success_ = start;
  idle_ = failed.ok() && total.caught_up && scan->unsettled == 0;
  return failed.ok();
}

Status MpcStatus(Store& store, std::vector<component::SourceState>*, component::StatusReport* report) {
  uint64_t late_runs = 0, changed_after_upload = 0;  // the latter: a rewritten Results.csv
  Status scan = store.derived().Scan(kLateNs, "", [&](std::string_view, std::string_view v) {
    ++late_runs;
    changed_after_upload += v.find("\"changed_after_upload_of_seq\"") != std::string_view::npos;
    return true;
  });
  if (!scan.ok()) return scan;
  report->json_fields.emplace_back("late_mpc_runs", late_runs);
  report->json_fields.emplace_back("late_mpc_runs_changed_after_upload", changed_after_upload);
  if (late_runs > 0) {
    report->notes.push_back(std::to_string(late_runs) +
                            " MPC run(s) arrived after their session was uploaded (late); see the log, or "
                            "set late = \"amend\" to upload them as amendments.");
  }
  if (changed_after_upload > 0) {
    report->notes.push_back(std::to_string(changed_after_upload) +
                            " of them: a run's Results.csv that changed after its session was uploaded "
                            "(the log names the journal records to compare).");
  }
  return Status::OK();
}

}  // namespace qcflow::mpc
