#include "tests/testing/couch_sessions.h"

#include <cstdio>

#include "store/write_set.h"

namespace qcflow::testing {

std::string NumberedUserKey(const std::string& prefix, int i) {
  char n[16];
  std::snprintf(n, sizeof(n), "%06d", i);
  return prefix + "/" + n;
}

QcSession NumberedCouchSession(const std::string& prefix, int i) {
  static const MicrosUtc kBase = [] {
    CivilTime c;
    c.year = 2020, c.month = 6, c.day = 25, c.hour = 11;
    return *CivilToUtc(c, "UTC");
  }();
  const MicrosUtc start = kBase + MicrosUtc(i % (90 * 24 * 60)) * kMicrosPerMinute;
  QcSession s;
  s.source_kind = "mpc";
  s.machine.serial = "1234";
  s.test_list_name = "MPC: Enhanced Couch Checks";
  s.work_started = start;
  s.work_completed = start + 30 * kMicrosPerSecond;
  s.user_key = NumberedUserKey(prefix, i);
  const char* macros[] = {"couchgroup_couchlat_mm_6x", "couchgroup_couchlng_mm_6x",
                          "couchgroup_couchrtn_deg_6x", "couchgroup_couchvrt_mm_6x"};
  for (int m = 0; m < 4; ++m) {
    TestResult t;
    t.key = macros[m];
    t.number = 0.01 * ((i + m) % 50);
    s.tests.push_back(t);
  }
  return s;
}

Result<bool> CommitSession(Store& store, const std::string& sink, const QcSession& session,
                           const std::string& group) {
  WriteSet ws;
  ws.PutDerived(kCouchSessionNs, session.user_key, EncodeQcSession(session));
  ws.Enqueue(sink, session.user_key, kCouchSessionNs, session.user_key, group);
  auto r = store.Commit(ws);
  if (!r.ok()) return r.status();
  if (!r->derived_conflicts.empty()) {
    return Status::FailedPrecondition("session " + session.user_key + " changed since it was stored");
  }
  return r->enqueued == 1;
}

}  // namespace qcflow::testing
