// [[source.mpc]]: a Varian MPC TDS share, polled every `interval`, its run
// folders journaled by the TDS scanner and grouped into sessions by the MPC
// transform (process/mpc). Keys, defaults and errors: mpc_component.cc and
// docs/configuration.md; validate's checks: mpc_checks.cc; the runtime part:
// mpc_worker.h.
#ifndef QCFLOW_INGEST_MPC_MPC_COMPONENT_H_
#define QCFLOW_INGEST_MPC_MPC_COMPONENT_H_

#include <chrono>
#include <optional>
#include <string>

#include "ingest/mpc/tds_scanner.h"
#include "process/component/component.h"
#include "process/mpc/mpc_transform.h"

namespace qcflow::mpc {

struct MpcSourceConfig {
  std::string name;
  std::chrono::milliseconds interval{300'000};  // "200ms" is valid (tests)
  // How far before the source's first start `qcflow run` reaches (QCPump's
  // "days of history"); nullopt = "all". Older runs: `qcflow backfill`.
  std::optional<std::chrono::milliseconds> history = std::chrono::hours(24);
  TdsScanConfig scan;            // root, zone, fast search, settle
  MpcTransformConfig transform;  // grouping, session options, sinks (from routes)
};

class MpcComponent : public component::Component {
 public:
  MpcComponent(const component::ComponentKind& kind, component::CommonOptions common,
               MpcSourceConfig config);
  // With the routes' sinks in transform.sinks.
  const MpcSourceConfig& config() const { return config_; }
  void AddSink(const std::string& sink) override;
  std::optional<component::SessionSource> Sessions() const override;
  void Check(component::CheckContext& ctx) const override;  // mpc_checks.cc
  Result<std::unique_ptr<component::Part>> Build(component::PartEnv& env) const override;

 private:
  MpcSourceConfig config_;
};

const component::ComponentKind& MpcSourceKind();

}  // namespace qcflow::mpc

#endif  // QCFLOW_INGEST_MPC_MPC_COMPONENT_H_
