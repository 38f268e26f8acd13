#include "cli/runtime/display_zone.h"

#include "cli/runtime/config.h"
#include "store/time_util.h"

namespace qcflow::config {

std::string ConfiguredZone(const Config& config) {
  return !config.display.zone.empty() ? config.display.zone : config.first_source_zone;
}

Result<std::string> ResolveDisplayZone(std::string_view flag, std::string_view configured) {
  if (!flag.empty()) {
    if (Status z = CheckZone(flag); !z.ok()) return Status::InvalidArgument("--tz: " + z.message());
    return std::string(flag);
  }
  if (std::string tz = TzVariableZone(); !tz.empty()) return tz;
  // A zone recorded by another machine's qcflow that this one lacks is skipped.
  if (!configured.empty() && CheckZone(configured).ok()) return std::string(configured);
  return SystemZone();
}

Result<std::string> ResolveDisplayZone(std::string_view flag, const Config* config) {
  return ResolveDisplayZone(flag, config != nullptr ? ConfiguredZone(*config) : "");
}

}  // namespace qcflow::config
