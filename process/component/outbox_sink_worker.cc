#include "process/component/outbox_sink_worker.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "process/component/component_log.h"
#include "process/component/metric_families.h"
#include "store/outbox.h"

namespace qcflow::component {

OutboxSinkWorker::OutboxSinkWorker(std::string name, std::string kind, Millis interval, PartEnv env)
    : name_(std::move(name)), interval_(std::max(interval, kMinInterval)), env_(std::move(env)) {
  state_.name = name_;
  state_.kind = std::move(kind);
  SetLogger(ComponentLogger(name_, env_.log_levels));
}

SinkState OutboxSinkWorker::State() const {
  std::lock_guard<std::mutex> lock(mu_);
  return state_;
}

std::string OutboxSinkWorker::HeadError() const {
  auto head = env_.store->outbox().List(name_, 1, /*include_dead=*/false);
  return head.ok() && !head->empty() ? Clean(head->front().last_error) : "";
}

std::string OutboxSinkWorker::NewestDeadLetterReason() const {
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

void OutboxSinkWorker::Enter(const std::string& state, const std::string& detail,
                             const std::string& line) {
  // Keyed on the state alone: messages carry timings ("after 2003 ms").
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

SteadyTime OutboxSinkWorker::StoreFailed(const Status& failed) {
  const std::string msg = Clean(failed.message());
  ++failures_;
  const Millis delay = RetryDelay(interval_, failures_, env_.max_backoff);
  Enter("error", msg,
        "sink " + name_ + ": the store failed while delivering (" + msg + "); retrying in " +
            HumanDuration(delay));
  return std::chrono::steady_clock::now() + delay;
}

void OutboxSinkWorker::MarkRun() {
  std::lock_guard<std::mutex> lock(mu_);
  state_.last_run = IsoOrEmpty(env_.clock());
}

void OutboxSinkWorker::RecordRound(uint64_t delivered, uint64_t dead_lettered) {
  std::lock_guard<std::mutex> lock(mu_);
  state_.delivered_last_run = delivered;
  state_.dead_lettered_last_run = dead_lettered;
}

void OutboxSinkWorker::Persist(SteadyTime next) {
  std::string value;
  {
    std::lock_guard<std::mutex> lock(mu_);
    state_.next_run = next == SteadyTime{} ? "" : IsoAt(env_.clock, next);
    value = EncodeSinkState(state_);
  }
  Status s = ReplaceState(env_.store, kDaemonSinkNs, name_, std::move(value));
  if (!s.ok()) log().warn("sink {}: cannot record its state in the store: {}", name_, s.message());
}

void OutboxSinkWorker::PersistStopped() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (state_.state == "ok" || state_.state == "starting") state_.state = "stopped";
  }
  Persist(SteadyTime{});
}

bool OutboxSinkWorker::Idle(MicrosUtc now) const {
  auto c = env_.store->outbox().Counters(name_, now);
  return c.ok() && c->pending == 0;  // due, or waiting out a retry delay
}

void OutboxSinkWorker::Unfinished(MicrosUtc now, std::vector<std::string>* left) const {
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
    const DeadLetterWording w = DeadLetters();
    left->push_back(who + std::to_string(c->dead_letters) + " dead letter(s), " + w.refused_by +
                    (why.empty() ? "" : " (" + why + ")") + "; " + w.fix);
  }
}

void OutboxSinkWorker::AddMetrics(const std::vector<SourceCount>&, MicrosUtc now,
                                  MetricFamilies* m) const {
  auto counters = env_.store->outbox().Counters(name_, now);
  const SinkCounters c = counters.ok() ? *counters : SinkCounters{};
  bool up, paused;
  {
    std::lock_guard<std::mutex> lock(mu_);
    up = up_;
    paused = paused_;
  }
  const std::string label = PromLabelPair("sink", name_);
  auto sample = [&](const char* family, const char* type, const char* help, double value) {
    m->Family(family, type, help);
    m->Sample(family, label, value);
  };
  sample("qcflow_sink_pending", "gauge", "Queued items, dead letters excluded.", double(c.pending));
  sample("qcflow_sink_in_backoff", "gauge", "Pending items waiting out a retry delay.", double(c.in_backoff));
  sample("qcflow_sink_oldest_pending_age_seconds", "gauge",
         "How long the longest-waiting pending item has been queued (0: none pending).",
         c.oldest_pending > 0 && c.oldest_pending < now ? double(now - c.oldest_pending) / kMicrosPerSecond : 0.0);
  sample("qcflow_sink_dead_letters", "gauge", "Items the sink refused; need a person.",
         double(c.dead_letters));
  sample("qcflow_sink_delivered_total", "counter", "Items delivered, ever.", double(c.delivered));
  sample("qcflow_sink_last_success_timestamp_seconds", "gauge", "Time of the latest delivery (0: never).",
         double(c.last_success) / kMicrosPerSecond);
  sample("qcflow_sink_paused", "gauge", "1 while the server rejects the token.", double(paused));
  sample("qcflow_sink_up", "gauge", "1 when the destination is reachable and deliveries succeed.",
         double(up));
}

}  // namespace qcflow::component
