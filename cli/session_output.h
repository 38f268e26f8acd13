// The printing of `qcflow query sessions`, shared by the local store's answer
// and the central PostgreSQL's (query_postgres_command.cc), so both read alike:
// JSON is {"v", "zone", "items"} with each session as the read API shows it
// (cli/model/json_model.h), table and CSV one row per session (its machine: the
// serial, else the name). From the central database every row also names its site.
#ifndef QCFLOW_CLI_SESSION_OUTPUT_H_
#define QCFLOW_CLI_SESSION_OUTPUT_H_

#include <iosfwd>
#include <string>
#include <vector>

#include "cli/output.h"
#include "process/common/qc_session.h"

namespace qcflow::cli {

// Prints `sessions` in `format`, times in `zone`. `sites`: empty (the local
// store), else one site per session (a "site" field / first column).
// Says "No sessions match." on stderr for an empty table.
// REQUIRES: sites.empty() || sites.size() == sessions.size().
void PrintSessions(const std::vector<QcSession>& sessions, const std::vector<std::string>& sites,
                   Format format, const std::string& zone, std::ostream& out);

}  // namespace qcflow::cli

#endif  // QCFLOW_CLI_SESSION_OUTPUT_H_
