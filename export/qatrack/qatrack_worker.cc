#include "export/qatrack/qatrack_worker.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "export/qatrack/http_client.h"
#include "process/component/component_log.h"
#include "process/component/metric_families.h"
#include "store/outbox.h"

namespace qcflow::qatrack {
namespace {

using Steady = std::chrono::steady_clock;
using component::HumanDuration;
using component::IsoAt;
using component::IsoOrEmpty;
using component::kMinInterval;
using component::Millis;
using component::RetryDelay;
using component::SteadyTime;
constexpr int kMaxBatchesPerPass = 1000;  // DeliverOnce calls per sink pass

}  // namespace

std::string QatrackWorker::Clean(std::string msg) const {
  // The sink's messages name its URL as configured; credentials in it stay out.
  if (raw_url_ == url_ || raw_url_.empty()) return msg;
  for (size_t at = msg.find(raw_url_); at != std::string::npos; at = msg.find(raw_url_, at)) {
    msg.replace(at, raw_url_.size(), url_);
    at += url_.size();
  }
  return msg;
}

QatrackWorker::QatrackWorker(const QatrackSinkSettings& config, component::PartEnv env,
                             std::unique_ptr<QatrackSink> sink)
    : name_(config.sink.name),
      url_(SafeUrl(config.sink.api_url)),
      raw_url_(config.sink.api_url),
      interval_(std::max(config.interval, kMinInterval)),
      env_(std::move(env)),
      sink_(std::move(sink)) {
  state_.name = name_;
  SetLogger(component::ComponentLogger(name_, env_.log_levels));
}

QatrackWorker::~QatrackWorker() {
  Stop();
  Join();
}

component::SinkState QatrackWorker::State() const {
  std::lock_guard<std::mutex> lock(mu_);
  return state_;
}

std::string QatrackWorker::HeadError() const {
  auto head = env_.store->outbox().List(name_, 1, /*include_dead=*/false);
  return head.ok() && !head->empty() ? Clean(head->front().last_error) : "";
}

std::string QatrackWorker::NewestDeadLetterReason() const {
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

void QatrackWorker::Loop() {
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

void QatrackWorker::Enter(const std::string& state, const std::string& detail, const std::string& line) {
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
  state_.paused = paused_ = state == "paused";
  up_ = state == "ok";
  if (state == "ok") state_.last_ok = IsoOrEmpty(env_.clock());  // now: a pass may take many batches
}

SteadyTime QatrackWorker::Connect() {
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

SteadyTime QatrackWorker::Deliver() {
  const std::string who = "sink " + name_;
  DeliveryReport total;
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

void QatrackWorker::Persist(SteadyTime next) {
  std::string value;
  {
    std::lock_guard<std::mutex> lock(mu_);
    state_.next_run = next == SteadyTime{} ? "" : IsoAt(env_.clock, next);
    value = component::EncodeSinkState(state_);
  }
  Status s = component::ReplaceState(env_.store, component::kDaemonSinkNs, name_, std::move(value));
  if (!s.ok()) log().warn("sink {}: cannot record its state in the store: {}", name_, s.message());
}

void QatrackWorker::PersistStopped() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (state_.state == "ok" || state_.state == "starting") state_.state = "stopped";
  }
  Persist(SteadyTime{});
}

bool QatrackWorker::Idle(MicrosUtc now) const {
  auto c = env_.store->outbox().Counters(name_, now);
  return c.ok() && c->pending == 0;  // due, or waiting out a retry delay
}

void QatrackWorker::Unfinished(MicrosUtc now, std::vector<std::string>* left) const {
  const std::string who = "sink " + name_ + ": ";
  auto c = env_.store->outbox().Counters(name_, now);
  if (!c.ok()) {
    left->push_back(who + "its outbox cannot be read (" + c.status().message() + ")");
    return;
  }
  if (c->pending > 0) {
    std::string why = State().last_error;
    if (why.empty()) why = HeadError();
    left->push_back(who + std::to_string(c->pending) + " session(s) not delivered (" +
                    std::to_string(c->in_backoff) + " waiting out a retry delay)" +
                    (why.empty() ? "" : ": " + why) + "; they stay queued for the next run");
  }
  if (c->dead_letters > 0) {
    const std::string why = NewestDeadLetterReason();
    left->push_back(who + std::to_string(c->dead_letters) + " dead letter(s), refused by the server" +
                    (why.empty() ? "" : " (" + why + ")") +
                    "; fix the cause in QATrack+, then run qcflow replay --dead-letters");
  }
}

void QatrackWorker::AddMetrics(const std::vector<SourceCount>&, MicrosUtc now,
                               component::MetricFamilies* m) const {
  auto counters = env_.store->outbox().Counters(name_, now);
  const SinkCounters c = counters.ok() ? *counters : SinkCounters{};
  bool up, paused;
  {
    std::lock_guard<std::mutex> lock(mu_);
    up = up_;
    paused = paused_;
  }
  const std::string label = component::PromLabelPair("sink", name_);
  auto sample = [&](const char* family, const char* type, const char* help, double value) {
    m->Family(family, type, help);
    m->Sample(family, label, value);
  };
  sample("qcflow_sink_pending", "gauge", "Queued items, dead letters excluded.", double(c.pending));
  sample("qcflow_sink_in_backoff", "gauge", "Pending items waiting out a retry delay.", double(c.in_backoff));
  sample("qcflow_sink_dead_letters", "gauge", "Items the server refused; need a person.",
         double(c.dead_letters));
  sample("qcflow_sink_delivered_total", "counter", "Items delivered, ever.", double(c.delivered));
  sample("qcflow_sink_last_success_timestamp_seconds", "gauge", "Time of the latest delivery (0: never).",
         double(c.last_success) / kMicrosPerSecond);
  sample("qcflow_sink_paused", "gauge", "1 while the server rejects the token.", double(paused));
  sample("qcflow_sink_up", "gauge", "1 when the server is reachable and deliveries succeed.", double(up));
}

}  // namespace qcflow::qatrack
