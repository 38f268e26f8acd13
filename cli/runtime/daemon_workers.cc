#include "cli/runtime/daemon_workers.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdio>

#include "cli/runtime/logging.h"
#include "process/common/step_loop.h"
#include "store/derived.h"
#include "store/journal.h"
#include "store/outbox.h"

namespace qcflow::cli {
namespace {

using Steady = std::chrono::steady_clock;
constexpr Millis kMinInterval{50};          // a 0 interval must not spin
constexpr size_t kMaxProblemsLogged = 10;   // per pass; the rest are counted
constexpr int kMaxBatchesPerPass = 1000;    // DeliverOnce calls per sink pass

// Drops a trailing "; will retry" (the worker says when it retries).
std::string WithoutRetryNote(std::string msg) {
  const std::string note = "; will retry";
  if (msg.size() >= note.size() && msg.compare(msg.size() - note.size(), note.size(), note) == 0) {
    msg.resize(msg.size() - note.size());
  }
  return msg;
}

// The UTC time `at` (a steady-clock instant) corresponds to.
std::string IsoAt(const std::function<MicrosUtc()>& clock, SteadyTime at) {
  auto left = std::chrono::duration_cast<std::chrono::microseconds>(at - Steady::now()).count();
  return IsoOrEmpty(clock() + std::max<int64_t>(left, 0));
}

Status Replace(Store* store, const char* ns, const std::string& key, std::string value) {
  WriteSet ws;
  ws.ReplaceDerived(ns, key, std::move(value));
  auto r = store->Commit(ws);
  return r.ok() ? Status::OK() : r.status();
}

}  // namespace

Millis RetryDelay(Millis interval, uint32_t failures, Millis max_backoff) {
  interval = std::max(interval, kMinInterval);
  const Millis cap = std::max(interval, max_backoff);
  Millis d = std::min(interval, Millis(5000));
  for (uint32_t i = 1; i < failures && d < cap; ++i) d *= 2;
  return std::min(d, cap);
}

void LogProblems(spdlog::logger& log, const std::string& who, const std::vector<std::string>& problems) {
  for (size_t i = 0; i < problems.size() && i < kMaxProblemsLogged; ++i) {
    log.warn("{}: {}", who, problems[i]);
  }
  if (problems.size() > kMaxProblemsLogged) {
    log.warn("{}: {} more problems like these this pass (see `qcflow status`)", who,
                 problems.size() - kMaxProblemsLogged);
  }
}

std::string HumanDuration(Millis d) {
  const int64_t ms = d.count();
  if (ms < 1000) return std::to_string(ms) + "ms";
  const int64_t s = ms / 1000;
  if (s < 10 && ms % 1000 != 0) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%.1fs", double(ms) / 1000);
    return buf;
  }
  if (s < 120) return std::to_string(s) + "s";
  if (s < 7200) return std::to_string(s / 60) + "m" + (s % 60 ? std::to_string(s % 60) + "s" : "");
  return std::to_string(s / 3600) + "h" + (s % 3600 / 60 ? std::to_string(s % 3600 / 60) + "m" : "");
}

// --- WorkerThread ----------------------------------------------------------------------

WorkerThread::~WorkerThread() {
  Stop();
  Join();
}

void WorkerThread::Start() { thread_ = std::thread([this] { Loop(); }); }

void WorkerThread::Stop() {
  std::lock_guard<std::mutex> lock(wake_mu_);
  stop_ = true;
  wake_cv_.notify_all();
}

void WorkerThread::Join() {
  if (thread_.joinable()) thread_.join();
}

void WorkerThread::Kick() {
  std::lock_guard<std::mutex> lock(wake_mu_);
  kicked_ = true;
  wake_cv_.notify_all();
}

spdlog::logger& WorkerThread::log() const {
  return log_ ? *log_ : *spdlog::default_logger_raw();
}

bool WorkerThread::stopping() const {
  std::lock_guard<std::mutex> lock(wake_mu_);
  return stop_;
}

bool WorkerThread::WaitUntil(SteadyTime until, bool kickable) {
  std::unique_lock<std::mutex> lock(wake_mu_);
  wake_cv_.wait_until(lock, until, [&] { return stop_ || (kickable && kicked_); });
  if (kickable) kicked_ = false;
  return !stop_;
}

// --- PollingWorker ---------------------------------------------------------------------

PollingWorker::PollingWorker(std::string name, std::string kind, Millis interval, WorkerEnv env,
                             std::vector<WorkerThread*> sinks)
    : name_(std::move(name)),
      env_(std::move(env)),
      sinks_(std::move(sinks)),
      interval_(std::max(interval, kMinInterval)) {
  state_.name = snapshot_.name = name_;
  state_.kind = std::move(kind);
  SetLogger(ComponentLogger(name_, env_.log_levels));
}

Status PollingWorker::RestoreCounters() {
  // Totals continue across restarts.
  auto prev = env_.store->derived().Get(kDaemonSourceNs, name_);
  if (!prev.ok()) return prev.status();
  if (prev->has_value()) {
    auto s = DecodeSourceState(name_, **prev);
    if (s.ok()) {
      state_.sessions_emitted = s->sessions_emitted;
      state_.late_runs = s->late_runs;
      state_.passes = s->passes;
      state_.last_ok = s->last_ok;
      state_.first_start = s->first_start;
    }
  } else {
    state_.first_start = IsoOrEmpty(env_.clock());  // this is the first start
  }
  return Status::OK();
}

SourceSnapshot PollingWorker::Snapshot() const {
  std::lock_guard<std::mutex> lock(mu_);
  return snapshot_;
}

SourceState PollingWorker::State() const {
  std::lock_guard<std::mutex> lock(mu_);
  return state_;
}

void PollingWorker::KickSinks() {
  for (WorkerThread* sink : sinks_) sink->Kick();
}

void PollingWorker::Loop() {
  SteadyTime next = Steady::now();
  while (WaitUntil(next, /*kickable=*/false)) {
    const SteadyTime began = Steady::now();
    {
      std::lock_guard<std::mutex> lock(mu_);
      snapshot_.idle = false;  // a pass is running
    }
    const bool ok = Pass();
    const SteadyTime after = Steady::now();
    std::string problem, state;
    {
      std::lock_guard<std::mutex> lock(mu_);
      problem = state_.last_error;
      state = state_.state;
    }
    if (ok) {
      failures_ = 0;
      next = began + interval_;
      if (next < after) {
        log().debug("source {}: the pass took {} (longer than the interval); the next starts now",
                      name_, HumanDuration(std::chrono::duration_cast<Millis>(after - began)));
        next = after;
      }
      if (logged_state_ != "ok") {
        log().info("source {}: {}{}", name_, logged_state_.empty() ? "" : "recovered; ", Doing());
      }
      logged_state_ = "ok";
    } else {
      ++failures_;
      const Millis delay = RetryDelay(interval_, failures_, env_.max_backoff);
      next = after + delay;
      const std::string line = "source " + name_ + ": " + problem + "; retrying in " +
                               HumanDuration(delay);
      // Once per change of state; the messages of retries may differ in detail.
      if (state != logged_state_) {
        log().warn("{}", line);
      } else {
        log().debug("{}", line);
      }
      logged_state_ = state;
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      state_.next_run = IsoAt(env_.clock, next);
    }
    Persist();
  }
}

void PollingWorker::Persist() {
  std::string value;
  {
    std::lock_guard<std::mutex> lock(mu_);
    value = EncodeSourceState(state_);
  }
  Status s = Replace(env_.store, kDaemonSourceNs, name_, std::move(value));
  if (!s.ok()) log().warn("source {}: cannot record its state in the store: {}", name_, s.message());
}

void PollingWorker::PersistStopped() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    state_.state = state_.state == "ok" || state_.state == "starting" ? "stopped" : state_.state;
    state_.next_run.clear();
  }
  Persist();
}

// --- SourceWorker (MPC) ----------------------------------------------------------------

SourceWorker::SourceWorker(const config::MpcSource& config, WorkerEnv env,
                           std::vector<WorkerThread*> sinks)
    : PollingWorker(config.name, "mpc", config.interval, std::move(env), std::move(sinks)),
      config_(config),
      scanner_(config.scan, env_.store),
      transform_(std::make_unique<mpc::MpcTransform>(env_.store, config.transform)) {}

SourceWorker::~SourceWorker() {
  Stop();
  Join();
}

Status SourceWorker::Init() {
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

std::string SourceWorker::Doing() const {
  return "scanning TDS directory " + config_.scan.root + " every " +
         HumanDuration(std::max(config_.interval, kMinInterval)) + " (zone " +
         config_.scan.site_zone + "), " +
         (since_ ? "runs since " + FormatUtcIso(*since_) + " (history " + config::FormatDuration(*config_.history) + ")"
                 : "all its runs (history \"all\")");
}

bool SourceWorker::Pass() {
  const MicrosUtc start = env_.clock();
  const std::string who = "source " + config_.name;
  auto scan = scanner_.Scan(start);
  // The transform runs even when the share is away: runs journaled earlier
  // still become ready as time passes.
  mpc::StepReport total;
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
               who, scan->too_old, FormatUtcIso(*since_), config::FormatDuration(*config_.history), name_);
    logged_too_old_ = true;
  }

  uint64_t quarantined = 0;
  for (const SourceCount& c : env_.store->journal().Counts()) {
    if (c.kind == Kind::kMpc && c.source_id == config_.scan.source_id) quarantined = c.quarantined;
  }
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
  snapshot_.up = failed.ok();
  if (failed.ok()) snapshot_.last_success = start;
  snapshot_.idle = failed.ok() && total.caught_up && scan->unsettled == 0;
  return failed.ok();
}

// --- SinkWorker ------------------------------------------------------------------------

std::string SinkWorker::Clean(std::string msg) const {
  // The sink's messages name its URL as configured; credentials in it stay out.
  if (raw_url_ == url_ || raw_url_.empty()) return msg;
  for (size_t at = msg.find(raw_url_); at != std::string::npos; at = msg.find(raw_url_, at)) {
    msg.replace(at, raw_url_.size(), url_);
    at += url_.size();
  }
  return msg;
}

SinkWorker::SinkWorker(const config::QatrackSink& config, WorkerEnv env,
                       std::unique_ptr<qatrack::QatrackSink> sink)
    : name_(config.sink.name),
      url_(SafeUrl(config.sink.api_url)),
      raw_url_(config.sink.api_url),
      interval_(std::max(config.interval, kMinInterval)),
      env_(std::move(env)),
      sink_(std::move(sink)) {
  state_.name = snapshot_.name = name_;
  SetLogger(ComponentLogger(name_, env_.log_levels));
}

SinkWorker::~SinkWorker() {
  Stop();
  Join();
}

SinkSnapshot SinkWorker::Snapshot() const {
  std::lock_guard<std::mutex> lock(mu_);
  return snapshot_;
}

SinkState SinkWorker::State() const {
  std::lock_guard<std::mutex> lock(mu_);
  return state_;
}

std::string SinkWorker::HeadError() const {
  auto head = env_.store->outbox().List(name_, 1, /*include_dead=*/false);
  return head.ok() && !head->empty() ? Clean(head->front().last_error) : "";
}

std::string SinkWorker::NewestDeadLetterReason() const {
  std::string reason;
  MicrosUtc newest = 0;
  auto all = env_.store->outbox().List(name_, 10000, /*include_dead=*/true);
  for (const OutboxItem& item : all.ok() ? *all : std::vector<OutboxItem>{}) {
    if (item.state == OutboxState::kDeadLetter && item.updated_at >= newest) {
      newest = item.updated_at;
      reason = Clean(item.last_error);
    }
  }
  return reason;
}

void SinkWorker::Loop() {
  SteadyTime next = Steady::now();
  while (WaitUntil(next, /*kickable=*/connected_)) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      state_.last_run = IsoOrEmpty(env_.clock());
    }
    next = connected_ ? Deliver() : Connect();
    Persist(next);
  }
}

void SinkWorker::Enter(const std::string& state, const std::string& detail, const std::string& line) {
  // Keyed on the state alone: curl's messages carry timings ("after 2003 ms").
  if (state != logged_state_) {
    if (state == "ok") {
      log().info("{}", line);
    } else {
      log().warn("{}", line);
    }
  } else {
    log().debug("{}", line);
  }
  logged_state_ = state;
  std::lock_guard<std::mutex> lock(mu_);
  state_.state = state;
  state_.last_error = detail;
  state_.paused = snapshot_.paused = state == "paused";
  snapshot_.up = state == "ok";
  if (state == "ok") state_.last_ok = IsoOrEmpty(env_.clock());  // now: a pass may take many batches
}

SteadyTime SinkWorker::Connect() {
  const std::string who = "sink " + name_;
  const Status st = sink_->CheckConnection();
  const std::string msg = Clean(st.message());
  if (st.ok()) {
    if (sink_->paused()) sink_->Resume();
    connected_ = true;
    failures_ = 0;
    Enter("ok", "", who + ": QATrack+ at " + url_ + " accepts the token; delivering every " +
                        HumanDuration(interval_));
    return Steady::now();  // deliver what waited at once
  }
  if (st.code() == Status::Code::kInvalidArgument) {  // 401: the token was rejected
    failures_ = 0;
    Enter("paused", msg,
          who + ": " + msg + "; uploads are paused (nothing is lost) and the token is "
                "re-checked every " + HumanDuration(interval_) + " (no restart needed)");
    return Steady::now() + interval_;
  }
  ++failures_;
  const Millis delay = RetryDelay(interval_, failures_, env_.max_backoff);
  Enter(st.code() == Status::Code::kUnavailable ? "unreachable" : "error", msg,
        who + ": " + msg + "; retrying in " + HumanDuration(delay));
  return Steady::now() + delay;
}

SteadyTime SinkWorker::Deliver() {
  const std::string who = "sink " + name_;
  qatrack::DeliveryReport total;
  Status failed;
  // Small batches (DaemonOptions::sink_batch_limit) so a stop request waits
  // for one batch at most; loop while batches make progress.
  for (int i = 0; i < kMaxBatchesPerPass && !stopping(); ++i) {
    auto r = sink_->DeliverOnce(env_.clock());
    if (!r.ok()) {
      failed = r.status();
      break;
    }
    total.attempted += r->attempted;
    total.delivered += r->delivered;
    total.already_stored += r->already_stored;
    total.autoskipped += r->autoskipped;
    total.dead_lettered += r->dead_lettered;
    total.paused = r->paused;
    if (r->delivered > 0) {  // per batch: a long backlog shows progress
      log().info("{}: uploaded {} session(s) to {} ({} already stored there, {} with missing "
                   "tests skipped)", who, r->delivered, url_, r->already_stored, r->autoskipped);
    }
    if (r->paused || r->attempted == 0) break;
  }
  if (!failed.ok()) {
    const std::string msg = Clean(failed.message());
    ++failures_;
    const Millis delay = RetryDelay(interval_, failures_, env_.max_backoff);
    Enter("error", msg,
          who + ": the store failed while delivering (" + msg + "); retrying in " +
              HumanDuration(delay));
    return Steady::now() + delay;
  }
  failures_ = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    state_.delivered_last_run = total.delivered;
    state_.dead_lettered_last_run = total.dead_lettered;
  }
  std::string item_error;
  if (total.attempted > 0 && total.delivered == 0 && total.dead_lettered == 0) item_error = HeadError();
  if (total.dead_lettered > 0) {
    const std::string reason = NewestDeadLetterReason();
    log().warn("{}: the server refused {} session(s) ({}); they are set aside as dead letters and "
                 "not retried. Fix the cause in QATrack+, then run `qcflow replay --dead-letters`",
                 who, total.dead_lettered, reason);
  }
  if (total.paused) {
    connected_ = false;
    Enter("paused", "QATrack+ rejected the API token (401)",
          who + ": QATrack+ at " + url_ + " rejected the API token (401); uploads are paused "
                "(nothing is lost) and the token is re-checked every " + HumanDuration(interval_) +
                " (no restart needed)");
    return Steady::now() + interval_;
  }
  // Nothing attempted (empty, or everything waits out a backoff) tells
  // nothing new about the server: keep the state.
  if (total.attempted > 0) {
    if (total.delivered == 0 && total.dead_lettered == 0) {
      Enter("failing", item_error,
            who + ": uploads to " + url_ + " are failing (" + item_error +
                "); each session is retried with backoff, nothing is lost");
    } else {
      Enter("ok", "", who + ": delivering to " + url_ + " again");
    }
  }
  return Steady::now() + interval_;
}

void SinkWorker::Persist(SteadyTime next) {
  std::string value;
  {
    std::lock_guard<std::mutex> lock(mu_);
    state_.next_run = next == SteadyTime{} ? "" : IsoAt(env_.clock, next);
    value = EncodeSinkState(state_);
  }
  Status s = Replace(env_.store, kDaemonSinkNs, name_, std::move(value));
  if (!s.ok()) log().warn("sink {}: cannot record its state in the store: {}", name_, s.message());
}

void SinkWorker::PersistStopped() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (state_.state == "ok" || state_.state == "starting") state_.state = "stopped";
  }
  Persist(SteadyTime{});
}

}  // namespace qcflow::cli
