// The small wording helpers every component's messages share, so a count, a
// name or a size reads the same in validate, status and the log.
#ifndef QCFLOW_PROCESS_COMPONENT_WORDING_H_
#define QCFLOW_PROCESS_COMPONENT_WORDING_H_

#include <cstdint>
#include <string>
#include <vector>

namespace qcflow::component {

// "1 run folder", "3 run folders".
std::string Plural(size_t n, const std::string& one, const std::string& many);
// "'name'".
std::string Quote(const std::string& s);
// "1.2 MiB".
std::string HumanBytes(uint64_t bytes);
// "a, b, c".
std::string JoinNames(const std::vector<std::string>& names);
// The user this process runs as (messages about permissions name it).
std::string ServiceUserName();

}  // namespace qcflow::component

#endif  // QCFLOW_PROCESS_COMPONENT_WORDING_H_
