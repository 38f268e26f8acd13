#include "ingest/mpc/quantity_name.h"

#include <gtest/gtest.h>

namespace qcflow::mpc {
namespace {

void ExpectSplit(std::string_view column, std::string_view name, std::string_view unit) {
  SCOPED_TRACE(std::string(column));
  QuantityName q = SplitQuantityName(column);
  EXPECT_EQ(q.name, name);
  EXPECT_EQ(q.unit, unit);
}

TEST(QuantityNameTest, SplitsTheSpecExamples) {
  ExpectSplit("IsoCenterGroup/IsoCenterSize [mm]", "IsoCenterGroup/IsoCenterSize", "mm");
  ExpectSplit("BeamGroup/BeamOutputChange [%]", "BeamGroup/BeamOutputChange", "%");
  ExpectSplit("GantryGroup/GantryAbsolute [\xC2\xB0]", "GantryGroup/GantryAbsolute", "\xC2\xB0");
}

TEST(QuantityNameTest, MisDecodedDegreeIsRead) {
  ExpectSplit("GantryGroup/GantryAbsolute [\xC3\x82\xC2\xB0]", "GantryGroup/GantryAbsolute",
              "\xC2\xB0");
}

TEST(QuantityNameTest, NoUnitAndOddShapesKeepTheName) {
  ExpectSplit("SomeGroup/Count", "SomeGroup/Count", "");
  ExpectSplit("  Padded [mm]  ", "Padded", "mm");
  ExpectSplit("[mm]", "[mm]", "");            // nothing but a unit: kept as the name
  ExpectSplit("Group/Open [mm", "Group/Open [mm", "");
  ExpectSplit("", "", "");
}

}  // namespace
}  // namespace qcflow::mpc
