#include "process/component/component_log.h"

#include <spdlog/spdlog.h>

namespace qcflow::component {

std::shared_ptr<spdlog::logger> ComponentLogger(const std::string& name,
                                                const std::map<std::string, std::string>& levels) {
  std::shared_ptr<spdlog::logger> logger = spdlog::default_logger()->clone(name);
  // The sinks pass everything; the logger's level is the filter.
  if (auto l = levels.find(name); l != levels.end()) logger->set_level(spdlog::level::from_str(l->second));
  return logger;
}

}  // namespace qcflow::component
