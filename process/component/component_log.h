// The logger of one component ([[source.*]], [[sink.*]]).
#ifndef QCFLOW_PROCESS_COMPONENT_COMPONENT_LOG_H_
#define QCFLOW_PROCESS_COMPONENT_COMPONENT_LOG_H_

#include <map>
#include <memory>
#include <string>

namespace spdlog {
class logger;
}  // namespace spdlog

namespace qcflow::component {

// The default logger's sinks and format under the component's name, at its
// own `log_level` when `levels` names it (else the default logger's level).
// Call after the runtime set up logging (cli/runtime/logging.h).
std::shared_ptr<spdlog::logger> ComponentLogger(const std::string& name,
                                                const std::map<std::string, std::string>& levels);

}  // namespace qcflow::component

#endif  // QCFLOW_PROCESS_COMPONENT_COMPONENT_LOG_H_
