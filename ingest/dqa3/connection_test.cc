#include "ingest/dqa3/connection.h"

#include <gtest/gtest.h>

#include "ingest/dqa3/session.h"

namespace qcflow::dqa3 {
namespace {

OdbcConnection Odbc() {
  OdbcConnection o;
  o.driver = "FreeTDS";
  o.server = "sql1.clinic.local";
  o.port = 1433;
  o.database = "DQA3";
  o.user = "qcflow_ro";
  o.password = "secret";
  return o;
}

TEST(OdbcConnectionString, PlainValues) {
  OdbcConnection o = Odbc();
  o.tds_version = "7.4";
  EXPECT_EQ(BuildOdbcConnectionString(o),
            "DRIVER={FreeTDS};SERVER=sql1.clinic.local;PORT=1433;DATABASE=DQA3;UID=qcflow_ro;"
            "PWD=secret;TDS_Version=7.4;");
}

TEST(OdbcConnectionString, MicrosoftDriverPutsThePortInServer) {
  OdbcConnection o = Odbc();
  o.driver = "ODBC Driver 17 for SQL Server";
  o.port = 1444;
  std::string s = BuildOdbcConnectionString(o);
  EXPECT_EQ(s.find("PORT="), std::string::npos) << s;
  EXPECT_NE(s.find("DRIVER={ODBC Driver 17 for SQL Server};SERVER=sql1.clinic.local,1444;"),
            std::string::npos)
      << s;
}

TEST(OdbcConnectionString, SpecialCharactersAreBracedAndClosingBracesDoubled) {
  OdbcConnection o = Odbc();
  o.password = "p;w}x{=";
  o.database = "DQA3 ";  // trailing space would be trimmed by drivers unless braced
  o.tds_version = "";
  std::string s = BuildOdbcConnectionString(o);
  EXPECT_NE(s.find("PWD={p;w}}x{=};"), std::string::npos) << s;
  EXPECT_NE(s.find("DATABASE={DQA3 };"), std::string::npos) << s;
  EXPECT_EQ(s.find("TDS_Version"), std::string::npos) << s;
}

TEST(OdbcConnectionString, EmptyCredentialsAreOmitted) {
  OdbcConnection o = Odbc();
  o.user.clear();
  o.password.clear();
  std::string s = BuildOdbcConnectionString(o);
  EXPECT_EQ(s.find("UID="), std::string::npos) << s;
  EXPECT_EQ(s.find("PWD="), std::string::npos) << s;
}

TEST(Redact, RemovesPlainAndBracedSecrets) {
  EXPECT_EQ(Redact("login failed for PWD={p;w}}x};", "p;w}x"), "login failed for PWD=***;");
  EXPECT_EQ(Redact("pw=abc and abc again", "abc"), "pw=*** and *** again");
  EXPECT_EQ(Redact("nothing", ""), "nothing");
}

TEST(ValidateConnection, NamesTheFieldAndNeverThePassword) {
  Dqa3Connection c;
  c.backend = Dqa3Backend::kFirebird;
  c.firebird.database = "/data/Sncdata.fdb";
  c.firebird.password = "hunter2";
  EXPECT_TRUE(ValidateConnection(c).ok());
  c.firebird.charset = "LATIN1";
  Status s = ValidateConnection(c);
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(s.message().find("charset"), std::string::npos);
  c.firebird.charset = "WIN1251";
  c.firebird.port = 0;
  EXPECT_NE(ValidateConnection(c).message().find("port"), std::string::npos);
  c.firebird.port = 3050;
  c.firebird.password = "a\"b";
  s = ValidateConnection(c);
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.message().find("a\"b"), std::string::npos) << s.message();

  Dqa3Connection o;
  o.backend = Dqa3Backend::kOdbc;
  o.odbc = Odbc();
  EXPECT_TRUE(ValidateConnection(o).ok());
  o.odbc.server.clear();
  EXPECT_NE(ValidateConnection(o).message().find("odbc server"), std::string::npos);

  Dqa3Connection l;
  l.backend = Dqa3Backend::kSqlite;
  EXPECT_FALSE(ValidateConnection(l).ok());
}

TEST(DatabaseIdentity, PerBackend) {
  Dqa3Connection c;
  c.firebird.host = "dqa3-pc";
  c.firebird.database = "C:\\SNC\\Sncdata.fdb";
  EXPECT_EQ(DefaultDatabaseIdentity(c), "firebird:dqa3-pc:3050:C:\\SNC\\Sncdata.fdb");
  c.backend = Dqa3Backend::kOdbc;
  c.odbc = Odbc();
  EXPECT_EQ(DefaultDatabaseIdentity(c), "odbc:sql1.clinic.local:1433:DQA3");
  c.backend = Dqa3Backend::kSqlite;
  c.sqlite.path = "/x/y.db";
  EXPECT_EQ(DefaultDatabaseIdentity(c), "sqlite:/x/y.db");
  EXPECT_EQ(DescribeConnection(c), "sqlite /x/y.db");
}

TEST(FirebirdConnectString, QuotesValuesWithSpaces) {
  FirebirdConnection f;
  f.host = "127.0.0.1";
  f.port = 3051;
  f.database = "C:\\Program Files\\SNC\\Sncdata.fdb";
  f.password = "pw=1";
  f.charset = "WIN1251";
  EXPECT_EQ(FirebirdConnectString(f),
            "service=\"127.0.0.1/3051:C:\\Program Files\\SNC\\Sncdata.fdb\" user=SYSDBA "
            "password=pw=1 charset=WIN1251");
}

TEST(OdbcSession, UnreachableServerIsUnavailableWithoutThePassword) {
  Dqa3Connection c;
  c.backend = Dqa3Backend::kOdbc;
  c.odbc = Odbc();
  c.odbc.server = "127.0.0.1";
  c.odbc.port = 1;  // nothing listens on port 1 of the loopback
  c.odbc.connect_timeout_seconds = 2;
  Status s = ProbeTcp(c.odbc.server, c.odbc.port, 2);
  EXPECT_EQ(s.code(), Status::Code::kUnavailable);
  EXPECT_NE(s.message().find("127.0.0.1:1"), std::string::npos) << s.message();
}

}  // namespace
}  // namespace qcflow::dqa3
