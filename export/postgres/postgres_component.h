// [[sink.postgres]]: a central PostgreSQL the routed sources' sessions are
// mirrored into, exactly once in effect, from the sink's outbox. Many sites
// (one qcflow each) write into one database, kept apart by `site`. Keys and
// errors: postgres_component.cc and docs/configuration.md; the runtime part:
// postgres_worker.h; the schema and the exactly-once rule: docs/postgres.md.
#ifndef QCFLOW_EXPORT_POSTGRES_POSTGRES_COMPONENT_H_
#define QCFLOW_EXPORT_POSTGRES_POSTGRES_COMPONENT_H_

#include <chrono>
#include <string>

#include "export/postgres/postgres_sink.h"
#include "process/component/component.h"

namespace qcflow::postgres {

struct PostgresSinkSettings {
  std::chrono::milliseconds interval{30'000};  // how often pending items are tried
  PostgresSinkConfig sink;                     // sink.name is the section's name
  // Where the password came from, for messages: "password_file /etc/qcflow/pg.pw",
  // "the environment variable X (password_env)", or "" (none: e.g. peer or cert auth).
  std::string password_origin;
};

class PostgresComponent : public component::Component {
 public:
  PostgresComponent(const component::ComponentKind& kind, component::CommonOptions common,
                    PostgresSinkSettings settings);
  const PostgresSinkSettings& settings() const { return settings_; }
  // sslmode off the loopback, a password without TLS.
  void CheckConfig(component::CheckContext& ctx) const override;
  // Connects (read-only) and says the schema's version and what a migration would do.
  void Check(component::CheckContext& ctx) const override;
  Result<std::unique_ptr<component::Part>> Build(component::PartEnv& env) const override;

 private:
  PostgresSinkSettings settings_;
};

const component::ComponentKind& PostgresSinkKind();

}  // namespace qcflow::postgres

#endif  // QCFLOW_EXPORT_POSTGRES_POSTGRES_COMPONENT_H_
