#include "ingest/icom/decoder.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "ingest/icom/encoder.h"

namespace qcflow::icom {
namespace {

constexpr char kTs[] = "2026-01-0508:00:07";

std::string FullMessage(int pairs) {
  MessageBuilder b(kTs, 42);
  b.Add(kGroupPatient, el::kPatientId, "LO", 'P', "QC123456");
  b.Add(kGroupPatient, el::kPatientName, "PN", 'P', "SMITH, ANNA");
  b.Add(kGroupRt, el::kRxSite, "LO", 'P', "PROSTATE");
  b.Add(kGroupRt, el::kFieldId, "LO", 'P', "ARC1");
  b.Add(kGroupRt, el::kMachineId, "SH", 'P', "LA3");
  std::vector<double> mlc;
  for (int i = 0; i < pairs; ++i) {
    mlc.push_back(-1.0 - i * 0.01);
    mlc.push_back(1.5 + i * 0.01);
  }
  const std::vector<double> jx = {-5.5, 6.0}, jy = {-7.0, 7.25};
  for (char part : {'P', 'S', 'R'}) {
    b.AddCollimation(part, "MLCX", mlc);
    b.AddCollimation(part, "ASYMX", jx);
    b.AddCollimation(part, "ASYMY", jy);
  }
  b.Add(kGroupRt, el::kRadiationType, "CS", 'R', "PHOTON");
  b.Add(kGroupRt, el::kEnergy, "SH", 'R', "6FFF");
  b.Add(kGroupRt, el::kWedge, "CS", 'R', "NONE");
  b.AddNumber(kGroupRt, el::kSegment, 'R', 2, 0);
  b.AddNumber(kGroupRt, el::kTotalMu, 'R', 180.5, 1);
  b.AddNumber(kGroupRt, el::kDeliveryMu, 'R', 95.3, 1);
  b.AddNumber(kGroupRt, el::kBackupDeliveryMu, 'R', 95.1, 1);
  b.Add(kGroupRt, el::kBeamTimer, "SH", 'R', "0.42");
  b.AddNumber(kGroupRt, el::kSegmentMu, 'R', 60.2, 1);
  b.AddNumber(kGroupRt, el::kGantry, 'R', 181.5, 1);
  b.AddNumber(kGroupRt, el::kCollimator, 'R', 45, 1);
  b.AddNumber(kGroupRt, el::kTableColumn, 'R', 1.5, 1);
  b.AddNumber(kGroupRt, el::kTableIsocentric, 'R', 358.5, 1);
  b.AddNumber(kGroupRt, el::kTableVertical, 'R', -12.5, 1);
  b.AddNumber(kGroupRt, el::kTableLongitudinal, 'R', 104.2, 1);
  b.AddNumber(kGroupRt, el::kTableLateral, 'R', 0.3, 1);
  b.Add(kGroupRt, el::kBeamDescription, "SH", 'R', "ARC 1");
  const std::vector<std::string> il = {"DOOR OPEN", "VACUUM"}, prev = {"DOSE RATE"};
  b.AddInterlocks(il);
  b.AddInterlocks(prev, /*previous=*/true);
  return b.Finish();
}

TEST(DecoderTest, EveryFieldOfTheTable) {
  IcomMessage m;
  ASSERT_TRUE(DecodeMessage(FullMessage(80), &m).ok());
  EXPECT_TRUE(m.issues.empty());
  EXPECT_EQ(m.timestamp, kTs);
  EXPECT_EQ(m.counter, 42);
  EXPECT_EQ(m.patient_id, "QC123456");
  EXPECT_EQ(m.patient_name, "SMITH, ANNA");
  EXPECT_EQ(m.rx_site, "PROSTATE");
  EXPECT_EQ(m.field_id, "ARC1");
  EXPECT_EQ(m.machine_id, "LA3");
  EXPECT_EQ(m.radiation_type, "PHOTON");
  EXPECT_EQ(m.energy, "6FFF");
  EXPECT_EQ(m.wedge, "NONE");
  EXPECT_EQ(m.segment, 2.0);
  EXPECT_EQ(m.total_mu, 180.5);
  EXPECT_EQ(m.delivery_mu, 95.3);
  EXPECT_EQ(m.backup_delivery_mu, 95.1);
  EXPECT_EQ(m.beam_timer, "0.42");
  EXPECT_EQ(m.segment_mu, 60.2);
  EXPECT_EQ(m.gantry_deg, 181.5);
  EXPECT_EQ(m.collimator_deg, 45.0);
  EXPECT_EQ(m.table_column_deg, 1.5);
  EXPECT_EQ(m.table_isocentric_deg, 358.5);
  EXPECT_EQ(m.table_vertical, -12.5);
  EXPECT_EQ(m.table_longitudinal, 104.2);
  EXPECT_EQ(m.table_lateral, 0.3);
  EXPECT_EQ(m.beam_description, "ARC 1");
  EXPECT_EQ(m.interlocks, (std::vector<std::string>{"DOOR OPEN", "VACUUM"}));
  EXPECT_EQ(m.previous_interlocks, (std::vector<std::string>{"DOSE RATE"}));
  for (int p = 0; p < kPartCount; ++p) {
    const Collimation& c = m.collimation[p];
    ASSERT_EQ(c.mlc_pairs(), 80u) << p;
    EXPECT_EQ(c.mlc[0], -1.0);
    EXPECT_EQ(c.mlc[1], 1.5);
    EXPECT_DOUBLE_EQ(c.mlc[159], 1.5 + 79 * 0.01);
    ASSERT_TRUE(c.asym_x && c.asym_y);
    EXPECT_EQ((*c.asym_x)[0], -5.5);
    EXPECT_EQ((*c.asym_x)[1], 6.0);
    EXPECT_EQ((*c.asym_y)[1], 7.25);
  }
}

TEST(DecoderTest, FortyPairMlc) {
  IcomMessage m;
  ASSERT_TRUE(DecodeMessage(FullMessage(40), &m).ok());
  EXPECT_TRUE(m.issues.empty());
  EXPECT_EQ(m.collimation[kPartR].mlc_pairs(), 40u);
  EXPECT_EQ(m.collimation[kPartS].mlc_pairs(), 40u);
}

TEST(DecoderTest, NoValueAndAbsentFields) {
  MessageBuilder b(kTs, 0);
  b.AddNoValue(kGroupRt, el::kDeliveryMu, 'R');
  b.Add(kGroupRt, el::kGantry, "DS", 'R', "32767");
  b.Add(kGroupRt, el::kEnergy, "SH", 'R', "-32767");
  IcomMessage m;
  ASSERT_TRUE(DecodeMessage(b.Finish(), &m).ok());
  EXPECT_FALSE(m.delivery_mu);
  EXPECT_FALSE(m.gantry_deg);
  EXPECT_FALSE(m.energy);
  EXPECT_FALSE(m.patient_id);
  EXPECT_TRUE(m.collimation[kPartR].mlc.empty());
  EXPECT_EQ(m.element_count, 3u);
}

TEST(DecoderTest, NumbersOfEveryShapeMatchFromChars) {
  // Padded, signed, exponent and long forms go through from_chars; the short
  // fast path must give bit-identical values.
  struct Case {
    const char* text;
    std::optional<double> want;
  };
  const Case cases[] = {{"-0.30", -0.30},        {"12", 12.0},     {" 45.5 ", 45.5},
                        {"+3.25", 3.25},         {"1e2", 100.0},   {"0.1", 0.1},
                        {"123456789.123456789", 123456789.123456789},
                        {"-32767", std::nullopt}, {"32767.5", 32767.5}, {"abc", std::nullopt},
                        {"", std::nullopt},      {"-", std::nullopt},
                        // from_chars reads these; not measurements (found with tests/fuzz).
                        {"nan", std::nullopt},   {"inf", std::nullopt}, {"-infinity", std::nullopt}};
  for (const Case& c : cases) {
    MessageBuilder b(kTs, 0);
    b.Add(kGroupRt, el::kGantry, "DS", 'R', c.text);
    IcomMessage m;
    ASSERT_TRUE(DecodeMessage(b.Finish(), &m).ok());
    EXPECT_EQ(m.gantry_deg, c.want) << c.text;
  }
}

TEST(DecoderTest, NumberThatDoesNotParseCompletelyIsNoValueWithAnIssue) {
  for (const char* text : {"12.5x", "1.2.3", "abc", "181,5", "0x10"}) {
    SCOPED_TRACE(text);
    MessageBuilder b(kTs, 0);
    b.AddNumber(kGroupRt, el::kDeliveryMu, 'R', 95.3, 1);
    b.Add(kGroupRt, el::kGantry, "DS", 'R', text);
    IcomMessage m;
    ASSERT_TRUE(DecodeMessage(b.Finish(), &m).ok());
    EXPECT_FALSE(m.gantry_deg);
    EXPECT_EQ(m.delivery_mu, 95.3);
    ASSERT_EQ(m.issues.size(), 1u);
    EXPECT_EQ(m.issues[0].what, "gantry angle is not a number; kept as no value");
    EXPECT_GT(m.issues[0].offset, 27u);  // the element's, after the header
  }
  for (const char* text : {"", "   ", "32767", "-32767", "181.5"}) {  // blank and no value are normal
    SCOPED_TRACE(text);
    MessageBuilder b(kTs, 0);
    b.Add(kGroupRt, el::kGantry, "DS", 'R', text);
    IcomMessage m;
    ASSERT_TRUE(DecodeMessage(b.Finish(), &m).ok());
    EXPECT_TRUE(m.issues.empty());
  }
}

TEST(DecoderTest, ReusedMessageIsCleared) {
  IcomMessage m;
  ASSERT_TRUE(DecodeMessage(FullMessage(80), &m).ok());
  MessageBuilder b(kTs, 1);
  ASSERT_TRUE(DecodeMessage(b.Finish(), &m).ok());
  EXPECT_FALSE(m.patient_id);
  EXPECT_TRUE(m.interlocks.empty());
  EXPECT_TRUE(m.collimation[kPartR].mlc.empty());
  EXPECT_FALSE(m.collimation[kPartR].asym_x);
}

TEST(DecoderTest, LengthPastTheEndIsReportedWithOffsetAndRestDecoded) {
  MessageBuilder b(kTs, 9);
  b.Add(kGroupRt, el::kEnergy, "SH", 'R', "10X");
  const size_t bad = b.bytes().size();
  // Header claiming 0x00010000 bytes: far past the end of the message.
  b.AddRaw(std::string("\x0a\x30\x32\x00" "DS\x00R\x00\x00\x01\x00", 12));
  b.Add(kGroupRt, el::kGantry, "DS", 'R', "90.0");
  b.Add(kGroupRt, el::kFieldId, "LO", 'P', "F2");
  IcomMessage m;
  ASSERT_TRUE(DecodeMessage(b.Finish(), &m).ok());
  ASSERT_EQ(m.issues.size(), 1u);
  EXPECT_EQ(m.issues[0].offset, bad);
  EXPECT_NE(m.issues[0].what.find("past the end"), std::string::npos);
  EXPECT_EQ(m.energy, "10X");
  EXPECT_EQ(m.gantry_deg, 90.0);
  EXPECT_EQ(m.field_id, "F2");
  EXPECT_FALSE(m.delivery_mu);
}

TEST(DecoderTest, GarbageHeaderIsSkippedToTheNextElement) {
  MessageBuilder b(kTs, 9);
  b.Add(kGroupRt, el::kEnergy, "SH", 'R', "10X");
  const size_t bad = b.bytes().size();
  b.AddRaw("\x01\x02garbage!");
  b.Add(kGroupRt, el::kGantry, "DS", 'R', "270.5");
  const std::string msg = b.Finish();
  IcomMessage m;
  ASSERT_TRUE(DecodeMessage(msg, &m).ok());
  ASSERT_EQ(m.issues.size(), 1u);
  EXPECT_EQ(m.issues[0].offset, bad);
  EXPECT_EQ(m.gantry_deg, 270.5);
  // Truncated inside the last element: the search for the next element finds
  // none that fits, so the garbage's issue covers the rest; earlier fields kept.
  ASSERT_TRUE(DecodeMessage(std::string_view(msg).substr(0, msg.size() - 2), &m).ok());
  ASSERT_EQ(m.issues.size(), 1u);
  EXPECT_EQ(m.energy, "10X");
  EXPECT_FALSE(m.gantry_deg);
}

TEST(DecoderTest, TruncatedLastElementIsReported) {
  MessageBuilder b(kTs, 9);
  b.Add(kGroupRt, el::kEnergy, "SH", 'R', "10X");
  const size_t last = b.bytes().size();
  b.Add(kGroupRt, el::kGantry, "DS", 'R', "270.5");
  const std::string msg = b.Finish();
  IcomMessage m;
  ASSERT_TRUE(DecodeMessage(std::string_view(msg).substr(0, msg.size() - 2), &m).ok());
  ASSERT_EQ(m.issues.size(), 1u);
  EXPECT_EQ(m.issues[0].offset, last);
  EXPECT_EQ(m.energy, "10X");
  EXPECT_FALSE(m.gantry_deg);
}

TEST(DecoderTest, UnusableHeaderIsCorruption) {
  IcomMessage m;
  EXPECT_EQ(DecodeMessage("short", &m).code(), Status::Code::kCorruption);
  MessageBuilder b("2026-01-05 08:00:0", 1);
  EXPECT_EQ(DecodeMessage(b.Finish(), &m).code(), Status::Code::kCorruption);
}

TEST(DecoderTest, CounterGapWrapsAt255) {
  EXPECT_EQ(CounterGap(255, 0), 0);
  EXPECT_EQ(CounterGap(10, 11), 0);
  EXPECT_EQ(CounterGap(254, 1), 2);
  EXPECT_EQ(CounterGap(7, 7), 255);
}

}  // namespace
}  // namespace qcflow::icom
