#include "export/postgres/postgres_worker.h"

#include <spdlog/spdlog.h>

#include "process/component/metric_families.h"

namespace qcflow::postgres {
namespace {

using Steady = std::chrono::steady_clock;
using component::HumanDuration;
using component::Millis;
using component::RetryDelay;
using component::SteadyTime;

}  // namespace

PostgresWorker::PostgresWorker(const PostgresSinkSettings& settings, component::PartEnv env,
                               std::unique_ptr<PostgresSink> sink)
    : OutboxSinkWorker(settings.sink.name, "postgres", settings.interval, std::move(env)),
      where_("PostgreSQL (" + settings.sink.conninfo + ", schema " + settings.sink.schema + ", site " +
             settings.sink.site + ")"),
      sink_(std::move(sink)) {}

PostgresWorker::~PostgresWorker() {
  Stop();
  Join();
}

void PostgresWorker::Loop() {
  SteadyTime next = Steady::now();
  while (WaitUntil(next, /*kickable=*/sink_->connected())) {
    MarkRun();
    next = Pass();
    Persist(next);
  }
  sink_->Disconnect();
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
      // Not StoreFailed: this sink's lines say "mirroring" and that nothing is lost.
      return Failed("error", "the store failed while mirroring (" + r.status().message() + ")");
    }
    total.Add(*r);
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
  RecordRound(total.inserted + total.updated, total.dead_lettered);
  mirrored_ += total.inserted + total.updated;
  Enter("ok", "", "sink " + name_ + ": mirroring to " + where_ + " again");
  return Steady::now() + interval_;
}

void PostgresWorker::AddMetrics(const std::vector<SourceCount>& counts, MicrosUtc now,
                                component::MetricFamilies* m) const {
  OutboxSinkWorker::AddMetrics(counts, now, m);
  const std::string label = component::PromLabelPair("sink", name_);
  auto sample = [&](const char* family, const char* type, const char* help, double value) {
    m->Family(family, type, help);
    m->Sample(family, label, value);
  };
  // Lag, as the common qcflow_sink_oldest_pending_age_seconds (kept under its
  // first name for dashboards built on it): from the outbox's counters.
  MicrosUtc oldest = 0;
  auto c = env_.store->outbox().Counters(name_, now);
  if (c.ok() && c->oldest_pending > 0 && c->oldest_pending < now) oldest = now - c->oldest_pending;
  sample("qcflow_postgres_oldest_pending_age_seconds", "gauge",
         "Age of the oldest session not yet mirrored (0: none pending).", double(oldest) / kMicrosPerSecond);
  sample("qcflow_postgres_mirrored_total", "counter",
         "Sessions inserted or changed in PostgreSQL since the daemon started.", double(mirrored_.load()));
}

}  // namespace qcflow::postgres
