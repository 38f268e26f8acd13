#include "ingest/dqa3/dqa3_worker.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "process/common/step_loop.h"
#include "process/component/metric_families.h"
#include "process/component/wording.h"
#include "store/journal.h"
#include "store/time_util.h"

namespace qcflow::dqa3 {

using component::HumanDuration;
using component::IsoOrEmpty;
using component::LogProblems;


std::vector<std::string> UnmappedMachines(const std::vector<Dqa3Machine>& machines,
                                          const UnitMap& unit_map) {
  std::vector<std::string> out;
  for (const Dqa3Machine& m : machines) {
    if (!FindUnit(unit_map, {m.display_name, m.name, m.id})) {
      out.push_back(m.display_name);
    }
  }
  return out;
}

Dqa3Worker::Dqa3Worker(const Dqa3SourceSettings& config, component::PartEnv env,
                       std::vector<component::Part*> sinks)
    : PollingWorker(config.name, Kind::kDqa3, config.interval, std::move(env), std::move(sinks)),
      config_(config),
      source_(std::make_unique<Dqa3Source>(config.source)),
      transform_(std::make_unique<Dqa3Transform>(env_.store, config.transform)) {}

Dqa3Worker::~Dqa3Worker() {
  Stop();
  Join();
}

Status Dqa3Worker::Init() {
  QCFLOW_RETURN_IF_ERROR(transform_->Restore().WithContext("source " + config_.name));
  return RestoreCounters();
}

std::string Dqa3Worker::Doing() const {
  return "polling DQA3 database " + DescribeConnection(config_.source.connection) +
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
  StepReport total;
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

  const uint64_t quarantined = QuarantinedTotal(config_.name);
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
    state_.extra.Set("race_flagged", uint64_t(poll->race_flagged));
    state_.extra.Set("schema", poll->schema_version);
    state_.extra.Set("unmapped", unmapped);
  }
  if (failed.ok()) state_.last_ok = state_.last_run;
  up_ = failed.ok();
  if (failed.ok()) last_success_ = start;
  idle_ = failed.ok() && total.caught_up;
  return failed.ok();
}

void Dqa3Worker::AddMetrics(const std::vector<SourceCount>& counts, MicrosUtc now,
                            component::MetricFamilies* m) const {
  PollingWorker::AddMetrics(counts, now, m);
  const component::SourceState s = State();
  const std::string label = component::PromLabelPair("source", name_);
  m->Family("qcflow_dqa3_race_flagged", "gauge",
            "Rows of the latest poll hit by the vendor's DATA_KEY race (uploaded; the warning is in "
            "the session comment and the log).");
  m->Sample("qcflow_dqa3_race_flagged", label, double(s.extra.Number("race_flagged")));
  m->Family("qcflow_dqa3_unmapped_machines", "gauge",
            "Machines the database has and units does not name (their rows are held).");
  m->Sample("qcflow_dqa3_unmapped_machines", label, double(s.extra.List("unmapped").size()));
}

Status Dqa3Status(Store&, std::vector<component::SourceState>* states,
                  component::StatusReport* report) {
  using component::StatusCell;
  component::StatusTable t{
      "DQA3 databases, as `qcflow run` last saw them (race_flagged: rows hit by the vendor's "
      "DATA_KEY race: uploaded as measured, the warning only in the session comment (sent with "
      "include_comments = true) and the log; rows of unmapped machines are held until "
      "[[source.dqa3]].units names them):",
      {"source", "state", "schema", "last_poll", "rows_last_poll", "race_flagged",
       "unmapped_machines", "next_run", "last_error"},
      {}};
  for (const component::SourceState& s : *states) {
    if (s.kind != "dqa3") continue;
    report->shown.insert(s.name);
    t.rows.push_back({StatusCell::Text(s.name), StatusCell::Text(s.state),
                      StatusCell::Text(s.extra.Text("schema")),
                      StatusCell::Instant(s.last_run),
                      StatusCell::Number(s.records_last_run),
                      StatusCell::Number(s.extra.Number("race_flagged")),
                      StatusCell::Text(component::JoinNames(s.extra.List("unmapped"))),
                      StatusCell::Text(s.next_run.empty() ? "-" : s.next_run),
                      StatusCell::Text(s.last_error)});
  }
  if (!t.rows.empty()) report->tables.push_back(std::move(t));
  return Status::OK();
}

}  // namespace qcflow::dqa3
