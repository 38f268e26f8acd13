#include "process/common/trend.h"

#include <algorithm>
#include <map>
#include <tuple>
#include <utility>

#include "process/common/qc_session.h"
#include "process/common/session_index.h"

namespace qcflow {
namespace {

// A value worth a point: a number, not skipped.
bool Plottable(const TestResult& t) { return t.number.has_value() && !t.skipped; }

}  // namespace

std::string TrendMachine(const QcSession& session) {
  return session.machine.serial.empty() ? session.machine.name : session.machine.serial;
}

Result<TrendSeries> ReadTrend(Derived& derived, const TrendQuery& query) {
  TrendSeries series;
  series.machine = query.machine;
  series.test = query.test;
  MicrosUtc named_at = std::numeric_limits<MicrosUtc>::min();
  Status s = ForEachSession(derived, query.from, [&](const StoredSession& stored) {
    const QcSession& session = stored.session;
    if (session.work_started < query.from || session.work_started >= query.until) return true;
    if (session.machine.serial != query.machine && session.machine.name != query.machine) return true;
    for (const TestResult& t : session.tests) {
      if (t.key != query.test || !Plottable(t)) continue;
      series.points.push_back({session.work_started, session.zone, *t.number, t.reference,
                               t.tolerance, t.evaluation, session.user_key, session.amendment});
      if (session.work_started >= named_at && (!t.name.empty() || !t.unit.empty())) {
        named_at = session.work_started;
        series.name = t.name;
        series.unit = t.unit;
      }
    }
    return true;
  });
  if (!s.ok()) return s;
  // ForEachSession goes source by source; a machine may feed more than one.
  std::sort(series.points.begin(), series.points.end(), [](const TrendPoint& a, const TrendPoint& b) {
    return std::tie(a.at, a.session) < std::tie(b.at, b.session);
  });
  return series;
}

Result<std::vector<TrendSeriesInfo>> ListTrendSeries(Derived& derived) {
  std::map<std::pair<std::string, std::string>, TrendSeriesInfo> found;
  Status s = ForEachSession(derived, 0, [&](const StoredSession& stored) {
    const QcSession& session = stored.session;
    const std::string machine = TrendMachine(session);
    if (machine.empty()) return true;
    for (const TestResult& t : session.tests) {
      if (!Plottable(t)) continue;
      TrendSeriesInfo& info = found[{machine, t.key}];
      if (info.points == 0 || session.work_started < info.first) info.first = session.work_started;
      if (info.points == 0 || session.work_started >= info.last) {
        info.last = session.work_started;
        if (!t.name.empty()) info.name = t.name;
        if (!t.unit.empty()) info.unit = t.unit;
      }
      info.machine = machine;
      info.test = t.key;
      info.source_kind = session.source_kind;
      ++info.points;
    }
    return true;
  });
  if (!s.ok()) return s;
  std::vector<TrendSeriesInfo> out;
  out.reserve(found.size());
  for (auto& [key, info] : found) out.push_back(std::move(info));
  return out;
}

}  // namespace qcflow
