// What every qcflow command shares: global options, opening the store, and
// turning a Status into a message and an exit code.
//
// Each command lives in its own *_command.cc and registers itself on the
// CLI11 app through a Register*Command function declared here. CLI11 stays out
// of this header (forward declared) to keep it cheap to include.
#ifndef QCFLOW_CLI_COMMAND_H_
#define QCFLOW_CLI_COMMAND_H_

#include <functional>
#include <limits>
#include <memory>
#include <string>

#include "store/status.h"
#include "store/store.h"
#include "store/time_util.h"

namespace CLI {
class App;
}

namespace qcflow::cli {

// Exit codes: 0 success, 1 the work failed, 2 usage or configuration error,
// 3 partly done (some items failed; see output).
enum ExitCode { kExitOk = 0, kExitFailed = 1, kExitUsage = 2, kExitPartial = 3 };

struct GlobalOptions {
  std::string store_dir;  // --store; default: $QCFLOW_STORE or ./qcflow-store
};

// The store directory the user asked for, or the default.
std::string ResolveStoreDir(const GlobalOptions& global);

// Opens the store; read-only commands may run next to a running daemon.
Result<std::unique_ptr<Store>> OpenStore(const GlobalOptions& global, bool read_only);

// --since/--until as an instant range [from, until); empty flags leave the
// range open. Times without "Z" are read in `zone`; errors name the flag.
struct TimeRange {
  MicrosUtc from = std::numeric_limits<MicrosUtc>::min();
  MicrosUtc until = std::numeric_limits<MicrosUtc>::max();
};
Result<TimeRange> ParseTimeRange(const std::string& since, const std::string& until,
                                 const std::string& zone);

// `--tz ZONE` on a command that reads --since/--until (or `reads`; "" for
// none) and shows instants. *zone stays "" unless the flag is given;
// ResolveShownZone then decides.
void AddZoneOption(CLI::App& cmd, std::string* zone, const std::string& reads = "--since/--until");

// The zone a command shows and reads times in, into *zone: its --tz (*zone,
// checked) when given, else $TZ, else the zone `qcflow run` recorded in
// `store` from its config ([display] zone, else its first source's), else
// this machine's. So a Berlin clinic's `qcflow status` on a UTC server shows
// Berlin time, as its console does. `store` may be nullptr (the central
// database). InvalidArgument for an unknown --tz.
Status ResolveShownZone(Store* store, std::string* zone);

// Prints "qcflow: <message>" to stderr and returns the exit code for `status`.
int ReportError(const Status& status);
// ReportError for a backfill's failure; when the store refused a write (disk
// full, EIO) it also says what to do, and the exit code is 1.
int ReportBackfillError(const Store& store, const Status& status);

// A command's body; its return value is the process exit code.
using Action = std::function<int()>;

// `--limit N` on a list command, with one help text everywhere: 0 means no
// limit (stored as SIZE_MAX, so "shown == limit" never claims a cut). `what`
// names the items ("records"); `*limit` keeps its default when not given.
void AddLimitOption(CLI::App& cmd, size_t* limit, const std::string& what);
// On stderr, when a table stopped at the limit: how to see the rest.
// `also` adds another way ("--since").
void HintLimit(size_t shown, size_t limit, const std::string& also = "");

// What `qcflow version` and `qcflow --version` print (ends with a newline).
std::string VersionText();

void RegisterVersionCommand(CLI::App& app, Action* action);
void RegisterStatusCommand(CLI::App& app, const GlobalOptions& global, Action* action);
void RegisterQueryCommand(CLI::App& app, const GlobalOptions& global, Action* action);
// `query deliveries` and `query icom` (query_icom_command.cc), under `query`.
void RegisterQueryIcomCommands(CLI::App& query, const GlobalOptions& global, Action* action);
// `query trf` (query_trf_command.cc), under `query`.
void RegisterQueryTrfCommand(CLI::App& query, const GlobalOptions& global, Action* action);
void RegisterBackfillCommand(CLI::App& app, const GlobalOptions& global, Action* action);
void RegisterRunCommand(CLI::App& app, const GlobalOptions& global, Action* action);
void RegisterValidateCommand(CLI::App& app, const GlobalOptions& global, Action* action);
void RegisterReplayCommand(CLI::App& app, const GlobalOptions& global, Action* action);
// `qcflow export quaac|quip|check` (export_command.cc): history as open-format documents.
void RegisterExportCommand(CLI::App& app, const GlobalOptions& global, Action* action);
void RegisterSimulateLinacCommand(CLI::App& app, Action* action);
// `qcflow trf table` (trf_command.cc): one Elekta TRF log, decoded; needs no store.
void RegisterTrfCommand(CLI::App& app, Action* action);
// `qcflow bench` (bench_command*.cc; the measuring code is bench/, qcflow_benchkit).
void RegisterBenchCommand(CLI::App& app, const GlobalOptions& global, Action* action);

}  // namespace qcflow::cli

#endif  // QCFLOW_CLI_COMMAND_H_
