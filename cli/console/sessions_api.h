// GET /api/v1/sessions: the QA sessions qcflow built, of every kind (MPC,
// DQA3, ...), in the shared session model (cli/model/json_model.h, uploaded
// files' contents left out). Internal to cli/console/.
#ifndef QCFLOW_CLI_CONSOLE_SESSIONS_API_H_
#define QCFLOW_CLI_CONSOLE_SESSIONS_API_H_

#include "cli/console/console_api.h"

namespace qcflow::console {

// ?source=, kind=, serial= (the machine's serial, else its name), since=,
// until= (work started in [since, until)), limit=, offset=. In time order;
// selected as `qcflow query sessions` selects (process/common/session_select.h).
HttpAnswer Sessions(const ConsoleBackend& backend, const ParsedTarget& t);

}  // namespace qcflow::console

#endif  // QCFLOW_CLI_CONSOLE_SESSIONS_API_H_
