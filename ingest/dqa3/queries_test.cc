#include "ingest/dqa3/queries.h"

#include <gtest/gtest.h>

#include "ingest/dqa3/dqa3_columns.h"

namespace qcflow::dqa3 {
namespace {

size_t Count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t pos = text.find(what); pos != std::string::npos; pos = text.find(what, pos + 1)) ++n;
  return n;
}

TEST(RowsSql, OnlyASelectWithOnePlaceholderPerBoundValue) {
  std::string sql = RowsSql("01.04", 2, 3);
  EXPECT_EQ(sql.rfind("SELECT ", 0), 0u) << sql;
  EXPECT_EQ(Count(sql, ";"), 0u) << sql;
  EXPECT_NE(sql.find("mach.MACH_KEY IN (:m0, :m1)"), std::string::npos) << sql;
  EXPECT_NE(sql.find("tmpl.BEAMTYPE IN (:b0, :b1, :b2)"), std::string::npos) << sql;
  EXPECT_EQ(Count(sql, ":since"), 1u);
  // The template comes through the trend row's SET_KEY (the race keeps it right).
  EXPECT_NE(sql.find("ON tr.SET_KEY = tmpl.SET_KEY"), std::string::npos) << sql;
  for (const std::string& c : PayloadColumns("01.04")) {
    EXPECT_NE(sql.find(c), std::string::npos) << c;
  }
}

TEST(RowsSql, FiltersAreLeftOutWhenEmptyAndAtlasNeverFiltersBeamsInSql) {
  std::string all = RowsSql("01.03", 0, 0);
  EXPECT_EQ(all.find(" IN ("), std::string::npos) << all;
  std::string atlas = RowsSql("1.5", 1, 2);
  EXPECT_NE(atlas.find("mach.MachineId IN (:m0)"), std::string::npos) << atlas;
  EXPECT_EQ(atlas.find(":b0"), std::string::npos) << atlas;
  EXPECT_NE(atlas.find("data.Created >= :since"), std::string::npos) << atlas;
}

TEST(VersionAndMachinesSql, SpecStatements) {
  EXPECT_EQ(VersionSql(false), "SELECT DB_VERSION FROM ATLAS_MASTER ORDER BY DATETIME DESC");
  EXPECT_EQ(VersionSql(true), "SELECT DatabaseVersion FROM AtlasMaster ORDER BY Modified DESC");
  EXPECT_NE(MachinesSql(false).find("LEFT JOIN ROOM"), std::string::npos);
  EXPECT_NE(MachinesSql(true).find("FROM Machine"), std::string::npos);
}

TEST(RowsSql, FirebirdTextBlobsAreCastToVarchar) {
  std::string sql = RowsSql("01.03", 0, 0, {"data.COMMENTS"});
  EXPECT_NE(sql.find("CAST(SUBSTRING(data.COMMENTS FROM 1 FOR 4000) AS VARCHAR(4000))"),
            std::string::npos)
      << sql;
  EXPECT_EQ(AliasOfTable("DQA3_DATA"), "data");
  EXPECT_EQ(AliasOfTable("RDB$DATABASE"), "");
}

}  // namespace
}  // namespace qcflow::dqa3
