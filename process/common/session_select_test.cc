#include "process/common/session_select.h"

#include <gtest/gtest.h>

namespace qcflow {
namespace {

QcSession Make(const std::string& key, MicrosUtc at, const std::string& source, const std::string& kind,
               const std::string& serial, const std::string& name = "") {
  QcSession s;
  s.user_key = key;
  s.work_started = at;
  s.source_id = source;
  s.source_kind = kind;
  s.machine.serial = serial;
  s.machine.name = name;
  return s;
}

// A walk over `sessions` in the given order (sources need not be in time order).
SessionWalk Over(const std::vector<QcSession>& sessions, MicrosUtc* asked_from = nullptr) {
  return [&sessions, asked_from](MicrosUtc from, const std::function<bool(const StoredSession&)>& visit) {
    if (asked_from) *asked_from = from;
    for (const QcSession& s : sessions) {
      if (s.work_started < from) continue;
      if (!visit(StoredSession{s.source_kind + ".session", s.user_key, s})) break;
    }
    return Status::OK();
  };
}

std::vector<std::string> Keys(const SessionSelection& s) {
  std::vector<std::string> keys;
  for (const QcSession& q : s.sessions) keys.push_back(q.user_key);
  return keys;
}

const std::vector<QcSession> kStore = {
    // source b first, as the index (by source id) might hand them over
    Make("b1", 50, "tds-b", "mpc", "2222"), Make("b2", 10, "tds-b", "mpc", "2222"),
    Make("a1", 30, "tds-a", "mpc", "1111"), Make("d1", 20, "qa3-db", "dqa3", "", "Linac 3"),
    Make("a2", 40, "tds-a", "mpc", "1111")};

TEST(SessionSelectTest, EveryKindInTimeOrder) {
  auto got = SelectSessions(Over(kStore), {});
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(Keys(*got), (std::vector<std::string>{"b2", "d1", "a1", "a2", "b1"}));
  EXPECT_FALSE(got->truncated);
}

TEST(SessionSelectTest, FiltersBySourceKindMachineAndTime) {
  SessionFilter f;
  f.source_id = "tds-a";
  EXPECT_EQ(Keys(*SelectSessions(Over(kStore), f)), (std::vector<std::string>{"a1", "a2"}));
  f = {};
  f.source_kind = "dqa3";
  EXPECT_EQ(Keys(*SelectSessions(Over(kStore), f)), (std::vector<std::string>{"d1"}));
  f = {};
  f.machine = "Linac 3";  // no serial: the name names the machine
  EXPECT_EQ(Keys(*SelectSessions(Over(kStore), f)), (std::vector<std::string>{"d1"}));
  f = {};
  f.machine = "2222";
  EXPECT_EQ(Keys(*SelectSessions(Over(kStore), f)), (std::vector<std::string>{"b2", "b1"}));
  f = {};
  f.from = 20;
  f.until = 40;  // [from, until)
  MicrosUtc asked = 0;
  EXPECT_EQ(Keys(*SelectSessions(Over(kStore, &asked), f)), (std::vector<std::string>{"d1", "a1"}));
  EXPECT_EQ(asked, 20);  // the walk starts at from, not at the beginning
}

TEST(SessionSelectTest, ACutKeepsTheEarliestWhateverTheWalkOrder) {
  SessionFilter f;
  f.max = 2;
  auto got = SelectSessions(Over(kStore), f);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(Keys(*got), (std::vector<std::string>{"b2", "d1"}));
  EXPECT_TRUE(got->truncated);
  f.max = kStore.size();  // exactly all: nothing was cut
  got = SelectSessions(Over(kStore), f);
  EXPECT_EQ(got->sessions.size(), kStore.size());
  EXPECT_FALSE(got->truncated);
}

TEST(SessionSelectTest, SameTimeOrdersByKeyAndAWalkErrorIsReturned) {
  const std::vector<QcSession> same = {Make("z", 5, "s", "mpc", "1"), Make("m", 5, "s", "mpc", "1")};
  EXPECT_EQ(Keys(*SelectSessions(Over(same), {})), (std::vector<std::string>{"m", "z"}));
  SessionWalk broken = [](MicrosUtc, const std::function<bool(const StoredSession&)>&) {
    return Status::Corruption("session mpc.session/x does not decode");
  };
  auto got = SelectSessions(broken, {});
  ASSERT_FALSE(got.ok());
  EXPECT_NE(got.status().message().find("does not decode"), std::string::npos);
}

}  // namespace
}  // namespace qcflow
