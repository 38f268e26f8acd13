// [[sink.quaac]]: the routed sources' sessions written as QuAAC documents,
// one per machine and day (or month), exactly once (export/archive/). Keys:
// dir, period (export/archive/archive_component.h), user_name, user_email
// (the performer when a session names none; a QuAAC user needs an address).
#ifndef QCFLOW_EXPORT_QUAAC_QUAAC_COMPONENT_H_
#define QCFLOW_EXPORT_QUAAC_QUAAC_COMPONENT_H_

#include "process/component/component.h"

namespace qcflow::quaac {

const component::ComponentKind& QuaacSinkKind();

}  // namespace qcflow::quaac

#endif  // QCFLOW_EXPORT_QUAAC_QUAAC_COMPONENT_H_
