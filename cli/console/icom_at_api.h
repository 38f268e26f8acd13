// GET /api/v1/icom/at: the iCom message a linac sent nearest a moment,
// decoded, as `qcflow query icom --at --format json` shows it (the shared
// model, cli/model/json_model.h). Internal to cli/console/.
#ifndef QCFLOW_CLI_CONSOLE_ICOM_AT_API_H_
#define QCFLOW_CLI_CONSOLE_ICOM_AT_API_H_

#include "cli/console/console_api.h"

namespace qcflow::console {

// ?linac= and at= (both required), part= (P, S or R; default R).
HttpAnswer IcomAt(const ConsoleBackend& backend, const ParsedTarget& t);

}  // namespace qcflow::console

#endif  // QCFLOW_CLI_CONSOLE_ICOM_AT_API_H_
