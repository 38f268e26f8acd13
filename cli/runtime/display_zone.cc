#include "cli/runtime/display_zone.h"

#include "cli/runtime/config.h"
#include "store/time_util.h"

namespace qcflow::config {

Result<std::string> ResolveDisplayZone(std::string_view flag, const Config* config) {
  if (!flag.empty()) {
    if (Status z = CheckZone(flag); !z.ok()) return Status::InvalidArgument("--tz: " + z.message());
    return std::string(flag);
  }
  if (std::string tz = TzVariableZone(); !tz.empty()) return tz;
  if (config != nullptr && !config->display.zone.empty()) return config->display.zone;
  if (config != nullptr && !config->first_source_zone.empty()) return config->first_source_zone;
  return SystemZone();
}

}  // namespace qcflow::config
