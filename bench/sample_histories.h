// Synthetic QA histories for the sink benchmarks (archive_bench, postgres_bench):
// sessions built the way the transforms build them, with times spread over days.
#ifndef QCFLOW_BENCH_SAMPLE_HISTORIES_H_
#define QCFLOW_BENCH_SAMPLE_HISTORIES_H_

#include <vector>

#include "process/common/qc_session.h"

namespace qcflow::bench {

// `count` MPC sessions (process/common's sample MPC session, one machine),
// `per_day` a day a minute apart, values varied so no two sessions are equal;
// unit and test list named as a sink would resolve them.
std::vector<QcSession> MpcHistory(int count, int per_day);

// `count` closed iCom deliveries of linac `linac` (200 per day at most is
// realistic), 2 minutes apart from 07:00 UTC, as DeliverySession makes them:
// MU, gantry and collimator range, segments, zone Europe/Berlin.
std::vector<QcSession> DeliveryHistory(int count, int per_day, const std::string& linac = "LA1");

}  // namespace qcflow::bench

#endif  // QCFLOW_BENCH_SAMPLE_HISTORIES_H_
