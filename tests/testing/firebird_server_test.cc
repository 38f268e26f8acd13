#include "tests/testing/firebird_server.h"

#include <gtest/gtest.h>

#include <cstdlib>

namespace qcflow::testing {
namespace {

TEST(FirebirdServerTest, StartsCreatesDatabasesAndStops) {
  auto server = FirebirdServer::Start();
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  FirebirdServer& fb = **server;
  EXPECT_GT(fb.port(), 0);

  auto db = fb.CreateDatabase("cyr.fdb", "WIN1251");
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  auto out = fb.RunIsql(*db,
                        "CREATE TABLE ROOM (NAME VARCHAR(20));\nCOMMIT;\n"
                        "INSERT INTO ROOM VALUES ('Каньон 1');\nCOMMIT;\n"
                        "SELECT NAME, OCTET_LENGTH(NAME) AS LEN, "
                        "MON$REMOTE_PROTOCOL AS PROTO FROM ROOM "
                        "CROSS JOIN MON$ATTACHMENTS WHERE MON$ATTACHMENT_ID = CURRENT_CONNECTION;\n"
                        "SELECT RDB$CHARACTER_SET_NAME FROM RDB$DATABASE;\n");
  ASSERT_TRUE(out.ok()) << out.status().ToString() << fb.Diagnostics();
  EXPECT_NE(out->find("Каньон 1"), std::string::npos) << *out;
  // 8 Cyrillic/space/digit characters stored as one byte each: really WIN1251.
  EXPECT_NE(out->find(" 8 "), std::string::npos) << *out;
  EXPECT_NE(out->find("TCPv4"), std::string::npos) << *out;  // through the TCP server
  EXPECT_NE(out->find("WIN1251"), std::string::npos) << *out;

  auto utf8 = fb.CreateDatabase("utf8.fdb", "UTF8");
  ASSERT_TRUE(utf8.ok()) << utf8.status().ToString();

  auto bad = fb.CreateDatabase("cyr.fdb", "WIN1251");  // exists already
  EXPECT_FALSE(bad.ok());

  fb.Stop();
  auto after = fb.RunIsql(*db, "SELECT 1 FROM RDB$DATABASE;\n");
  EXPECT_FALSE(after.ok()) << "the server still answers after Stop()";
}

TEST(FirebirdServerTest, TwoServersRunSideBySide) {
  auto a = FirebirdServer::Start();
  auto b = FirebirdServer::Start();
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_NE((*a)->port(), (*b)->port());
  EXPECT_NE((*a)->password(), (*b)->password());
  auto db = (*b)->CreateDatabase("b.fdb", "UTF8");
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  auto out = (*b)->RunIsql(*db, "SELECT 1 FROM RDB$DATABASE;\n");
  EXPECT_TRUE(out.ok()) << out.status().ToString();
}

TEST(FirebirdServerTest, MissingServerSaysWhatToInstall) {
  ::setenv("QCFLOW_FIREBIRD_SERVER", "/nonexistent/sbin/firebird", 1);
  auto server = FirebirdServer::Start();
  ::unsetenv("QCFLOW_FIREBIRD_SERVER");
  ASSERT_FALSE(server.ok());
  EXPECT_EQ(server.status().code(), Status::Code::kFailedPrecondition);
  EXPECT_NE(server.status().message().find("firebird3.0-server"), std::string::npos)
      << server.status().message();
  EXPECT_NE(server.status().message().find("/nonexistent/sbin/firebird"), std::string::npos);
}

}  // namespace
}  // namespace qcflow::testing
