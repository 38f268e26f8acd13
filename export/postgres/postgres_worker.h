// The runtime part of a [[sink.postgres]]: connects (migrating the schema),
// then mirrors the outbox every `interval`, and at once when a routed source
// queued sessions. A database that cannot be reached, drops the connection,
// refuses a write or holds a newer schema is retried with capped exponential
// backoff (RetryDelay); the items stay pending meanwhile. The password never
// reaches a log line or `qcflow status`.
#ifndef QCFLOW_EXPORT_POSTGRES_POSTGRES_WORKER_H_
#define QCFLOW_EXPORT_POSTGRES_POSTGRES_WORKER_H_

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "export/postgres/postgres_component.h"
#include "export/postgres/postgres_sink.h"
#include "process/component/worker.h"

namespace qcflow::postgres {

class PostgresWorker : public component::Part {
 public:
  PostgresWorker(const PostgresSinkSettings& settings, component::PartEnv env,
                 std::unique_ptr<PostgresSink> sink);
  ~PostgresWorker() override;
  Status Init() override { return Status::OK(); }
  void PersistStopped() override;
  // Nothing pending in its outbox.
  bool Idle(MicrosUtc now) const override;
  // Pending items (with the latest error) and dead letters.
  void Unfinished(MicrosUtc now, std::vector<std::string>* left) const override;
  // The qcflow_sink_* families, plus qcflow_postgres_mirrored_total and
  // qcflow_postgres_oldest_pending_age_seconds (the lag).
  void AddMetrics(const std::vector<SourceCount>& counts, MicrosUtc now,
                  component::MetricFamilies* m) const override;
  size_t sources() const override { return 0; }
  // What the latest pass recorded (the "daemon.sink" record's content).
  component::SinkState State() const;

 private:
  void Loop() override;
  // One pass: connect when needed, then deliver batches; returns when to run next.
  component::SteadyTime Pass();
  component::SteadyTime Failed(const std::string& state, const std::string& why);
  // Logs `line` (info for "ok", else warn) when the state changed, else at debug.
  void Enter(const std::string& state, const std::string& detail, const std::string& line);
  void Persist(component::SteadyTime next);

  std::string name_;
  std::string where_;  // conninfo (no password in it) and site, for messages
  component::Millis interval_;
  component::PartEnv env_;
  std::unique_ptr<PostgresSink> sink_;
  uint32_t failures_ = 0;
  std::string logged_state_;

  mutable std::mutex mu_;  // guards the three below
  component::SinkState state_;
  bool up_ = false;
  uint64_t mirrored_ = 0;  // sessions inserted or updated since the daemon started
};

}  // namespace qcflow::postgres

#endif  // QCFLOW_EXPORT_POSTGRES_POSTGRES_WORKER_H_
