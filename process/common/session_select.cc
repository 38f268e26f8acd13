#include "process/common/session_select.h"

#include <algorithm>
#include <queue>

#include "process/common/trend.h"

namespace qcflow {
namespace {

bool Earlier(const QcSession& a, const QcSession& b) {
  return a.work_started != b.work_started ? a.work_started < b.work_started : a.user_key < b.user_key;
}

bool Matches(const QcSession& s, const SessionFilter& f) {
  return s.work_started >= f.from && s.work_started < f.until &&
         (f.source_id.empty() || s.source_id == f.source_id) &&
         (f.source_kind.empty() || s.source_kind == f.source_kind) &&
         (f.machine.empty() || TrendMachine(s) == f.machine);
}

}  // namespace

SessionWalk WalkStoredSessions(Derived& derived) {
  return [&derived](MicrosUtc from, const std::function<bool(const StoredSession&)>& visit) {
    return ForEachSession(derived, from, visit);
  };
}

Result<SessionSelection> SelectSessions(const SessionWalk& walk, const SessionFilter& filter) {
  // A max-heap on time: its top is the latest kept, the one a cut drops.
  auto later_on_top = [](const QcSession& a, const QcSession& b) { return Earlier(a, b); };
  std::priority_queue<QcSession, std::vector<QcSession>, decltype(later_on_top)> kept(later_on_top);
  SessionSelection out;
  Status read = walk(filter.from, [&](const StoredSession& stored) {
    if (!Matches(stored.session, filter)) return true;
    if (kept.size() < filter.max) {
      kept.push(stored.session);
    } else {
      out.truncated = true;
      if (Earlier(stored.session, kept.top())) {
        kept.pop();
        kept.push(stored.session);
      }
    }
    return true;
  });
  if (!read.ok()) return read;
  out.sessions.reserve(kept.size());
  while (!kept.empty()) {
    out.sessions.push_back(kept.top());
    kept.pop();
  }
  std::reverse(out.sessions.begin(), out.sessions.end());
  return out;
}

}  // namespace qcflow
