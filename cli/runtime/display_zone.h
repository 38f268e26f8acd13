// The display zone: the one zone every command, the read API and the console
// show instants in (RFC 3339 with its offset, store/time_util.h FormatRfc3339).
// A Berlin clinic sees Berlin time everywhere; the stored instants stay UTC.
#ifndef QCFLOW_CLI_RUNTIME_DISPLAY_ZONE_H_
#define QCFLOW_CLI_RUNTIME_DISPLAY_ZONE_H_

#include <string>
#include <string_view>

#include "store/status.h"

namespace qcflow::config {

struct Config;

// The first of, in this order (a flag beats the environment beats the file):
//   1. `flag` (a command's --tz), when not "";
//   2. $TZ, when set to a zone this machine knows;
//   3. `config`'s [display] zone;
//   4. the zone of `config`'s first source that writes one;
//   5. the machine's zone (/etc/timezone, /etc/localtime), else "UTC".
// `config` may be nullptr (commands that read only a store).
// InvalidArgument, saying what to write, when `flag` is not a known zone.
Result<std::string> ResolveDisplayZone(std::string_view flag, const Config* config);

// Steps 3 and 4 alone: the zone `config` names for the clinic ("" if none).
// `qcflow run` records it in the store, so a command that reads only the store
// shows the same zone (cli/command.h ResolveShownZone).
std::string ConfiguredZone(const Config& config);

// The same order with steps 3 and 4 given as `configured` ("" for none): a
// command that knows the configured zone from the store rather than the file.
Result<std::string> ResolveDisplayZone(std::string_view flag, std::string_view configured);

}  // namespace qcflow::config

#endif  // QCFLOW_CLI_RUNTIME_DISPLAY_ZONE_H_
