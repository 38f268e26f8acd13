#include "ingest/icom/encoder.h"

#include <gtest/gtest.h>

#include <array>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "ingest/icom/decoder.h"
#include "ingest/icom/framer.h"
#include "store/time_util.h"

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

TEST(MessageBuilderTest, TimestampsRoundTripThroughTheFormat) {
  // Every ~3 days and 17 s from 1970 to 2100: leap days, month ends, every hour.
  for (int64_t t = 0; t < 4102444800; t += 3 * 86400 + 17) {
    const std::string ts = FormatIcomTimestamp(t);
    ASSERT_EQ(ts.size(), kTimestampSize);
    ASSERT_TRUE(IsIcomTimestamp(ts.c_str())) << ts;
    auto back = CivilToUtc(ReadIcomTimestamp(ts.c_str()), "UTC");
    ASSERT_TRUE(back.ok()) << ts;
    ASSERT_EQ(*back, t * kMicrosPerSecond) << ts;
  }
}

// Encoder -> framer -> decoder round trip: random messages with every field of
// the spec's table (or its absence, or "no value") decode to what was encoded.

struct TextField {
  uint16_t group, element;
  const char* vr;
  char part;
  std::optional<std::string> IcomMessage::*field;
};
const TextField kTextFields[] = {
    {kGroupPatient, el::kPatientId, "LO", 'P', &IcomMessage::patient_id},
    {kGroupPatient, el::kPatientName, "PN", 'P', &IcomMessage::patient_name},
    {kGroupRt, el::kRxSite, "LO", 'P', &IcomMessage::rx_site},
    {kGroupRt, el::kFieldId, "LO", 'P', &IcomMessage::field_id},
    {kGroupRt, el::kMachineId, "SH", 'P', &IcomMessage::machine_id},
    {kGroupRt, el::kRadiationType, "CS", 'R', &IcomMessage::radiation_type},
    {kGroupRt, el::kEnergy, "SH", 'R', &IcomMessage::energy},
    {kGroupRt, el::kWedge, "CS", 'R', &IcomMessage::wedge},
    {kGroupRt, el::kBeamTimer, "SH", 'R', &IcomMessage::beam_timer},
    {kGroupRt, el::kBeamDescription, "SH", 'R', &IcomMessage::beam_description},
};

struct NumberField {
  uint16_t element;
  std::optional<double> IcomMessage::*field;
};
const NumberField kNumberFields[] = {
    {el::kSegment, &IcomMessage::segment}, {el::kTotalMu, &IcomMessage::total_mu},
    {el::kDeliveryMu, &IcomMessage::delivery_mu},
    {el::kBackupDeliveryMu, &IcomMessage::backup_delivery_mu},
    {el::kSegmentMu, &IcomMessage::segment_mu}, {el::kGantry, &IcomMessage::gantry_deg},
    {el::kCollimator, &IcomMessage::collimator_deg},
    {el::kTableColumn, &IcomMessage::table_column_deg},
    {el::kTableIsocentric, &IcomMessage::table_isocentric_deg},
    {el::kTableVertical, &IcomMessage::table_vertical},
    {el::kTableLongitudinal, &IcomMessage::table_longitudinal},
    {el::kTableLateral, &IcomMessage::table_lateral},
};

class RandomMessages {
 public:
  explicit RandomMessages(uint64_t seed) : rng_(seed) {}

  // A random message; *want is what decoding it must give.
  std::string Next(IcomMessage* want) {
    *want = IcomMessage{};
    want->timestamp = FormatIcomTimestamp(Int(0, 4102444799));
    want->counter = static_cast<uint8_t>(Int(0, 255));
    MessageBuilder b(want->timestamp, want->counter);
    for (const TextField& f : kTextFields) {
      if (Int(0, 3) == 0) continue;  // absent
      want->*f.field = Text();
      b.Add(f.group, f.element, f.vr, f.part, *(want->*f.field));
      ++want->element_count;
    }
    for (const NumberField& f : kNumberFields) {
      switch (Int(0, 3)) {
        case 0: continue;  // absent
        case 1: b.AddNoValue(kGroupRt, f.element, 'R'); break;
        default: {
          // k / 10^d is printed with d decimals as k's digits, and decoded back exactly.
          const int d = static_cast<int>(Int(0, 3));
          int64_t k = Int(-999999, 999999);
          if (d == 0 && (k == kNoValueMagnitude || k == -kNoValueMagnitude)) ++k;  // no value
          const double v = static_cast<double>(k) / kPow10[d];
          b.AddNumber(kGroupRt, f.element, 'R', v, d);
          want->*f.field = v;
        }
      }
      ++want->element_count;
    }
    for (int part = 0; part < kPartCount; ++part) AddCollimation(part, &b, want);
    for (int i = Int(0, 3); i > 0; --i) want->interlocks.push_back(Text());
    for (int i = Int(0, 2); i > 0; --i) want->previous_interlocks.push_back(Text());
    b.AddInterlocks(want->interlocks);
    b.AddInterlocks(want->previous_interlocks, /*previous=*/true);
    want->element_count += want->interlocks.size() + want->previous_interlocks.size();
    return b.Finish();
  }

 private:
  static constexpr double kPow10[] = {1, 10, 100, 1000};

  int64_t Int(int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(rng_); }

  // Printable, no blank at either end (the decoder trims them), never "no value".
  std::string Text() {
    static constexpr char kChars[] = "ABCXYZ0189 ,.^-_";
    std::string s(static_cast<size_t>(Int(1, 16)), ' ');
    for (char& c : s) c = kChars[Int(0, sizeof(kChars) - 2)];
    s.front() = 'Q';
    s.back() = '7';
    return s;
  }

  std::vector<double> Positions(size_t n) {
    std::vector<double> v(n);
    for (double& p : v) p = static_cast<double>(Int(-2000, 2000)) / 100;  // 2 decimals, cm
    return v;
  }

  void AddCollimation(int part, MessageBuilder* b, IcomMessage* want) {
    const char p = "PSR"[part];
    Collimation& c = want->collimation[part];
    if (Int(0, 3) > 0) {
      c.mlc = Positions(Int(0, 1) ? 160 : 80);
      b->AddCollimation(p, kCollimationMlcX, c.mlc);
      want->element_count += 1 + c.mlc.size();
    }
    for (auto [kind, jaws] :
         {std::pair{kCollimationAsymX, &c.asym_x}, std::pair{kCollimationAsymY, &c.asym_y}}) {
      if (Int(0, 3) == 0) continue;
      const std::vector<double> v = Positions(2);
      b->AddCollimation(p, kind, v);
      jaws->emplace(std::array<double, 2>{v[0], v[1]});
      want->element_count += 3;
    }
  }

  std::mt19937_64 rng_;
};

void ExpectSame(const IcomMessage& got, const IcomMessage& want) {
  EXPECT_EQ(got.timestamp, want.timestamp);
  EXPECT_EQ(got.counter, want.counter);
  for (const TextField& f : kTextFields) EXPECT_EQ(got.*f.field, want.*f.field) << f.element;
  for (const NumberField& f : kNumberFields) EXPECT_EQ(got.*f.field, want.*f.field) << f.element;
  EXPECT_EQ(got.interlocks, want.interlocks);
  EXPECT_EQ(got.previous_interlocks, want.previous_interlocks);
  for (int p = 0; p < kPartCount; ++p) {
    EXPECT_EQ(got.collimation[p].mlc, want.collimation[p].mlc) << p;
    EXPECT_EQ(got.collimation[p].asym_x, want.collimation[p].asym_x) << p;
    EXPECT_EQ(got.collimation[p].asym_y, want.collimation[p].asym_y) << p;
  }
  EXPECT_EQ(got.element_count, want.element_count);
  EXPECT_TRUE(got.issues.empty()) << got.issues.front().what;
}

TEST(MessageBuilderTest, RandomMessagesRoundTripThroughFramerAndDecoder) {
  RandomMessages gen(20261202);
  std::vector<std::string> sent;
  std::vector<IcomMessage> want(300);
  std::string stream;
  for (IcomMessage& w : want) {
    sent.push_back(gen.Next(&w));
    stream += sent.back();
  }
  std::vector<std::string> frames;
  Framer framer([&](const Frame& f) {
    EXPECT_EQ(f.chained_size, f.bytes.size());
    frames.emplace_back(f.bytes);
  });
  framer.Feed(stream);
  EXPECT_EQ(framer.FlushArchive().bytes, 0u);  // the last message is emitted, not dropped
  ASSERT_EQ(frames.size(), sent.size());
  IcomMessage got;
  for (size_t i = 0; i < frames.size(); ++i) {
    SCOPED_TRACE("message " + std::to_string(i));
    ASSERT_TRUE(frames[i] == sent[i]);
    ASSERT_TRUE(DecodeMessage(frames[i], &got).ok());
    ExpectSame(got, want[i]);
  }
}

}  // namespace
}  // namespace qcflow::icom
