// The release this build is.
#ifndef QCFLOW_CLI_VERSION_H_
#define QCFLOW_CLI_VERSION_H_

namespace qcflow::cli {
inline constexpr const char* kQcflowVersion = "0.1.0";
}

#endif  // QCFLOW_CLI_VERSION_H_
