// GET /api/v1/records: journal records of one kind through the time index,
// as `qcflow query records --format json` shows them (cli/model/json_model.h,
// payload left out). Internal to cli/console/.
//
// The journal may hold millions of a kind (years of iCom): a page reads only
// offset + limit + 1 records, so "total" is null (not counted) and
// next_offset says whether there are more.
#ifndef QCFLOW_CLI_CONSOLE_RECORDS_API_H_
#define QCFLOW_CLI_CONSOLE_RECORDS_API_H_

#include "cli/console/console_api.h"

namespace qcflow::console {

// ?kind= (required), source=, since=, until=, limit=, offset=.
HttpAnswer Records(const ConsoleBackend& backend, const ParsedTarget& t);

}  // namespace qcflow::console

#endif  // QCFLOW_CLI_CONSOLE_RECORDS_API_H_
