// GET /api/v1/deliveries: what one iCom linac delivered (process/icom's
// stored deliveries), for the console's iCom page. Internal to cli/console/.
//
// Patient identity is protected health information: the Patient ID is
// masked to its last three characters and the name left out
// (cli/model/json_model.h), unless
// [console] show_patient_names is true. A patient filter takes the real ID.
#ifndef QCFLOW_CLI_CONSOLE_DELIVERIES_API_H_
#define QCFLOW_CLI_CONSOLE_DELIVERIES_API_H_

#include <string>

#include "cli/console/console_api.h"

namespace qcflow::console {

// ?linac= (required), patient=, field=, since=, until=, limit=, offset=.
HttpAnswer Deliveries(const ConsoleBackend& backend, const ParsedTarget& t);

}  // namespace qcflow::console

#endif  // QCFLOW_CLI_CONSOLE_DELIVERIES_API_H_
