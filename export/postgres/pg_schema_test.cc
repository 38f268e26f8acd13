// The versioned schema against a real PostgreSQL 15: created once, idempotent,
// described before it exists, and a newer version refused without a write.
#include "export/postgres/pg_schema.h"

#include <soci/soci.h>

#include "export/postgres/postgres_test_fixture.h"

extern "C" {
soci::backend_factory const* factory_postgresql();
}

namespace qcflow::postgres {
namespace {

using PgSchemaTest = PostgresSinkTest;

TEST_F(PgSchemaTest, ConnectCreatesTheSchemaOnceAtTheCurrentVersion) {
  auto sink = Sink(nullptr, Config("site-a"));
  ASSERT_TRUE(sink);
  auto before = sink->Describe();
  ASSERT_TRUE(before.ok()) << before.status().ToString();
  EXPECT_NE(before->find("does not exist yet; the first run will create the tables"), std::string::npos)
      << *before;
  ASSERT_TRUE(sink->Connect().ok());
  EXPECT_EQ(Sql("SELECT version FROM qcflow.schema_version"), std::to_string(kPgSchemaVersion));
  EXPECT_EQ(Sql("SELECT string_agg(tablename, ',' ORDER BY tablename) FROM pg_tables WHERE schemaname = 'qcflow'"),
            "deliveries,schema_version,session_revisions,session_values,sessions,sites");
  EXPECT_EQ(Sql("SELECT site FROM qcflow.sites"), "site-a");

  sink->Disconnect();
  ASSERT_TRUE(sink->Connect().ok()) << "a second connect migrates nothing";
  EXPECT_EQ(Count("schema_version"), 1);
  EXPECT_EQ(Count("sites"), 1);
  auto after = sink->Describe();
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(*after, "schema \"qcflow\" is at version " + std::to_string(kPgSchemaVersion) + " (current)");
}

TEST_F(PgSchemaTest, AVersionOneSchemaWithRowsIsMigratedKeepingThem) {
  {  // A site mirrored with a qcflow that knew version 1 only.
    soci::session sql(*factory_postgresql(), pg_->Conninfo(kDb) + " password=" + pg_->password());
    auto before = MigrateSchema(sql, "qcflow", 1);
    ASSERT_TRUE(before.ok()) << before.status().ToString();
    EXPECT_EQ(*before, 0);
  }
  Sql("INSERT INTO qcflow.sites (site) VALUES ('north'); "
      "INSERT INTO qcflow.sessions (site, user_key, source_kind, source_id, machine_serial, machine_name, "
      "unit_name, test_list, procedure, performer, work_started, work_completed, amendment, comment, "
      "content_hash) VALUES "
      "('north', 'QCPump/MPC/1234/2020-06-25-07-10/Beam', 'mpc', 'tb', '1234', '', '', 'T', '', '', now(), now(), "
      "false, '', 'h1'), "
      "('north', 'QCPump/MPC/1234/2020-06-25-07-10/Beam/2', 'mpc', 'tb', '1234', '', '', 'T', '', '', now(), "
      "now(), true, '', 'h2')");
  auto sink = Sink(nullptr, Config("north"));
  ASSERT_TRUE(sink);
  auto plan = sink->Describe();
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  EXPECT_EQ(*plan, "schema \"qcflow\" is at version 1; the first run will add sessions.base_user_key (an "
                   "amended result's first session) and its index (version 2); then create the table "
                   "deliveries and its indexes by linac and time (version 3; deliveries mirrored before it "
                   "get their rows from `qcflow backfill postgres`)");
  ASSERT_TRUE(sink->Connect().ok());
  EXPECT_EQ(Sql("SELECT version FROM qcflow.schema_version"), "3");
  EXPECT_EQ(Count("deliveries"), 0) << "the version 3 table exists";
  EXPECT_EQ(Count("sessions"), 2) << "rows kept";
  EXPECT_EQ(Count("sessions", "base_user_key = 'QCPump/MPC/1234/2020-06-25-07-10/Beam'"), 2)
      << "the amendment names its first session";
}

TEST(PgSchema, BaseUserKeyStripsOnlyAnAmendmentsNumber) {
  EXPECT_EQ(BaseUserKey("K/x/2", true), "K/x");
  EXPECT_EQ(BaseUserKey("K/x/12", true), "K/x");
  EXPECT_EQ(BaseUserKey("K/x/2", false), "K/x/2");
  EXPECT_EQ(BaseUserKey("K/Beam", true), "K/Beam");
  EXPECT_EQ(BaseUserKey("K/", true), "K/");
}

TEST_F(PgSchemaTest, AnotherSchemaNameKeepsItsOwnTables) {
  auto sink = Sink(nullptr, Config("site-a", "qa_mirror"));
  ASSERT_TRUE(sink);
  ASSERT_TRUE(sink->Connect().ok());
  EXPECT_EQ(Sql("SELECT version FROM qa_mirror.schema_version"), std::to_string(kPgSchemaVersion));
  EXPECT_EQ(Sql("SELECT count(*) FROM pg_namespace WHERE nspname = 'qcflow'"), "0");
}

// As a hospital DBA would set it up: qcflow's role is no superuser and may not
// create schemas; the DBA created the schema and let the role create in it.
TEST_F(PgSchemaTest, ARoleWithoutSuperuserWorksInASchemaTheDbaCreated) {
  Sql("CREATE ROLE north LOGIN PASSWORD 'north-pw'; REVOKE CREATE ON DATABASE mirror FROM PUBLIC; "
      "REVOKE CREATE ON SCHEMA public FROM PUBLIC; CREATE SCHEMA qcflow; "
      "GRANT USAGE, CREATE ON SCHEMA qcflow TO north");
  PostgresSinkConfig config = Config("north");
  config.conninfo = "host=127.0.0.1 port=" + std::to_string(pg_->port()) + " user=north dbname=mirror";
  config.password = "north-pw";
  auto store = OpenStore("a");
  auto sink = Sink(store.get(), config);
  ASSERT_TRUE(store && sink);
  Status connected = sink->Connect();
  ASSERT_TRUE(connected.ok()) << connected.ToString();
  Queue(*store, 0, 2);
  EXPECT_EQ(DeliverAll(*sink).inserted, 2u);
  EXPECT_EQ(Sql("SELECT tableowner FROM pg_tables WHERE schemaname = 'qcflow' AND tablename = 'sessions'"), "north");
  EXPECT_EQ(Count("sessions"), 2);
}

TEST_F(PgSchemaTest, ANewerSchemaIsRefusedAndNothingIsWritten) {
  auto store = OpenStore("a");
  auto sink = Sink(store.get(), Config("site-a"));
  ASSERT_TRUE(sink);
  ASSERT_TRUE(sink->Connect().ok());
  sink->Disconnect();
  Sql("UPDATE qcflow.schema_version SET version = 99");

  Status refused = sink->Connect();
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.code(), Status::Code::kIncompatible);
  EXPECT_NE(refused.message().find("is at version 99, newer than this qcflow knows (" + std::to_string(kPgSchemaVersion) + ")"), std::string::npos)
      << refused.message();
  auto described = sink->Describe();
  ASSERT_FALSE(described.ok());
  EXPECT_EQ(described.status().code(), Status::Code::kIncompatible);

  Queue(*store, 0, 2);
  auto r = sink->DeliverOnce(kNow);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_FALSE(r->failure.ok());
  EXPECT_NE(r->failure.message().find("newer than this qcflow knows"), std::string::npos);
  EXPECT_EQ(Pending(*store), 2u) << "nothing lost";
  EXPECT_EQ(Count("sessions"), 0);
  EXPECT_EQ(Sql("SELECT version FROM qcflow.schema_version"), "99") << "never downgraded";
}

TEST_F(PgSchemaTest, TwoSinksMigratingTogetherCreateOneSchema) {
  auto a = Sink(nullptr, Config("site-a"));
  auto b = Sink(nullptr, Config("site-b"));
  ASSERT_TRUE(a && b);
  Status sa, sb;
  std::thread ta([&] { sa = a->Connect(); });
  std::thread tb([&] { sb = b->Connect(); });
  ta.join();
  tb.join();
  EXPECT_TRUE(sa.ok()) << sa.ToString();
  EXPECT_TRUE(sb.ok()) << sb.ToString();
  EXPECT_EQ(Count("schema_version"), 1);
  EXPECT_EQ(Count("sites"), 2);
}

}  // namespace
}  // namespace qcflow::postgres
