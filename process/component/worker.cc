#include "process/component/worker.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdio>

#include "process/component/component_log.h"
#include "process/component/metric_families.h"
#include "store/derived.h"
#include "store/journal.h"

namespace qcflow::component {
namespace {

using Steady = std::chrono::steady_clock;
constexpr size_t kMaxProblemsLogged = 10;   // per pass; the rest are counted

}  // namespace

std::string WithoutRetryNote(std::string msg) {
  const std::string note = "; will retry";
  if (msg.size() >= note.size() && msg.compare(msg.size() - note.size(), note.size(), note) == 0) {
    msg.resize(msg.size() - note.size());
  }
  return msg;
}

std::string IsoAt(const std::function<MicrosUtc()>& clock, SteadyTime at) {
  auto left = std::chrono::duration_cast<std::chrono::microseconds>(at - Steady::now()).count();
  return IsoOrEmpty(clock() + std::max<int64_t>(left, 0));
}

Status ReplaceState(Store* store, const char* ns, const std::string& key, std::string value) {
  WriteSet ws;
  ws.ReplaceDerived(ns, key, std::move(value));
  auto r = store->Commit(ws);
  return r.ok() ? Status::OK() : r.status();
}

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

PollingWorker::PollingWorker(std::string name, Kind kind, Millis interval, PartEnv env,
                             std::vector<Part*> sinks)
    : name_(std::move(name)),
      kind_(kind),
      env_(std::move(env)),
      sinks_(std::move(sinks)),
      interval_(std::max(interval, kMinInterval)) {
  state_.name = name_;
  state_.kind = KindName(kind_);
  SetLogger(ComponentLogger(name_, env_.log_levels));
}

Status PollingWorker::RestoreCounters(std::initializer_list<const char*> extra_totals) {
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
      for (const char* key : extra_totals) state_.extra.Set(key, s->extra.Number(key));
    }
  } else {
    state_.first_start = IsoOrEmpty(env_.clock());  // this is the first start
  }
  return Status::OK();
}

bool PollingWorker::Idle(MicrosUtc) const {
  std::lock_guard<std::mutex> lock(mu_);
  return idle_;
}

void PollingWorker::Unfinished(MicrosUtc, std::vector<std::string>* left) const {
  std::lock_guard<std::mutex> lock(mu_);
  if (!up_) {
    left->push_back("source " + name_ + ": " +
                    (state_.last_error.empty() ? "no pass completed"
                                               : "its latest pass failed (" + state_.last_error + ")"));
  } else if (!idle_) {
    left->push_back("source " + name_ + ": " + NotIdleWhy());
  }
}

uint64_t PollingWorker::QuarantinedTotal(const std::string& source_id) const {
  for (const SourceCount& c : env_.store->journal().Counts()) {
    if (c.kind == kind_ && c.source_id == source_id) return c.quarantined;
  }
  return 0;
}

void PollingWorker::AddMetrics(const std::vector<SourceCount>& counts, MicrosUtc,
                               MetricFamilies* m) const {
  SourceCount count{kind_, name_};
  for (const SourceCount& c : counts) {
    if (c.kind == kind_ && c.source_id == name_) count = c;
  }
  bool up;
  MicrosUtc last;
  {
    std::lock_guard<std::mutex> lock(mu_);
    up = up_;
    last = last_success_;
  }
  const std::string label = PromLabelPair("source", name_);
  m->Family("qcflow_source_records_total", "counter", "Journal records captured from the source.");
  m->Sample("qcflow_source_records_total", label, double(count.records));
  m->Family("qcflow_source_quarantined_total", "counter",
            "Captured records that could not be used (see qcflow status).");
  m->Sample("qcflow_source_quarantined_total", label, double(count.quarantined));
  m->Family("qcflow_source_last_success_timestamp_seconds", "gauge",
            "Start of the latest successful pass (0: none since qcflow started).");
  m->Sample("qcflow_source_last_success_timestamp_seconds", label, double(last) / kMicrosPerSecond);
  m->Family("qcflow_source_up", "gauge", "1 when the latest pass of the source succeeded.");
  m->Sample("qcflow_source_up", label, up);
}

SourceState PollingWorker::State() const {
  std::lock_guard<std::mutex> lock(mu_);
  return state_;
}

void PollingWorker::KickSinks() {
  for (Part* sink : sinks_) sink->Kick();
}

void PollingWorker::Loop() {
  SteadyTime next = Steady::now();
  while (WaitUntil(next, /*kickable=*/false)) {
    const SteadyTime began = Steady::now();
    {
      std::lock_guard<std::mutex> lock(mu_);
      idle_ = false;  // a pass is running
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
  Status s = ReplaceState(env_.store, kDaemonSourceNs, name_, std::move(value));
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

}  // namespace qcflow::component
