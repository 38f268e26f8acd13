// The runtime part of a [[sink.postgres]]: connects (migrating the schema),
// then mirrors the outbox every `interval`, and at once when a routed source
// queued sessions. A database that cannot be reached, drops the connection,
// refuses a write or holds a newer schema is retried with capped exponential
// backoff (RetryDelay); the items stay pending meanwhile. The password never
// reaches a log line or `qcflow status`. State, status and the qcflow_sink_*
// metrics come from OutboxSinkWorker.
#ifndef QCFLOW_EXPORT_POSTGRES_POSTGRES_WORKER_H_
#define QCFLOW_EXPORT_POSTGRES_POSTGRES_WORKER_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "export/postgres/postgres_component.h"
#include "export/postgres/postgres_sink.h"
#include "process/component/outbox_sink_worker.h"

namespace qcflow::postgres {

class PostgresWorker : public component::OutboxSinkWorker {
 public:
  PostgresWorker(const PostgresSinkSettings& settings, component::PartEnv env,
                 std::unique_ptr<PostgresSink> sink);
  ~PostgresWorker() override;
  // The qcflow_sink_* families, plus qcflow_postgres_mirrored_total and
  // qcflow_postgres_oldest_pending_age_seconds (the lag).
  void AddMetrics(const std::vector<SourceCount>& counts, MicrosUtc now,
                  component::MetricFamilies* m) const override;

 protected:
  DeadLetterWording DeadLetters() const override {
    return {"that PostgreSQL can never hold", "see docs/postgres.md for what makes an item unwritable"};
  }

 private:
  void Loop() override;
  // One pass: connect when needed, then deliver batches; returns when to run next.
  component::SteadyTime Pass();
  // Logs and records `state` with `why`; returns when to retry (RetryDelay).
  component::SteadyTime Failed(const std::string& state, const std::string& why);

  std::string where_;  // conninfo (no password in it) and site, for messages
  std::unique_ptr<PostgresSink> sink_;
  std::atomic<uint64_t> mirrored_{0};  // sessions inserted or updated since the daemon started
};

}  // namespace qcflow::postgres

#endif  // QCFLOW_EXPORT_POSTGRES_POSTGRES_WORKER_H_
