// [[source.heartbeat]]: a test-only source kind, the worked example of
// docs/architecture.md "How to add a component". Every `interval` it makes one
// pass that records a beat and says `message` in the log. Its record kind,
// "heartbeat", is registered with the store (Store::RegisterKind), as a kind
// that journals records would.
// It exists to prove the contract: it lives only in this folder and its one
// CMake line, and the daemon, the config reader and `qcflow status` drive it
// without an edit (heartbeat_component_test.cc). Registered TEST_ONLY, so
// qcflow itself does not know it.
//
// Keys: name, interval (default 1s, 50ms..1h), message (default "beat").
#ifndef QCFLOW_TESTS_EXAMPLE_COMPONENT_HEARTBEAT_COMPONENT_H_
#define QCFLOW_TESTS_EXAMPLE_COMPONENT_HEARTBEAT_COMPONENT_H_

#include <string>

#include "process/component/component.h"

namespace qcflow::example {

struct HeartbeatSettings {
  std::string message = "beat";
};

class HeartbeatComponent : public component::Component {
 public:
  HeartbeatComponent(const component::ComponentKind& kind, component::CommonOptions common,
                     HeartbeatSettings settings)
      : Component(kind, std::move(common)), settings_(std::move(settings)) {}
  const HeartbeatSettings& settings() const { return settings_; }
  std::string RouteRefusal() const override { return "a heartbeat has nothing to send"; }
  void Check(component::CheckContext& ctx) const override;
  Result<std::unique_ptr<component::Part>> Build(component::PartEnv& env) const override;

 private:
  HeartbeatSettings settings_;
};

const component::ComponentKind& HeartbeatSourceKind();

}  // namespace qcflow::example

#endif  // QCFLOW_TESTS_EXAMPLE_COMPONENT_HEARTBEAT_COMPONENT_H_
