// Internal to ingest/dqa3/sim: the result columns of a schema's measurement table
// (DQA3_TREND, or Atlas's Dqa3Data), without alias, in PayloadColumns order.
#ifndef QCFLOW_INGEST_DQA3_SIM_SIM_COLUMNS_H_
#define QCFLOW_INGEST_DQA3_SIM_SIM_COLUMNS_H_

#include <string>
#include <vector>

namespace qcflow::dqa3::sim {

std::vector<std::string> ResultColumns(const std::string& version);

}  // namespace qcflow::dqa3::sim

#endif  // QCFLOW_INGEST_DQA3_SIM_SIM_COLUMNS_H_
