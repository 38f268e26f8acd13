// Trends: one test's values on one machine over time, read from every stored
// session whatever its kind (through session_index.h), so the console's trend
// page and GET /api/v1/trends name no kind. A series is (machine, test key);
// a machine is its serial where the source has one, else its name.
#ifndef QCFLOW_PROCESS_COMMON_TREND_H_
#define QCFLOW_PROCESS_COMMON_TREND_H_

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "store/status.h"
#include "store/time_util.h"

namespace qcflow {

class Derived;
struct QcSession;

// Serial if non-empty, else name: how trends and the console name a machine.
std::string TrendMachine(const QcSession& session);

struct TrendQuery {
  std::string machine;  // REQUIRES: non-empty; matches the serial or the name
  std::string test;     // REQUIRES: non-empty; a test key (MPC macro, DQA3 measure)
  MicrosUtc from = 0;   // sessions whose work started in [from, until)
  MicrosUtc until = std::numeric_limits<MicrosUtc>::max();
};

struct TrendPoint {
  MicrosUtc at = 0;                   // the session's work_started
  std::string zone;                   // the source's zone ("" = UTC)
  double value = 0;
  std::optional<double> reference;    // the source's baseline, where it has one
  std::optional<double> tolerance;    // allowed |deviation| (MPC threshold)
  std::string evaluation;             // "Pass", "Fail", ... or ""
  std::string session;                // the session's user_key
  bool amendment = false;
};

struct TrendSeries {
  std::string machine, test;
  std::string name, unit;  // of the latest point that names them
  std::vector<TrendPoint> points;  // in time order, then by session key
};

// Only numeric, non-skipped values are points: a text, a file or a skipped
// test has no place on a chart. No matching session is an empty series, not
// an error; a session that does not decode is a Corruption naming it.
Result<TrendSeries> ReadTrend(Derived& derived, const TrendQuery& query);

// What series exist, for a picker: one entry per (machine, test) with a
// numeric value, in (machine, test) order.
struct TrendSeriesInfo {
  std::string machine, test, name, unit, source_kind;
  uint64_t points = 0;
  MicrosUtc first = 0, last = 0;
};
Result<std::vector<TrendSeriesInfo>> ListTrendSeries(Derived& derived);

}  // namespace qcflow

#endif  // QCFLOW_PROCESS_COMMON_TREND_H_
