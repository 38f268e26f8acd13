// [[source.icom]]: one Elekta linac's iCom stream. Every linac of the config
// shares one capture group (one io_context, one journal writer) and one
// transform turning messages into deliveries (process/icom), so the kind
// builds one part for all of them (icom_worker.h). Keys and errors:
// icom_component.cc and docs/configuration.md; validate: icom_checks.cc.
#ifndef QCFLOW_INGEST_ICOM_ICOM_COMPONENT_H_
#define QCFLOW_INGEST_ICOM_ICOM_COMPONENT_H_

#include <chrono>
#include <string>

#include "ingest/icom/capture.h"
#include "process/component/component.h"

namespace qcflow::icom {

struct IcomSourceSettings {
  std::string name;               // the linac's name: journal source_id
  IcomCaptureConfig capture;      // capture.linac = name; host, port, zone, timeouts, queue
  // How often the daemon turns new messages into deliveries.
  std::chrono::milliseconds deliveries_interval{5000};
};

class IcomComponent : public component::Component {
 public:
  IcomComponent(const component::ComponentKind& kind, component::CommonOptions common,
                IcomSourceSettings settings);
  const IcomSourceSettings& settings() const { return settings_; }
  void Check(component::CheckContext& ctx) const override;  // icom_checks.cc

 private:
  IcomSourceSettings settings_;
};

const component::ComponentKind& IcomSourceKind();

}  // namespace qcflow::icom

#endif  // QCFLOW_INGEST_ICOM_ICOM_COMPONENT_H_
