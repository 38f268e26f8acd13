// [[source.dqa3]]: a Sun Nuclear Daily QA3 database polled every `interval`
// (Firebird, ODBC or SQLite), its rows journaled and turned into sessions by
// the DQA3 transform (process/dqa3). Keys and errors: dqa3_component.cc and
// docs/configuration.md; validate's checks: dqa3_checks.cc; the runtime part
// and its status table: dqa3_worker.h.
#ifndef QCFLOW_INGEST_DQA3_DQA3_COMPONENT_H_
#define QCFLOW_INGEST_DQA3_DQA3_COMPONENT_H_

#include <chrono>
#include <string>

#include "ingest/dqa3/dqa3_source.h"
#include "process/component/component.h"
#include "process/dqa3/dqa3_transform.h"

namespace qcflow::dqa3 {

struct Dqa3SourceSettings {
  std::string name;
  std::chrono::milliseconds interval{300'000};
  Dqa3SourceConfig source;        // source.name = name; connection, zone, history, filters
  Dqa3TransformConfig transform;  // mode, template, units, window; sinks from routes
};

class Dqa3Component : public component::Component {
 public:
  Dqa3Component(const component::ComponentKind& kind, component::CommonOptions common,
                Dqa3SourceSettings settings);
  const Dqa3SourceSettings& settings() const { return settings_; }
  void AddSink(const std::string& sink) override;
  std::optional<component::SessionSource> Sessions() const override;
  void Check(component::CheckContext& ctx) const override;  // dqa3_checks.cc
  Result<std::unique_ptr<component::Part>> Build(component::PartEnv& env) const override;

 private:
  Dqa3SourceSettings settings_;
};

const component::ComponentKind& Dqa3SourceKind();

}  // namespace qcflow::dqa3

#endif  // QCFLOW_INGEST_DQA3_DQA3_COMPONENT_H_
