#include "export/postgres/pg_conninfo.h"

#include <gtest/gtest.h>

namespace qcflow::postgres {
namespace {

TEST(PgConninfo, AcceptsKeywordsAndUrisWithoutASecret) {
  EXPECT_TRUE(CheckConninfo("host=db.example.org dbname=qa user=qcflow").ok());
  EXPECT_TRUE(CheckConninfo("postgresql://qcflow@db.example.org:5432/qa?sslmode=verify-full").ok());
  EXPECT_TRUE(CheckConninfo("postgres://db/qa").ok());
}

TEST(PgConninfo, RefusesAPasswordInTheConfigAndSaysWhereItGoes) {
  for (const char* c : {"host=h password=x dbname=d", "password = x host=h",
                        "postgresql://u:hunter2@h/d", "postgresql://u@h/d?password=hunter2"}) {
    Status s = CheckConninfo(c);
    ASSERT_FALSE(s.ok()) << c;
    EXPECT_NE(s.message().find("password_file"), std::string::npos) << s.message();
    EXPECT_EQ(s.message().find("hunter2"), std::string::npos) << s.message();
  }
  EXPECT_FALSE(CheckConninfo("").ok());
  EXPECT_FALSE(CheckConninfo("db.example.org").ok());
  EXPECT_TRUE(CheckConninfo("host=h user=password_owner").ok()) << "a value is not the keyword";
}

TEST(PgConninfo, AddsThePasswordAndATimeoutInTheConninfosOwnForm) {
  EXPECT_EQ(ConnectString("host=h dbname=d", "p'w\\", 7), "host=h dbname=d password='p\\'w\\\\' connect_timeout=7");
  EXPECT_EQ(ConnectString("host=h connect_timeout=3", "", 7), "host=h connect_timeout=3");
  EXPECT_EQ(ConnectString("postgresql://u@h/d", "a b&c", 5), "postgresql://u@h/d?password=a%20b%26c&connect_timeout=5");
  EXPECT_EQ(ConnectString("postgresql://h/d?sslmode=require&connect_timeout=2", "", 5),
            "postgresql://h/d?sslmode=require&connect_timeout=2");
}

TEST(PgConninfo, RedactsAndChecksIdentifiers) {
  EXPECT_EQ(RedactSecret("bad pw hunter2 for hunter2", "hunter2"), "bad pw *** for ***");
  EXPECT_EQ(RedactSecret("x", ""), "x");
  EXPECT_TRUE(IsPlainIdentifier("qcflow"));
  EXPECT_TRUE(IsPlainIdentifier("_site_2"));
  EXPECT_FALSE(IsPlainIdentifier("2sites"));
  EXPECT_FALSE(IsPlainIdentifier("QcFlow"));
  EXPECT_FALSE(IsPlainIdentifier("a\"; DROP"));
  EXPECT_FALSE(IsPlainIdentifier(std::string(64, 'a')));
}

}  // namespace
}  // namespace qcflow::postgres
