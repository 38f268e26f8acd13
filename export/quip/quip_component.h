// [[sink.quip]]: the routed sources' sessions written as QUIP documents, one
// per machine and day (or month), exactly once (export/archive/). Keys: dir,
// period (export/archive/archive_component.h).
#ifndef QCFLOW_EXPORT_QUIP_QUIP_COMPONENT_H_
#define QCFLOW_EXPORT_QUIP_QUIP_COMPONENT_H_

#include "process/component/component.h"

namespace qcflow::quip {

const component::ComponentKind& QuipSinkKind();

}  // namespace qcflow::quip

#endif  // QCFLOW_EXPORT_QUIP_QUIP_COMPONENT_H_
