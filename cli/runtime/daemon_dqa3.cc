#include "cli/runtime/daemon_dqa3.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "process/common/step_loop.h"
#include "store/journal.h"
#include "store/time_util.h"

namespace qcflow::cli {

std::vector<std::string> UnmappedMachines(const std::vector<dqa3::Dqa3Machine>& machines,
                                          const UnitMap& unit_map) {
  std::vector<std::string> out;
  for (const dqa3::Dqa3Machine& m : machines) {
    if (!FindUnit(unit_map, {m.display_name, m.name, m.id})) {
      out.push_back(m.display_name);
    }
  }
  return out;
}

Dqa3Worker::Dqa3Worker(const config::Dqa3Source& config, WorkerEnv env,
                       std::vector<WorkerThread*> sinks)
    : PollingWorker(config.name, "dqa3", config.interval, std::move(env), std::move(sinks)),
      config_(config),
      source_(std::make_unique<dqa3::Dqa3Source>(config.source)),
      transform_(std::make_unique<dqa3::Dqa3Transform>(env_.store, config.transform)) {}

Dqa3Worker::~Dqa3Worker() {
  Stop();
  Join();
}

Status Dqa3Worker::Init() {
  QCFLOW_RETURN_IF_ERROR(transform_->Restore().WithContext("source " + config_.name));
  return RestoreCounters();
}

std::string Dqa3Worker::Doing() const {
  return "polling DQA3 database " + dqa3::DescribeConnection(config_.source.connection) +
         " every " + HumanDuration(config_.interval) + " (" +
         std::to_string(config_.source.history_days) + " day(s) back from the latest successful poll, zone " +
         config_.source.db_zone + ")";
}

bool Dqa3Worker::Pass() {
  const MicrosUtc start = env_.clock();
  const std::string who = "source " + config_.name;
  // The window reaches back history_days from the latest successful poll, not
  // from now: rows written while the daemon or the database was away for
  // longer than history_days are still taken (QCPump's per-poll window loses them).
  MicrosUtc anchor = start;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (auto last_ok = ParseTimeArg(state_.last_ok); last_ok.ok()) anchor = std::min(anchor, *last_ok);
  }
  const MicrosUtc since = anchor - int64_t{config_.source.history_days} * 86'400 * kMicrosPerSecond;
  auto poll = source_->PollSince(&env_.store->journal(), since, start);
  std::vector<std::string> unmapped;  // the poll discovered the machines again
  if (poll.ok()) unmapped = UnmappedMachines(poll->machines, config_.transform.unit_map);
  // The transform runs even when the database is away: grouped windows
  // journaled earlier still become ready as time passes.
  dqa3::StepReport total;
  // Bounded steps (records_per_step, groups_per_step): a stop waits for one.
  const Status step_failed =
      RunSteps([&] { return transform_->Step(env_.clock()); }, &total,
               {.stop_requested = [this] { return stopping(); }})
          .WithContext("DQA3 transform");

  Status failed;
  std::string state = "ok";
  if (!poll.ok()) {
    failed = poll.status();
    state = failed.code() == Status::Code::kUnavailable ? "unavailable" : "error";
  } else if (!step_failed.ok()) {
    failed = step_failed;
    state = "error";
  }
  if (poll.ok()) LogProblems(log(), who, poll->problems);
  LogProblems(log(), who, total.problems);
  const size_t appended = poll.ok() ? poll->appended : 0;
  const size_t sessions = total.sessions_emitted + total.amendments_emitted;
  if (appended > 0 || sessions > 0) {
    std::string to;
    for (const std::string& s : config_.transform.sinks) to += (to.empty() ? "" : ", ") + s;
    log().info(
        "{}: journaled {} new DQA3 row(s) ({} flagged by the vendor's DATA_KEY race); "
        "queued {} session(s){}{}",
        who, appended, poll.ok() ? poll->race_flagged : 0, sessions,
        to.empty() ? " (no route to a sink)" : " for ", to);
  }
  if (sessions > 0) KickSinks();

  uint64_t quarantined = 0;
  for (const SourceCount& c : env_.store->journal().Counts()) {
    if (c.kind == Kind::kDqa3 && c.source_id == config_.name) quarantined = c.quarantined;
  }
  std::lock_guard<std::mutex> lock(mu_);
  state_.state = state;
  state_.last_run = IsoOrEmpty(start);
  state_.last_error = failed.ok() ? "" : failed.message();
  state_.records_last_run = appended;
  state_.quarantined_total = quarantined;
  state_.sessions_emitted += sessions;
  state_.late_runs += total.late_rows;
  ++state_.passes;
  if (poll.ok()) {
    state_.race_flagged = poll->race_flagged;
    state_.schema = poll->schema_version;
    state_.unmapped = unmapped;
  }
  if (failed.ok()) state_.last_ok = state_.last_run;
  snapshot_.up = failed.ok();
  if (failed.ok()) snapshot_.last_success = start;
  snapshot_.idle = failed.ok() && total.caught_up;
  return failed.ok();
}

}  // namespace qcflow::cli
