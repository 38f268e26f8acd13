#include "ingest/trf/decoder.h"

#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>

#include "tests/testing/trf_fixtures.h"

namespace qcflow::trf {
namespace {

const ColumnsTable& Table() { return testing::TrfColumns(QCFLOW_TRF_COLUMNS); }

std::string Read(const std::string& path) { return testing::ReadTrfFixture(path); }

// A fixture, its header length and row size (the fixtures decode whole).
struct Sized {
  std::string bytes;
  size_t header = 0, row = 0, columns = 0;
};
Sized ReadSized(const std::string& path) {
  Sized s{Read(path)};
  TrfLog log;
  EXPECT_TRUE(DecodeTrf(s.bytes, Table(), &log).ok());
  s.header = log.header.size;
  s.columns = log.columns.size();
  s.row = LayoutOf(log.header.version).RowSize(s.columns);
  return s;
}

std::string Fixture(const std::string& name) {
  return Read(std::string(QCFLOW_TRF_FIXTURES) + "/" + name);
}

std::string Name(const std::string& path) { return std::filesystem::path(path).filename(); }

// A log built here: the header, then `rows` (each N values) in `version`'s layout,
// timestamps 1000, 1040, ...
std::string Build(int version, const std::vector<std::pair<int16_t, int16_t>>& parts,
                  const std::vector<std::vector<int32_t>>& rows, const std::string& field = "1-1/F") {
  std::string b;
  for (const std::string& s : {std::string("18/12/12 08:21:44 Z"), std::string("+11:00"), field,
                               std::string("9002")}) {
    b.push_back(static_cast<char>(s.size()));
    b += s;
  }
  auto put = [&b](const void* p, size_t n) { b.append(static_cast<const char*>(p), n); };
  const double mu = 400.0;
  const int32_t v = version, n = static_cast<int32_t>(parts.size());
  put(&mu, 8);
  put(&v, 4);
  put(&n, 4);
  for (auto [item, sub] : parts) {
    put(&item, 2);
    put(&sub, 2);
  }
  int64_t ts = 1000;
  for (const auto& row : rows) {
    if (version > 1) put(&ts, 8);
    ts += 40;
    for (int32_t x : row) {
      if (version == 4) {
        put(&x, 4);
      } else {
        const int16_t s = static_cast<int16_t>(x);
        put(&s, 2);
      }
    }
  }
  return b;
}

// Step Dose, Dose raw, Linac State, Y2 Leaf 1, Mlc Status.
const std::vector<std::pair<int16_t, int16_t>> kParts = {
    {2238, 111}, {2162, 101}, {2543, 111}, {2380, 129}, {2170, 111}};

TEST(TrfDecoderTest, EveryFixtureDecodesWhole) {
  const auto files = testing::TrfFixtureFiles(QCFLOW_TRF_FIXTURES);
  ASSERT_EQ(files.size(), 11u);
  TrfLog log;
  for (const std::string& path : files) {
    SCOPED_TRACE(Name(path));
    const std::string bytes = Read(path);
    ASSERT_TRUE(DecodeTrf(bytes, Table(), &log).ok());
    EXPECT_TRUE(log.issues.empty()) << log.issues[0].what;
    const bool int4 = Name(path).rfind("INT4", 0) == 0;
    EXPECT_EQ(log.header.version, int4 ? 3 : 1);
    EXPECT_EQ(log.header.machine_id, int4 ? "9002" : "2694");
    EXPECT_EQ(log.columns.size(), 350u);
    EXPECT_GT(log.rows, 400u);
    EXPECT_EQ(log.header.size + log.rows * LayoutOf(log.header.version).RowSize(350), bytes.size());
    EXPECT_TRUE(log.header.start.has_value());
    for (const TrfColumn& c : log.columns) EXPECT_TRUE(c.known) << c.name;
    // A normal beam ends in Terminated Ok.
    const auto state = log.FindColumn("Linac State/Actual Value (None)");
    ASSERT_TRUE(state.has_value());
    EXPECT_EQ(log.Label(log.rows - 1, *state), "Terminated Ok");
    // Integrity 4 (version 3): the timestamp block, one per row, rising about
    // 40 ms a row (ms since 1970; the linac's clock jitters by a few ms).
    ASSERT_EQ(log.has_timestamps(), int4);
    if (int4) {
      for (size_t r = 1; r < log.rows; ++r) {
        ASSERT_GT(log.Timestamp(r), log.Timestamp(r - 1)) << "row " << r;
      }
      const double step = double(log.Timestamp(log.rows - 1) - log.Timestamp(0)) / (log.rows - 1);
      EXPECT_NEAR(step, 40, 1);
      EXPECT_GT(log.Timestamp(0), 1544572800000);  // 2018-12-12, the header's day
      EXPECT_LT(log.Timestamp(0), 1544659200000);
    }
  }
}

TEST(TrfDecoderTest, ReadTrfHeaderGivesWhatTheWholeDecodeGives) {
  TrfLog log;
  for (const std::string& path : testing::TrfFixtureFiles(QCFLOW_TRF_FIXTURES)) {
    SCOPED_TRACE(Name(path));
    const std::string bytes = Read(path);
    ASSERT_TRUE(DecodeTrf(bytes, Table(), &log).ok());
    TrfHeader h;
    ASSERT_TRUE(ReadTrfHeader(bytes, &h).ok());
    EXPECT_EQ(h.date, log.header.date);
    EXPECT_EQ(h.field, log.header.field);
    EXPECT_EQ(h.start, log.header.start);
    EXPECT_EQ(h.mu_raw, log.header.mu_raw);
    EXPECT_EQ(h.size, log.header.size);
    // Cut inside the header: the same refusal as the whole decode.
    const std::string cut = bytes.substr(0, 10);
    const Status whole = DecodeTrf(cut, Table(), &log);
    const Status header = ReadTrfHeader(cut, &h);
    EXPECT_FALSE(header.ok());
    EXPECT_EQ(header.message(), whole.message());
    EXPECT_EQ(h.size, 0u);
  }
}

TEST(TrfDecoderTest, ReadsTheHeaderByItsLengths) {
  TrfLog log;
  ASSERT_TRUE(DecodeTrf(Fixture("17_04_30 21_43_26 Z 1-1_DIR E.trf"), Table(), &log).ok());
  EXPECT_EQ(log.header.date, "17/04/30 21:43:26 Z");
  EXPECT_EQ(log.header.utc_offset, "+10:00");
  EXPECT_EQ(log.header.field, "1-1/DIR E");
  EXPECT_EQ(log.header.field_label, "1-1");
  EXPECT_EQ(log.header.field_name, "DIR E");
  EXPECT_DOUBLE_EQ(log.header.mu(), 446.8);
  EXPECT_EQ(FormatUtcIso(*log.header.start), "2017-04-30T21:43:26Z");
  // The final cumulative step dose is the header's MU.
  const auto dose = log.FindColumn("Step Dose/Actual Value (Mu)");
  ASSERT_TRUE(dose.has_value());
  EXPECT_NEAR(log.Value(log.rows - 1, *dose), 446.8, 0.2);

  // Integrity 4: an ICOM-prefixed field with ':' and '/' in it; split at the first '/'.
  ASSERT_TRUE(DecodeTrf(Fixture("INT4 18_12_12 08_21_44 Z [ICOM_ 7_03_2018 15_16_23] D Abut..trf"),
                        Table(), &log)
                  .ok());
  EXPECT_EQ(log.header.field, "[ICOM: 7/03/2018 15:16:23] D Abut.");
  EXPECT_EQ(log.header.utc_offset, "+11:00");
  EXPECT_DOUBLE_EQ(log.header.mu(), 40.0);
}

TEST(TrfDecoderTest, VersionsTwoAndFourRows) {
  const std::vector<std::vector<int32_t>> rows = {{0, -2, 42, 15, 0}, {4468, 70000, 46, -3, 12}};
  TrfLog log;
  ASSERT_TRUE(DecodeTrf(Build(4, kParts, rows), Table(), &log).ok());
  EXPECT_TRUE(log.issues.empty());
  ASSERT_EQ(log.rows, 2u);
  ASSERT_TRUE(log.has_timestamps());
  EXPECT_EQ(log.Timestamp(0), 1000);
  EXPECT_EQ(log.Timestamp(1), 1040);
  EXPECT_DOUBLE_EQ(log.Value(1, 0), 446.8);
  EXPECT_DOUBLE_EQ(log.Value(1, 1), 70000);  // int32 rows: no 16-bit wrap
  EXPECT_DOUBLE_EQ(log.Value(0, 1), -2);
  EXPECT_EQ(log.Label(1, 2), "Terminated Ok");
  EXPECT_DOUBLE_EQ(log.Value(0, 3), -1.5);  // Y2 leaves are negated
  EXPECT_DOUBLE_EQ(log.Value(1, 3), 0.3);
  EXPECT_DOUBLE_EQ(log.Value(1, 4), 1.2);  // Mlc Status (v4)

  ASSERT_TRUE(DecodeTrf(Build(2, kParts, rows), Table(), &log).ok());
  ASSERT_EQ(log.rows, 2u);
  EXPECT_TRUE(log.has_timestamps());
  EXPECT_EQ(log.Timestamp(1), 1040);
  EXPECT_DOUBLE_EQ(log.Value(0, 1), 65534);  // int16 read as unsigned
}

TEST(TrfDecoderTest, UnknownCodesAndItemPartsAreKeptAndReported) {
  auto parts = kParts;
  parts.emplace_back(2541, 111);  // Wedge Position
  parts.emplace_back(9999, 7);    // not in columns.json
  TrfLog log;
  ASSERT_TRUE(
      DecodeTrf(Build(1, parts, {{0, 0, 99, 0, 0, 1, 5}, {0, 0, 99, 0, 0, 3, 6}, {0, 0, 46, 0, 0, 2, 7}}),
                Table(), &log)
          .ok());
  ASSERT_EQ(log.rows, 3u);
  ASSERT_EQ(log.issues.size(), 3u);
  EXPECT_NE(log.issues[0].what.find("item part 9999_7 (column 7)"), std::string::npos);
  EXPECT_NE(log.issues[1].what.find("Linac State/Actual Value (None): unknown code 99 in 2 row(s), "
                                    "first row 0"),
            std::string::npos);
  EXPECT_NE(log.issues[2].what.find("Wedge Position/Actual Value (None): unknown code 3 in 1 row(s), "
                                    "first row 1"),
            std::string::npos);
  EXPECT_EQ(log.columns[6].name, "9999_7");
  EXPECT_EQ(log.Value(2, 6), 7);
  EXPECT_EQ(log.Value(0, 2), 99);
  EXPECT_EQ(log.Label(0, 2), "");
  EXPECT_EQ(log.Label(2, 2), "Terminated Ok");
  // The unknown state's offset points at its bytes.
  const std::string bytes = Build(1, parts, {{0, 0, 99, 0, 0, 1, 5}});
  EXPECT_EQ(ReadI16(bytes.data() + log.issues[1].offset), 99);
}

TEST(TrfDecoderTest, TruncatedFixturesAreReportedWithTheirOffset) {
  TrfLog log;
  for (const std::string& path : testing::TrfFixtureFiles(QCFLOW_TRF_FIXTURES)) {
    SCOPED_TRACE(Name(path));
    const auto [bytes, header, row, columns] = ReadSized(path);
    // Every cut inside the header, and cuts inside rows.
    std::vector<size_t> cuts;
    for (size_t n = 0; n < header; n += 3) cuts.push_back(n);
    for (size_t n : {header + 1, header + row - 1, header + 5 * row + 17, bytes.size() - 1}) {
      cuts.push_back(n);
    }
    for (size_t n : cuts) {
      SCOPED_TRACE("cut at " + std::to_string(n));
      const Status s = DecodeTrf(std::string_view(bytes).substr(0, n), Table(), &log);
      if (n < header) {
        ASSERT_FALSE(s.ok());
        EXPECT_EQ(s.code(), Status::Code::kCorruption);
        EXPECT_NE(s.message().find("at byte"), std::string::npos) << s.message();
        EXPECT_EQ(log.rows, 0u);
        continue;
      }
      ASSERT_TRUE(s.ok()) << s.ToString();
      ASSERT_EQ(log.issues.size(), 1u);
      const size_t whole = (n - header) / row;
      EXPECT_EQ(log.rows, whole);
      EXPECT_EQ(log.issues[0].offset, header + whole * row);
      EXPECT_NE(log.issues[0].what.find("the last " + std::to_string(n - header - whole * row) +
                                        " bytes"),
                std::string::npos)
          << log.issues[0].what;
    }
  }
}

TEST(TrfDecoderTest, BitFlippedFixturesNeverCrashAndHeaderFlipsAreReported) {
  TrfLog log;
  for (const std::string& path : testing::TrfFixtureFiles(QCFLOW_TRF_FIXTURES)) {
    SCOPED_TRACE(Name(path));
    const auto [bytes, header, row, columns] = ReadSized(path);
    const size_t strings = header - kHeaderFixedSize - columns * kItemPartSize;
    // Every bit of the header (decoded with 8 rows after it, to keep the test
    // quick), and 64 bytes spread over the rows (the whole file).
    std::string copy = bytes.substr(0, header + 8 * row);
    std::vector<size_t> positions;
    for (size_t i = 0; i < header; ++i) positions.push_back(i);
    size_t reported = 0;
    for (size_t at : positions) {
      for (int bit = 0; bit < 8; ++bit) {
        copy[at] = static_cast<char>(copy[at] ^ (1 << bit));
        const Status s = DecodeTrf(copy, Table(), &log);
        copy[at] = static_cast<char>(copy[at] ^ (1 << bit));
        EXPECT_TRUE(s.ok() || s.code() == Status::Code::kCorruption);
        EXPECT_LE(log.header.size + log.rows * log.row_size, copy.size());
        if (!s.ok() || log.damaged()) ++reported;
        // Always reported: a version above 255, an item-part count of 2^24 or
        // more, an item part with its sign bit set (no such part is known).
        const bool version = at >= strings + 9 && at < strings + 12;
        const bool count = at == strings + 15;
        const bool item_sign = at >= strings + 16 && (at - strings - 16) % 4 == 1 && bit == 7;
        if (version || count || item_sign) {
          EXPECT_TRUE(!s.ok() || log.damaged()) << "flip at byte " << at << " bit " << bit;
        }
      }
    }
    EXPECT_GT(reported, 0u);
    copy = bytes;
    for (size_t i = 0; i < 64; ++i) {
      const size_t at = header + (bytes.size() - header) * i / 64;
      copy[at] = static_cast<char>(copy[at] ^ 0x80);
      ASSERT_TRUE(DecodeTrf(copy, Table(), &log).ok());
      copy[at] = static_cast<char>(copy[at] ^ 0x80);
      EXPECT_EQ(log.rows * row + header, bytes.size());
    }
  }
}

}  // namespace
}  // namespace qcflow::trf
