#include "ingest/trf/vendor_text.h"

#include <gtest/gtest.h>

#include "tests/testing/trf_fixtures.h"

namespace qcflow::trf {
namespace {

constexpr const char* kVendorLog = QCFLOW_TRF_FIXTURES "/17_04_19 21_18_39 Z .trf";
constexpr const char* kVendorCsv = QCFLOW_TRF_FIXTURES "/17_04_19 21_18_39 Z .csv";

const TrfLog& VendorLog() {
  static const TrfLog log = [] {
    TrfLog out;
    EXPECT_TRUE(DecodeTrf(testing::ReadTrfFixture(kVendorLog),
                          testing::TrfColumns(QCFLOW_TRF_COLUMNS), &out)
                    .ok());
    return out;
  }();
  return log;
}

testing::TrfCsv Vendor() { return testing::ParseTrfCsv(testing::ReadTrfFixture(kVendorCsv)); }

// Every cell through AppendVendorCell, against the vendor's CSV.
TEST(TrfVendorTextTest, EveryCellEqualsTheVendorsCsv) {
  const TrfLog& log = VendorLog();
  const testing::TrfCsv vendor = Vendor();
  ASSERT_EQ(vendor.rows.size(), 441u);
  ASSERT_EQ(vendor.columns.size(), 351u);
  ASSERT_EQ(log.rows, vendor.rows.size());
  ASSERT_EQ(log.columns.size() + 1, vendor.columns.size());
  size_t compared = 0, mismatches = 0;
  std::string cell;
  for (size_t r = 0; r < log.rows; ++r) {
    ASSERT_EQ(vendor.rows[r].size(), vendor.columns.size()) << "row " << r;
    cell.clear();
    AppendVendorTime(r, &cell);
    EXPECT_EQ(cell, vendor.rows[r][0]) << "row " << r << " time";
    for (size_t c = 0; c < log.columns.size(); ++c, ++compared) {
      EXPECT_EQ(log.columns[c].name, vendor.columns[c + 1]);
      cell.clear();
      AppendVendorCell(log, r, c, &cell);
      if (cell != vendor.rows[r][c + 1] && ++mismatches <= 10) {
        ADD_FAILURE() << "row " << r << " \"" << log.columns[c].name << "\": " << cell
                      << ", vendor " << vendor.rows[r][c + 1] << " (raw " << log.Raw(r, c) << ")";
      }
    }
  }
  EXPECT_EQ(compared, 441u * 350u);
  EXPECT_EQ(mismatches, 0u);
}

// The whole CSV, parsed back: header values, column line, rows.
TEST(TrfVendorTextTest, TheCsvIsTheVendorsCsv) {
  std::string text;
  AppendVendorCsv(VendorLog(), &text);
  EXPECT_EQ(text.substr(0, 94),
            "Version = 1\nLinac Id = 2694\nTreatment Name =\nTotal Dose = 0 MU\n"
            "UTC Time = 17/04/19 21:18:39 Z\n");
  const testing::TrfCsv ours = testing::ParseTrfCsv(text);
  EXPECT_EQ(ours.header.size(), 6u);
  size_t cells = 0;
  const auto diff = testing::TrfCsvMismatches(ours, Vendor(), 10, &cells);
  EXPECT_TRUE(diff.empty()) << diff[0];
  EXPECT_EQ(cells, 441u * 351u);
}

TEST(TrfVendorTextTest, TimesAndDoseAsTheVendorWritesThem) {
  auto time = [](size_t row) {
    std::string s;
    AppendVendorTime(row, &s);
    return s;
  };
  EXPECT_EQ(time(0), "0");
  EXPECT_EQ(time(1), "0.04");
  EXPECT_EQ(time(25), "1");
  EXPECT_EQ(time(440), "17.6");
  EXPECT_EQ(time(176), "7.04");
  TrfHeader h;
  h.mu_raw = 4468.0;
  EXPECT_EQ(VendorHeader(h)[3].second, "446.8 MU");
}

}  // namespace
}  // namespace qcflow::trf
