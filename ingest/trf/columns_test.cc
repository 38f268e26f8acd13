#include "ingest/trf/columns.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include "tests/testing/temp_dir.h"
#include "tests/testing/trf_fixtures.h"

namespace qcflow::trf {
namespace {

const ColumnsTable& Table() { return testing::TrfColumns(QCFLOW_TRF_COLUMNS); }

TEST(TrfColumnsTest, NamesEveryItemPartWithItsRule) {
  const ColumnsTable& t = Table();
  EXPECT_EQ(t.size(), 351u);
  struct Expect {
    int16_t item, sub;
    const char* name;
    ValueRule rule;
  };
  for (const Expect& e : std::initializer_list<Expect>{
           {2240, 111, "Control point/Actual Value (None)", ValueRule::kInteger},
           {2238, 111, "Step Dose/Actual Value (Mu)", ValueRule::kTenth},
           {2162, 101, "Dose/Raw value (1/64th Mu)", ValueRule::kUnsigned16},
           {2543, 111, "Linac State/Actual Value (None)", ValueRule::kLinacState},
           {2541, 111, "Wedge Position/Actual Value (None)", ValueRule::kWedge},
           {2224, 129, "Step Gantry/Scaled Actual (deg)", ValueRule::kTenth},
           {2226, 129, "Table Isocentric/Scaled Actual (deg)", ValueRule::kInteger},
           {2226, 220, "Table Isocentric/Positional Error (deg)", ValueRule::kInteger},
           {2380, 129, "Y2 Leaf 1/Scaled Actual (mm)", ValueRule::kTenthNegated},
           {2065, 129, "Dlg Y1/Scaled Actual (mm)", ValueRule::kTenth},
           {2170, 111, "Mlc Status/Actual Value (None)", ValueRule::kTenth},
       }) {
    const ColumnInfo* c = t.Find(e.item, e.sub);
    ASSERT_NE(c, nullptr) << e.name;
    EXPECT_EQ(c->name, e.name);
    EXPECT_EQ(c->rule, e.rule) << e.name;
  }
  EXPECT_EQ(t.Find(2240, 112), nullptr);
  ASSERT_NE(t.StateName(46), nullptr);
  EXPECT_EQ(*t.StateName(46), "Terminated Ok");
  EXPECT_EQ(t.StateName(99), nullptr);
  ASSERT_NE(t.WedgeName(2), nullptr);
  EXPECT_EQ(*t.WedgeName(2), "Out");
}

TEST(TrfColumnsTest, RefusesATableItCannotUse) {
  auto bad = [](const char* json) { return ColumnsTable::Parse(json, "x.json").status(); };
  EXPECT_NE(bad("{").message().find("x.json: not JSON"), std::string::npos);
  EXPECT_NE(bad("{}").message().find("item_part_names"), std::string::npos);
  EXPECT_NE(bad(R"({"item_part_names": {"2240-111": "Control point"}})").message().find("2240-111"),
            std::string::npos);
  EXPECT_NE(bad(R"({"item_part_names": {"2240_111": "Control point"}})")
                .message()
                .find("lacks \"Step Dose/Actual Value (Mu)\""),
            std::string::npos);
  EXPECT_TRUE(ColumnsTable::Load("/nonexistent/columns.json").status().IsNotFound());
}

TEST(TrfColumnsTest, FindsTheInstalledTableThroughQcflowDataDir) {
  testing::TempDir dir;
  testing::WriteFile(dir.Sub("trf/columns.json"), "{}");
  setenv("QCFLOW_DATA_DIR", dir.path().c_str(), 1);
  auto found = FindColumnsFile();
  unsetenv("QCFLOW_DATA_DIR");
  ASSERT_TRUE(found.ok()) << found.status().ToString();
  EXPECT_EQ(*found, dir.Sub("trf/columns.json"));

  setenv("QCFLOW_DATA_DIR", dir.Sub("none").c_str(), 1);
  auto missing = FindColumnsFile();
  unsetenv("QCFLOW_DATA_DIR");
  // Not found there; the binary's own share/ may or may not hold one.
  if (!missing.ok()) {
    EXPECT_NE(missing.status().message().find(dir.Sub("none/trf/columns.json")), std::string::npos);
    EXPECT_NE(missing.status().message().find("QCFLOW_DATA_DIR"), std::string::npos);
  }
}

}  // namespace
}  // namespace qcflow::trf
