#include "ingest/icom/sim/message_builder.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace qcflow::icom {
namespace {

TEST(MessageBuilderTest, HeaderAndOneElementAreExactBytes) {
  MessageBuilder b("2026-01-0508:00:07", 255);
  b.Add(0x0010, 0x0020, "LO", 'P', "QC1");
  const std::string m = b.Finish();
  const std::string expected =
      std::string("\x00\x00\x04\x04\x00\x00\x00\x00", 8) + "2026-01-0508:00:07" + "\xff" +
      std::string("\x10\x00\x20\x00LO\x00P\x03\x00\x00\x00QC1", 15);
  EXPECT_EQ(m, expected);
}

TEST(MessageBuilderTest, CollimationWritesHeaderThenValues) {
  MessageBuilder b("2026-01-0508:00:07", 1);
  const std::vector<double> jaws = {-5.0, 5.25};
  b.AddCollimation('R', "ASYMX", jaws);
  const std::string m = b.Finish();
  // Header element "ASYMX" + two "DS" values "-5.00", "5.25".
  EXPECT_EQ(m.size(), kHeaderSize + (12 + 5) + (12 + 5) + (12 + 4));
  EXPECT_EQ(m.substr(kHeaderSize + 12, 5), "ASYMX");
  EXPECT_EQ(m.substr(kHeaderSize + 17 + 2, 2), std::string("\x1c\x01", 2));
  EXPECT_EQ(m.substr(kHeaderSize + 17 + 12, 5), "-5.00");
  EXPECT_EQ(m.substr(m.size() - 4), "5.25");
}

TEST(MessageBuilderTest, NoValueAndInterlocks) {
  MessageBuilder b("2026-01-0508:00:07", 1);
  b.AddNoValue(kGroupRt, el::kDeliveryMu, 'R');
  const std::vector<std::string> il = {"DOOR OPEN", "VACUUM"};
  b.AddInterlocks(il);
  const std::string m = b.Finish();
  EXPECT_NE(m.find("-32767"), std::string::npos);
  EXPECT_NE(m.find("DOOR OPEN"), std::string::npos);
  EXPECT_NE(m.find("VACUUM"), std::string::npos);
}

TEST(MessageBuilderTest, FormatsTimestampWithoutSeparator) {
  EXPECT_EQ(FormatIcomTimestamp(1767600000), "2026-01-0508:00:00");
  EXPECT_EQ(FormatIcomTimestamp(951782400 + 86399), "2000-02-2923:59:59");
  EXPECT_TRUE(IsIcomTimestamp(FormatIcomTimestamp(1767600000).c_str()));
  EXPECT_FALSE(IsIcomTimestamp("2026-13-0508:00:00"));
  EXPECT_FALSE(IsIcomTimestamp("2026-01-05 08:00:0"));
}

}  // namespace
}  // namespace qcflow::icom
