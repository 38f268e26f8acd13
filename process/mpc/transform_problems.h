// The readable sentences the MpcTransform reports (internal to process/mpc:
// only mpc_transform.cc includes this). They name what happened and what to do;
// MPC data holds no PHI, so they may name runs, folders and sessions.
#ifndef QCFLOW_PROCESS_MPC_TRANSFORM_PROBLEMS_H_
#define QCFLOW_PROCESS_MPC_TRANSFORM_PROBLEMS_H_

#include <cstdint>
#include <optional>
#include <string>

#include "process/mpc/grouping.h"

namespace qcflow::mpc::internal {

// A derived conflict "ns/key" reported by Store::Commit.
std::string ConflictProblem(const std::string& conflict);

// A late run. `earlier`: the record of the same run folder already in the
// emitted session (its Results.csv was rewritten after upload), if any.
std::string LateProblem(const LateRun& l, std::optional<uint64_t> earlier);

}  // namespace qcflow::mpc::internal

#endif  // QCFLOW_PROCESS_MPC_TRANSFORM_PROBLEMS_H_
