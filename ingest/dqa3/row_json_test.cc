#include "ingest/dqa3/row_json.h"

#include <iconv.h>

#include <algorithm>
#include <set>

#include <gtest/gtest.h>

#include "ingest/dqa3/dqa3_columns.h"

namespace qcflow::dqa3 {
namespace {

// glibc's converter is an independent reference for the hand-written table.
std::string IconvCp1251(const std::string& in) {
  iconv_t cd = iconv_open("UTF-8", "CP1251");
  EXPECT_NE(cd, reinterpret_cast<iconv_t>(-1));
  std::string out(in.size() * 4, '\0');
  char* src = const_cast<char*>(in.data());
  size_t src_left = in.size();
  char* dst = out.data();
  size_t dst_left = out.size();
  size_t rc = iconv(cd, &src, &src_left, &dst, &dst_left);
  iconv_close(cd);
  EXPECT_NE(rc, static_cast<size_t>(-1));
  out.resize(out.size() - dst_left);
  return out;
}

TEST(Win1251ToUtf8, MatchesIconvForEveryMappedByte) {
  std::string all;
  for (int b = 1; b < 256; ++b) {
    if (b != 0x98) all += static_cast<char>(b);  // 0x98 is unassigned in CP1251
  }
  EXPECT_EQ(Win1251ToUtf8(all), IconvCp1251(all));
  EXPECT_EQ(Win1251ToUtf8("\xCA\xE0\xED\xFC\xEE\xED 1"), "Каньон 1");
  EXPECT_EQ(Win1251ToUtf8("\x98"), "\xEF\xBF\xBD");  // U+FFFD, never dropped silently
}

TEST(Dqa3Columns, NormaliseAndSupport) {
  EXPECT_EQ(NormaliseSchemaVersion("01.04.00.00"), "01.04");
  EXPECT_EQ(NormaliseSchemaVersion(" 1.5.0.12 "), "1.5");
  EXPECT_EQ(NormaliseSchemaVersion("01.06"), "01.06");
  EXPECT_TRUE(IsSupportedSchema("01.03"));
  EXPECT_FALSE(IsSupportedSchema("01.05"));
  EXPECT_FALSE(IsSupportedSchema("1.4"));
  EXPECT_TRUE(PayloadColumns("01.02").empty());
}

TEST(Dqa3Columns, EveryVersionStartsWithKeyAndTimeAndHasNoDuplicates) {
  for (const char* v : {"01.03", "01.04", "01.06", "1.5"}) {
    const auto& cols = PayloadColumns(v);
    ASSERT_GT(cols.size(), 30u) << v;
    std::set<std::string> unique(cols.begin(), cols.end());
    EXPECT_EQ(unique.size(), cols.size()) << v;
    EXPECT_TRUE(cols[0] == "tr.DATA_KEY" || cols[0] == "data.Dqa3DataId") << v;
    EXPECT_TRUE(cols[1] == "tr.MEASURED_DATETIME" || cols[1] == "data.Created") << v;
  }
  // 01.06 = 01.04 + the nine beam-shape-constancy columns.
  EXPECT_EQ(PayloadColumns("01.06").size(), PayloadColumns("01.04").size() + 9);
  // 01.03 spells axial symmetry AXIALSYM; 01.04 AXSYM.
  const auto& c103 = PayloadColumns("01.03");
  EXPECT_NE(std::find(c103.begin(), c103.end(), "tr.AB_AXIALSYM"), c103.end());
  const auto& c104 = PayloadColumns("01.04");
  EXPECT_NE(std::find(c104.begin(), c104.end(), "tr.REL_BASELINE_AXSYM"), c104.end());
}

}  // namespace
}  // namespace qcflow::dqa3
