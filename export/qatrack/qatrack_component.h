// [[sink.qatrack]]: a QATrack+ (or RadMachine) server the routed sources'
// sessions are uploaded to, exactly once, from the sink's outbox. Keys and
// errors: qatrack_component.cc and docs/configuration.md; validate's checks
// (token, upload permission, units, test lists, macros): qatrack_checks.cc;
// the runtime part: qatrack_worker.h.
#ifndef QCFLOW_EXPORT_QATRACK_QATRACK_COMPONENT_H_
#define QCFLOW_EXPORT_QATRACK_QATRACK_COMPONENT_H_

#include <chrono>
#include <string>

#include "export/qatrack/qatrack_sink.h"
#include "process/component/component.h"

namespace qcflow::qatrack {

struct QatrackSinkSettings {
  std::chrono::milliseconds interval{30'000};  // how often pending uploads are tried
  QatrackSinkConfig sink;                      // sink.name is the section's name
  // Where the token came from, for messages: "token_file /etc/qcflow/qatrack.token",
  // "the environment variable X (token_env)" or "token in qcflow.toml".
  std::string token_origin;
};

class QatrackComponent : public component::Component {
 public:
  QatrackComponent(const component::ComponentKind& kind, component::CommonOptions common,
                   QatrackSinkSettings settings);
  const QatrackSinkSettings& settings() const { return settings_; }
  // verify_ssl off, plain http off loopback, comments that stop auto-review.
  void CheckConfig(component::CheckContext& ctx) const override;
  // Sources without a test list mapping (iCom deliveries) have nothing to upload.
  std::string RouteRefusalFrom(const component::Component& source) const override;
  void Check(component::CheckContext& ctx) const override;  // qatrack_checks.cc
  Result<std::unique_ptr<component::Part>> Build(component::PartEnv& env) const override;

 private:
  QatrackSinkSettings settings_;
};

const component::ComponentKind& QatrackSinkKind();

}  // namespace qcflow::qatrack

#endif  // QCFLOW_EXPORT_QATRACK_QATRACK_COMPONENT_H_
