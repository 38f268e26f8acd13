#include "ingest/icom/sim/linac_generator.h"

#include <gtest/gtest.h>

#include <map>
#include <string>

#include "ingest/icom/framer.h"
#include "ingest/icom/decoder.h"

namespace qcflow::icom {
namespace {

std::vector<std::string> Generate(const LinacGeneratorConfig& c) {
  return LinacGenerator::GenerateAll(c);
}

TEST(LinacGeneratorTest, SameSeedSameBytesOtherSeedOtherBytes) {
  LinacGeneratorConfig c;
  c.messages = 50;
  EXPECT_EQ(Generate(c), Generate(c));
  LinacGeneratorConfig d = c;
  d.seed = 2;
  EXPECT_NE(Generate(c), Generate(d));
}

TEST(LinacGeneratorTest, MessagesAreAbout8600BytesAndDecodeCleanly) {
  LinacGeneratorConfig c;
  c.messages = 300;
  c.first_counter = 250;
  std::vector<std::string> msgs = Generate(c);
  ASSERT_EQ(msgs.size(), 300u);
  size_t total = 0;
  IcomMessage m;
  uint8_t prev = 0;
  std::string prev_ts;
  for (size_t i = 0; i < msgs.size(); ++i) {
    total += msgs[i].size();
    ASSERT_TRUE(DecodeMessage(msgs[i], &m).ok());
    EXPECT_TRUE(m.issues.empty()) << i;
    EXPECT_EQ(m.collimation[kPartR].mlc_pairs(), 80u);
    if (i > 0) {
      EXPECT_EQ(CounterGap(prev, m.counter), 0) << i;
      EXPECT_GE(m.timestamp, prev_ts);
    }
    prev = m.counter;
    prev_ts = m.timestamp;
  }
  EXPECT_EQ(prev, static_cast<uint8_t>(250 + 299));  // wrapped 255 -> 0
  const double avg = static_cast<double>(total) / msgs.size();
  EXPECT_GT(avg, 7800);
  EXPECT_LT(avg, 9500);
}

TEST(LinacGeneratorTest, TruthMatchesDecodedDeliveryMu) {
  LinacGeneratorConfig c;
  c.messages = 2000;
  LinacGenerator g(c);
  std::string stream;
  while (g.Next(&stream)) {
  }
  ASSERT_GE(g.truth().fields.size(), 4u);
  // Sum of positive Delivery MU increments per (patient, field), from decoding.
  std::map<std::pair<std::string, std::string>, double> mu;
  std::map<std::pair<std::string, std::string>, double> last;
  IcomMessage m;
  Framer framer([&](const Frame& f) {
    ASSERT_TRUE(DecodeMessage(f.bytes, &m).ok());
    if (!m.patient_id || !m.field_id || !m.delivery_mu) return;
    auto key = std::make_pair(*m.patient_id, *m.field_id);
    double& l = last[key];
    if (*m.delivery_mu > l) mu[key] += *m.delivery_mu - l;
    l = *m.delivery_mu;
  });
  framer.Feed(stream);
  framer.FlushArchive();
  for (const DeliveredField& f : g.truth().fields) {
    EXPECT_NEAR((mu[{f.patient_id, f.field_id}]), f.mu, 1e-6) << f.field_id;
    EXPECT_FALSE(f.energy.empty());
  }
}

TEST(LinacGeneratorTest, FortyPairMlc) {
  LinacGeneratorConfig c;
  c.messages = 3;
  c.mlc_pairs = 40;
  IcomMessage m;
  for (const std::string& s : Generate(c)) {
    ASSERT_TRUE(DecodeMessage(s, &m).ok());
    EXPECT_EQ(m.collimation[kPartP].mlc_pairs(), 40u);
    EXPECT_EQ(m.collimation[kPartR].mlc_pairs(), 40u);
  }
}

}  // namespace
}  // namespace qcflow::icom
