// [[source.file_mover]]: moves or copies files from one directory to another
// every `interval` (QCPump's "Simple" and "Advanced" file movers), journaling
// each transfer as a record of kind "files". It is a source in the contract's
// terms: it journals, is polled, and needs no route and no other component
// (docs/architecture.md "File mover" says why). Keys, defaults and errors:
// file_mover_component.cc and docs/configuration.md; validate's checks:
// file_mover_checks.cc; the transfer itself: mover.h; the runtime part:
// file_mover_worker.h.
#ifndef QCFLOW_INGEST_FILE_MOVER_FILE_MOVER_COMPONENT_H_
#define QCFLOW_INGEST_FILE_MOVER_FILE_MOVER_COMPONENT_H_

#include <memory>
#include <string>

#include "ingest/file_mover/mover.h"
#include "process/component/component.h"

namespace qcflow::file_mover {

class FileMoverComponent : public component::Component {
 public:
  FileMoverComponent(const component::ComponentKind& kind, component::CommonOptions common,
                     MoverSettings settings)
      : Component(kind, std::move(common)), settings_(std::move(settings)) {}
  const MoverSettings& settings() const { return settings_; }
  std::string RouteRefusal() const override {
    return "a file mover journals its transfers and sends nothing to a sink; remove the route";
  }
  void Check(component::CheckContext& ctx) const override;  // file_mover_checks.cc
  Result<std::unique_ptr<component::Part>> Build(component::PartEnv& env) const override;

 private:
  MoverSettings settings_;
};

const component::ComponentKind& FileMoverSourceKind();

}  // namespace qcflow::file_mover

#endif  // QCFLOW_INGEST_FILE_MOVER_FILE_MOVER_COMPONENT_H_
