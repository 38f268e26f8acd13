// The read API (/api/v1/...): JSON documents built from the runtime's status
// snapshots (cli/runtime/status_snapshot.h), never from CLI output. Shapes and
// examples: docs/api.md.
//
// Promises:
//   - Every document has "v": 1; errors are {"v": 1, "error": "<sentence>"}
//     with a 4xx/5xx status. Booleans are booleans, counts are numbers, a time
//     that never happened is null.
//   - Lists take limit (1..1000, default 100) and offset, and say total and
//     next_offset (null on the last page); limit=0 is an error, not "none".
//   - POST /api/v1/dead-letters/retry needs "Authorization: Bearer <token>"
//     ([console].token_file). Without a configured token, or with a wrong one:
//     403. The console sets no cookie and answers no CORS preflight, so another
//     site's page cannot make a browser send the header (CSRF-safe).
//   - Every instant is RFC 3339 in the display zone (`zone`, named in
//     /api/v1/status) with its offset: "2024-07-01T07:30:00+02:00". A source
//     clock's own text is kept beside it (deliveries' source_start/_end).
//     since/until without an offset are read in the display zone.
//   - Patient IDs are masked and names left out unless show_patient_names.
//   - The token is compared in constant time and never appears in an answer.
#ifndef QCFLOW_CLI_CONSOLE_CONSOLE_API_H_
#define QCFLOW_CLI_CONSOLE_CONSOLE_API_H_

#include <functional>
#include <string>

#include "cli/console/http_types.h"
#include "cli/runtime/log_tail.h"
#include "cli/runtime/status_snapshot.h"
#include "process/common/session_select.h"
#include "process/common/trend.h"
#include "process/icom/delivery_query.h"
#include "store/journal.h"
#include "store/status.h"

namespace qcflow::console {

// What the API reads and does; the daemon provides it (cli/run_command.cc),
// tests may provide fakes. Each function may be called from the server thread.
struct ConsoleBackend {
  std::function<Result<cli::StatusSnapshot>()> status;
  std::function<Result<cli::DeadLetterPage>(const std::string& sink, size_t offset, size_t limit)>
      dead_letters;
  // Moves dead letters of `sink` ("" = all) back to pending; how many.
  std::function<Result<size_t>(const std::string& sink)> retry;
  // Trends (process/common/trend.h): the series there are, and one series.
  std::function<Result<std::vector<TrendSeriesInfo>>()> trend_series;
  std::function<Result<TrendSeries>(const TrendQuery&)> trend;
  // An iCom linac's stored deliveries (process/icom/delivery_query.h).
  std::function<Result<std::vector<icom::Delivery>>(const icom::DeliveryQuery&)> deliveries;
  // The journal (records, icom/at's nearest message); valid while the
  // daemon runs.
  std::function<Journal*()> journal;
  // Every stored session whose work started at or after `from`
  // (process/common/session_index.h's ForEachSession), until visit says stop.
  SessionWalk sessions;
  // The recent log (cli/runtime/log_tail.h): lines of a component ("" = all)
  // at a level or above, newest first.
  std::function<std::vector<cli::LogLine>(const std::string& component, int min_level)> log_lines;
  // The display zone (cli/runtime/display_zone.h) every instant is shown in.
  std::string zone = "UTC";
  std::string token;  // "" = read-only console
  bool show_patient_names = false;
};

// Answers a request whose path starts with "/api/".
HttpAnswer HandleApi(const ConsoleBackend& backend, const HttpExchange& request);

// {"v":1,"error":message} with `status`.
HttpAnswer ErrorAnswer(int status, const std::string& message);

}  // namespace qcflow::console

#endif  // QCFLOW_CLI_CONSOLE_CONSOLE_API_H_
