#include "export/postgres/postgres_worker.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "process/component/component_log.h"
#include "process/component/metric_families.h"
#include "store/outbox.h"

namespace qcflow::postgres {
namespace {

using Steady = std::chrono::steady_clock;
using component::HumanDuration;
using component::IsoAt;
using component::IsoOrEmpty;
using component::kMinInterval;
using component::Millis;
using component::RetryDelay;
using component::SteadyTime;
constexpr int kMaxBatchesPerPass = 1000;  // DeliverOnce calls per pass

}  // namespace

PostgresWorker::PostgresWorker(const PostgresSinkSettings& settings, component::PartEnv env,
                               std::unique_ptr<PostgresSink> sink)
    : name_(settings.sink.name),
      where_("PostgreSQL (" + settings.sink.conninfo + ", schema " + settings.sink.schema + ", site " +
             settings.sink.site + ")"),
      interval_(std::max(settings.interval, kMinInterval)),
      env_(std::move(env)),
      sink_(std::move(sink)) {
  state_.name = name_;
  state_.kind = "postgres";
  SetLogger(component::ComponentLogger(name_, env_.log_levels));
}

PostgresWorker::~PostgresWorker() {
  Stop();
  Join();
}

component::SinkState PostgresWorker::State() const {
  std::lock_guard<std::mutex> lock(mu_);
  return state_;
}

void PostgresWorker::Loop() {
  SteadyTime next = Steady::now();
  while (WaitUntil(next, /*kickable=*/sink_->connected())) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      state_.last_run = IsoOrEmpty(env_.clock());
    }
    next = Pass();
    Persist(next);
  }
  sink_->Disconnect();
}

void PostgresWorker::Enter(const std::string& state, const std::string& detail, const std::string& line) {
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
  up_ = state == "ok";
  if (state == "ok") state_.last_ok = IsoOrEmpty(env_.clock());
}

SteadyTime PostgresWorker::Failed(const std::string& state, const std::string& why) {
  ++failures_;
  const Millis delay = RetryDelay(interval_, failures_, env_.max_backoff);
  Enter(state, why, "sink " + name_ + ": " + why + "; nothing is lost (items stay queued), retrying in " +
                        HumanDuration(delay));
  return Steady::now() + delay;
}

SteadyTime PostgresWorker::Pass() {
  if (!sink_->connected()) {
    Status st = sink_->Connect();
    if (!st.ok()) return Failed(st.code() == Status::Code::kIncompatible ? "error" : "unreachable", st.message());
    failures_ = 0;
    Enter("ok", "", "sink " + name_ + ": connected to " + where_ + "; mirroring every " + HumanDuration(interval_));
  }
  PgDeliveryReport total;
  for (int i = 0; i < kMaxBatchesPerPass && !stopping(); ++i) {
    auto r = sink_->DeliverOnce(env_.clock());
    if (!r.ok()) {
      return Failed("error", "the store failed while mirroring (" + r.status().message() + ")");
    }
    total.dead_lettered += r->dead_lettered;
    total.inserted += r->inserted;
    total.updated += r->updated;
    if (!r->failure.ok()) {
      return Failed(r->failure.code() == Status::Code::kIncompatible ? "error" : "failing", r->failure.message());
    }
    if (r->inserted + r->updated > 0) {
      log().info("sink {}: mirrored {} new and {} changed session(s) to {} ({} already there)", name_, r->inserted,
                 r->updated, where_, r->unchanged);
    }
    if (r->attempted == 0) break;
  }
  failures_ = 0;
  if (total.dead_lettered > 0) {
    log().warn("sink {}: {} session(s) can never be written (see `qcflow status`); they are set aside as dead "
               "letters", name_, total.dead_lettered);
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    state_.delivered_last_run = total.inserted + total.updated;
    state_.dead_lettered_last_run = total.dead_lettered;
    mirrored_ += total.inserted + total.updated;
  }
  Enter("ok", "", "sink " + name_ + ": mirroring to " + where_ + " again");
  return Steady::now() + interval_;
}

void PostgresWorker::Persist(SteadyTime next) {
  std::string value;
  {
    std::lock_guard<std::mutex> lock(mu_);
    state_.next_run = next == SteadyTime{} ? "" : IsoAt(env_.clock, next);
    value = component::EncodeSinkState(state_);
  }
  Status s = component::ReplaceState(env_.store, component::kDaemonSinkNs, name_, std::move(value));
  if (!s.ok()) log().warn("sink {}: cannot record its state in the store: {}", name_, s.message());
}

void PostgresWorker::PersistStopped() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (state_.state == "ok" || state_.state == "starting") state_.state = "stopped";
  }
  Persist(SteadyTime{});
}

bool PostgresWorker::Idle(MicrosUtc now) const {
  auto c = env_.store->outbox().Counters(name_, now);
  return c.ok() && c->pending == 0;
}

void PostgresWorker::Unfinished(MicrosUtc now, std::vector<std::string>* left) const {
  const std::string who = "sink " + name_ + ": ";
  auto c = env_.store->outbox().Counters(name_, now);
  if (!c.ok()) {
    left->push_back(who + "its outbox cannot be read (" + c.status().message() + ")");
    return;
  }
  if (c->pending > 0) {
    const std::string why = State().last_error;
    left->push_back(who + std::to_string(c->pending) + " session(s) not mirrored to " + where_ +
                    (why.empty() ? "" : " (" + why + ")") + "; they stay queued for the next run");
  }
  if (c->dead_letters > 0) {
    left->push_back(who + std::to_string(c->dead_letters) + " dead letter(s) that can never be written" +
                    (c->last_error.empty() ? "" : " (latest error: " + c->last_error + ")"));
  }
}

void PostgresWorker::AddMetrics(const std::vector<SourceCount>&, MicrosUtc now,
                                component::MetricFamilies* m) const {
  auto counters = env_.store->outbox().Counters(name_, now);
  const SinkCounters c = counters.ok() ? *counters : SinkCounters{};
  bool up;
  uint64_t mirrored;
  {
    std::lock_guard<std::mutex> lock(mu_);
    up = up_;
    mirrored = mirrored_;
  }
  const std::string label = component::PromLabelPair("sink", name_);
  auto sample = [&](const char* family, const char* type, const char* help, double value) {
    m->Family(family, type, help);
    m->Sample(family, label, value);
  };
  sample("qcflow_sink_pending", "gauge", "Queued items, dead letters excluded.", double(c.pending));
  sample("qcflow_sink_in_backoff", "gauge", "Pending items waiting out a retry delay.", double(c.in_backoff));
  sample("qcflow_sink_dead_letters", "gauge", "Items the server refused; need a person.", double(c.dead_letters));
  sample("qcflow_sink_delivered_total", "counter", "Items delivered, ever.", double(c.delivered));
  sample("qcflow_sink_last_success_timestamp_seconds", "gauge", "Time of the latest delivery (0: never).",
         double(c.last_success) / kMicrosPerSecond);
  sample("qcflow_sink_up", "gauge", "1 when the server is reachable and deliveries succeed.", double(up));
  // Lag: how long the oldest item still waiting has been queued (0: nothing waits).
  MicrosUtc oldest = 0;
  auto head = env_.store->outbox().List(name_, 1);
  if (head.ok() && !head->empty() && head->front().enqueued_at > 0 && head->front().enqueued_at < now) {
    oldest = now - head->front().enqueued_at;
  }
  sample("qcflow_postgres_oldest_pending_age_seconds", "gauge",
         "Age of the oldest session not yet mirrored (0: none pending).", double(oldest) / kMicrosPerSecond);
  sample("qcflow_postgres_mirrored_total", "counter",
         "Sessions inserted or changed in PostgreSQL since the daemon started.", double(mirrored));
}

}  // namespace qcflow::postgres
