#include "tests/testing/postgres_server.h"

#include <gtest/gtest.h>

#include <cstdlib>

namespace qcflow::testing {
namespace {

TEST(PostgresServerTest, StartsOnLoopbackCreatesDatabasesRestartsAndStops) {
  auto server = PostgresServer::Start();
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  PostgresServer& pg = **server;
  EXPECT_GT(pg.port(), 0);
  ASSERT_TRUE(pg.CreateDatabase("mirror").ok());
  auto version = pg.Psql("mirror", "SHOW server_version_num");
  ASSERT_TRUE(version.ok()) << version.status().ToString() << pg.Diagnostics();
  EXPECT_EQ(version->substr(0, 2), "15") << *version;
  auto listen = pg.Psql("mirror", "SHOW listen_addresses");
  ASSERT_TRUE(listen.ok());
  EXPECT_EQ(*listen, "127.0.0.1");
  auto who = pg.Psql("mirror", "SELECT current_user");
  ASSERT_TRUE(who.ok());
  EXPECT_EQ(*who, "qcflow");
  ASSERT_TRUE(pg.Psql("mirror", "CREATE TABLE t (v int); INSERT INTO t VALUES (7)").ok());

  ASSERT_TRUE(pg.Stop().ok());
  EXPECT_FALSE(pg.Psql("mirror", "SELECT 1").ok()) << "the server still answers after Stop()";
  ASSERT_TRUE(pg.Restart().ok()) << pg.Diagnostics();
  auto kept = pg.Psql("mirror", "SELECT v FROM t");
  ASSERT_TRUE(kept.ok()) << kept.status().ToString();
  EXPECT_EQ(*kept, "7");
}

TEST(PostgresServerTest, MissingServerSaysWhatToInstall) {
  ::setenv("QCFLOW_POSTGRES_BINDIR", "/nonexistent/postgresql/15/bin", 1);
  auto server = PostgresServer::Start();
  ::unsetenv("QCFLOW_POSTGRES_BINDIR");
  ASSERT_FALSE(server.ok());
  EXPECT_NE(server.status().message().find("postgresql-15"), std::string::npos)
      << server.status().message();
}

}  // namespace
}  // namespace qcflow::testing
