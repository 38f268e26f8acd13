#include "process/icom/delivery_builder.h"

#include <gtest/gtest.h>

#include <limits>
#include <string>
#include <vector>

namespace qcflow::icom {
namespace {

constexpr MicrosUtc kT0 = 1767600000LL * kMicrosPerSecond;

// A message as the decoder would produce it; fluent setters for the tests.
struct Msg {
  IcomMessage m;
  Msg() {
    m.timestamp = "2026-01-0508:00:00";
    m.energy = "6X";
  }
  static Msg Idle() {
    Msg x;
    x.m.energy.reset();
    return x;
  }
  static Msg Beam(const std::string& patient, const std::string& field, double mu) {
    Msg x;
    x.m.patient_id = patient;
    x.m.patient_name = "DOE, JANE";
    x.m.field_id = field;
    x.m.delivery_mu = mu;
    return x;
  }
  Msg& Energy(const std::string& e) { m.energy = e; return *this; }
  Msg& Gantry(double g) { m.gantry_deg = g; return *this; }
  Msg& Collimator(double c) { m.collimator_deg = c; return *this; }
  Msg& Segment(double s) { m.segment = s; return *this; }
  Msg& Interlock(const std::string& i) { m.interlocks.push_back(i); return *this; }
  Msg& NoMu() { m.delivery_mu.reset(); return *this; }
  Msg& Damaged() { m.issues.push_back({40, "element length runs past the end"}); return *this; }
};

// Feeds messages one second apart with consecutive counters and seqs.
class Feeder {
 public:
  explicit Feeder(DeliveryOptions o = {}) : b("LA1", o) {}
  void Add(const Msg& x) { AddAt(x, time_ + kMicrosPerSecond); }
  void AddAt(const Msg& x, MicrosUtc t) {
    time_ = t;
    IcomMessage m = x.m;
    m.counter = counter_;
    counter_ = static_cast<uint8_t>(counter_ + 1);
    b.Add(++seq_, t, m);
  }
  void SkipCounter(int n) { counter_ = static_cast<uint8_t>(counter_ + n); }
  void SetCounter(uint8_t c) { counter_ = c; }
  MicrosUtc time() const { return time_; }
  // Every update taken so far, latest snapshot per delivery, in first-seen order.
  std::vector<Delivery> All() {
    for (Delivery& d : b.TakeUpdates()) {
      bool found = false;
      for (Delivery& have : all_) {
        if (have.first_seq == d.first_seq) {
          have = d;
          found = true;
        }
      }
      if (!found) all_.push_back(d);
    }
    return all_;
  }

  DeliveryBuilder b;

 private:
  MicrosUtc time_ = kT0;
  uint8_t counter_ = 250;  // wraps within most tests
  uint64_t seq_ = 100;
  std::vector<Delivery> all_;
};

TEST(DeliveryBuilder, MuIsTheSumOfPositiveIncrements) {
  Feeder f;
  for (double mu : {0.0, 0.0, 5.0, 12.5, 12.5, 20.0, 31.2}) f.Add(Msg::Beam("P1", "1", mu));
  f.Add(Msg::Idle());
  auto all = f.All();
  ASSERT_EQ(all.size(), 1u);
  EXPECT_DOUBLE_EQ(all[0].mu, 31.2);
  EXPECT_FALSE(all[0].open);
  EXPECT_EQ(all[0].close_reason, kCloseIdle);
  EXPECT_EQ(all[0].messages, 7u);
  EXPECT_EQ(all[0].first_seq, 101u);
  EXPECT_EQ(all[0].last_seq, 107u);
  EXPECT_EQ(all[0].start, kT0 + kMicrosPerSecond);
  EXPECT_EQ(all[0].end, kT0 + 7 * kMicrosPerSecond);
  EXPECT_EQ(all[0].patient_id, "P1");
  EXPECT_EQ(all[0].Id(), "LA1/101");
}

TEST(DeliveryBuilder, IdleWithoutDeliveryReportsNothingAndZeroMuIsDropped) {
  Feeder f;
  f.Add(Msg::Idle());
  f.Add(Msg::Beam("P1", "1", 0));
  f.Add(Msg::Beam("P1", "1", 0));
  f.Add(Msg::Idle());
  EXPECT_TRUE(f.All().empty());
  DeliveryOptions keep;
  keep.keep_zero_mu = true;
  Feeder k(keep);
  k.Add(Msg::Beam("P1", "1", 0));
  k.Add(Msg::Idle());
  ASSERT_EQ(k.All().size(), 1u);
  EXPECT_EQ(k.All()[0].mu, 0);
}

TEST(DeliveryBuilder, SplitsByFieldIdAndLeftoverMuIsNotCountedTwice) {
  Feeder f;
  for (double mu : {0.0, 10.0, 25.0}) f.Add(Msg::Beam("P1", "1", mu));
  // The next field's setup still shows the last field's MU, then resets.
  for (double mu : {25.0, 0.0, 8.0, 16.0}) f.Add(Msg::Beam("P1", "2", mu));
  f.Add(Msg::Idle());
  auto all = f.All();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].field_id, "1");
  EXPECT_EQ(all[0].close_reason, kCloseField);
  EXPECT_DOUBLE_EQ(all[0].mu, 25.0);
  EXPECT_EQ(all[1].field_id, "2");
  EXPECT_DOUBLE_EQ(all[1].mu, 16.0);
  EXPECT_EQ(all[1].first_seq, all[0].last_seq + 1);
}

TEST(DeliveryBuilder, SplitsByPatient) {
  Feeder f;
  f.Add(Msg::Beam("P1", "1", 10));
  f.Add(Msg::Beam("P2", "1", 0));
  f.Add(Msg::Beam("P2", "1", 7));
  auto all = f.All();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].close_reason, kClosePatient);
  EXPECT_EQ(all[1].patient_id, "P2");
  EXPECT_TRUE(all[1].open);
  EXPECT_DOUBLE_EQ(all[1].mu, 7);
}

TEST(DeliveryBuilder, EnergyChangeSplitsOnlyAfterMuWasDelivered) {
  Feeder f;
  f.Add(Msg::Beam("P1", "1", 0).Energy("6X"));
  f.Add(Msg::Beam("P1", "1", 0).Energy("10X"));  // setup change: same delivery
  f.Add(Msg::Beam("P1", "1", 5).Energy("10X"));
  f.Add(Msg::Beam("P1", "1", 5).Energy("15X"));  // after MU: a new beam
  f.Add(Msg::Beam("P1", "1", 9).Energy("15X"));
  auto all = f.All();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].energies, (std::vector<std::string>{"6X", "10X"}));
  EXPECT_EQ(all[0].close_reason, kCloseEnergy);
  EXPECT_DOUBLE_EQ(all[0].mu, 5);
  EXPECT_EQ(all[1].energies, (std::vector<std::string>{"15X"}));
  EXPECT_DOUBLE_EQ(all[1].mu, 4);  // 5 -> 9: the counter went on, baseline 5
}

TEST(DeliveryBuilder, MuResetSplitsAndCountsAgainWithoutSubtracting) {
  Feeder f;
  for (double mu : {0.0, 10.0, 30.0}) f.Add(Msg::Beam("P1", "1", mu));
  for (double mu : {2.0, 12.0}) f.Add(Msg::Beam("P1", "1", mu));  // re-delivery of field 1
  auto all = f.All();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].close_reason, kCloseMuReset);
  EXPECT_DOUBLE_EQ(all[0].mu, 30);
  EXPECT_DOUBLE_EQ(all[1].mu, 12);  // 2 counted from the reset, then +10
}

TEST(DeliveryBuilder, SmallDecreaseIsNoiseAndSegmentRestartStaysInTheBeam) {
  Feeder f;
  f.Add(Msg::Beam("P1", "1", 10).Segment(1));
  f.Add(Msg::Beam("P1", "1", 9.98).Segment(1));  // within mu_epsilon
  f.Add(Msg::Beam("P1", "1", 11).Segment(1));
  f.Add(Msg::Beam("P1", "1", 3).Segment(2));  // segment counter restarts
  f.Add(Msg::Beam("P1", "1", 6).Segment(2));
  auto all = f.All();
  ASSERT_EQ(all.size(), 1u);
  EXPECT_DOUBLE_EQ(all[0].mu, 11 + 6);
  EXPECT_EQ(all[0].segments, 2);
}

TEST(DeliveryBuilder, GantryAndCollimatorRangesAreSampledWhileMuIsDelivered) {
  Feeder f;
  f.Add(Msg::Beam("P1", "1", 0).Gantry(300).Collimator(0));  // setup move: not delivered
  f.Add(Msg::Beam("P1", "1", 2).Gantry(180).Collimator(10));
  f.Add(Msg::Beam("P1", "1", 4).Gantry(200).Collimator(10));
  f.Add(Msg::Beam("P1", "1", 6).Gantry(170.5).Collimator(12.5));
  f.Add(Msg::Beam("P1", "1", 6).Gantry(90).Collimator(45));  // beam off
  auto d = f.All().at(0);
  EXPECT_DOUBLE_EQ(*d.gantry_min, 170.5);
  EXPECT_DOUBLE_EQ(*d.gantry_max, 200);
  EXPECT_DOUBLE_EQ(*d.collimator_min, 10);
  EXPECT_DOUBLE_EQ(*d.collimator_max, 12.5);
}

TEST(DeliveryBuilder, InterlocksAreCollectedOnceEach) {
  Feeder f;
  f.Add(Msg::Idle().Interlock("DOOR OPEN"));  // idle: belongs to no delivery
  f.Add(Msg::Beam("P1", "1", 1).Interlock("DOSE RATE"));
  f.Add(Msg::Beam("P1", "1", 2).Interlock("DOSE RATE").Interlock("MLC POSN"));
  f.Add(Msg::Beam("P1", "1", 3));
  EXPECT_EQ(f.All().at(0).interlocks, (std::vector<std::string>{"DOSE RATE", "MLC POSN"}));
}

TEST(DeliveryBuilder, IdleClosesAndTheNextSessionIsANewDelivery) {
  Feeder f;
  f.Add(Msg::Beam("P1", "1", 5));
  f.Add(Msg::Idle());
  f.Add(Msg::Beam("P1", "1", 5));  // same patient and field again: counts from 0
  auto all = f.All();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_FALSE(all[0].open);
  EXPECT_TRUE(all[1].open);
  EXPECT_DOUBLE_EQ(all[1].mu, 5);
}

TEST(DeliveryBuilder, DamagedMessageWithoutPatientNeitherClosesNorJoins) {
  Feeder f;
  f.Add(Msg::Beam("P1", "1", 5));
  f.Add(Msg::Idle().Damaged());
  Msg damaged = Msg::Beam("P1", "1", 8).Damaged();
  damaged.m.field_id.reset();  // the Field ID element was lost: same field
  f.Add(damaged);
  auto all = f.All();
  ASSERT_EQ(all.size(), 1u);
  EXPECT_TRUE(all[0].open);
  EXPECT_DOUBLE_EQ(all[0].mu, 8);
  EXPECT_EQ(all[0].malformed, 1u);
  EXPECT_EQ(all[0].messages, 2u);
}

TEST(DeliveryBuilder, ContinuesAcrossAReconnectWithinTheGap) {
  Feeder f;  // max_gap_seconds = 120
  f.Add(Msg::Beam("P1", "1", 0));
  f.Add(Msg::Beam("P1", "1", 10));
  f.b.AddCaptureLoss();  // listener restarted mid-beam
  f.SkipCounter(17);
  f.AddAt(Msg::Beam("P1", "1", 40), f.time() + 60 * kMicrosPerSecond);
  f.Add(Msg::Beam("P1", "1", 50));
  auto all = f.All();
  ASSERT_EQ(all.size(), 1u);
  EXPECT_DOUBLE_EQ(all[0].mu, 50);  // cumulative MU: nothing lost in the gap
  EXPECT_EQ(all[0].counter_gaps, 17u);
  EXPECT_EQ(all[0].continuations, 1u);
  EXPECT_EQ(all[0].capture_losses, 1u);
}

TEST(DeliveryBuilder, ARepeatedCounterIsNotAGap) {
  Feeder f;
  f.SetCounter(7);
  f.Add(Msg::Beam("P1", "1", 3));
  f.SetCounter(7);  // resend of the same counter value
  f.Add(Msg::Beam("P1", "1", 3));
  auto d = f.All().at(0);
  EXPECT_EQ(d.counter_gaps, 0u);
  EXPECT_EQ(d.continuations, 1u);
  EXPECT_DOUBLE_EQ(d.mu, 3);
}

TEST(DeliveryBuilder, BeyondTheGapANewDeliveryStartsAndAResumedBeamIsNotCountedTwice) {
  Feeder f;
  f.Add(Msg::Beam("P1", "1", 0));
  f.Add(Msg::Beam("P1", "1", 10));
  f.AddAt(Msg::Beam("P1", "1", 10), f.time() + 121 * kMicrosPerSecond);
  f.Add(Msg::Beam("P1", "1", 14));
  auto all = f.All();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].close_reason, kCloseTimeGap);
  EXPECT_DOUBLE_EQ(all[0].mu, 10);
  EXPECT_DOUBLE_EQ(all[1].mu, 4);
}

TEST(DeliveryBuilder, TimeRunningBackwardsBeyondTheGapParksTheOpenDelivery) {
  Feeder f;
  f.Add(Msg::Beam("P1", "1", 10));
  f.AddAt(Msg::Beam("P1", "1", 0), kT0 - 3600 * kMicrosPerSecond);  // backfilled history
  f.Add(Msg::Beam("P1", "1", 6));
  auto all = f.All();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_TRUE(all[0].open);  // parked, waiting for the live stream
  EXPECT_EQ(f.b.parked()->first_seq, all[0].first_seq);
  EXPECT_DOUBLE_EQ(all[1].mu, 6);
}

TEST(DeliveryBuilder, HistoryAppendedAfterLiveDataDoesNotSplitTheLiveDelivery) {
  Feeder f;
  for (double mu : {0.0, 10.0, 20.0}) f.Add(Msg::Beam("P1", "1", mu));  // live
  const MicrosUtc live_end = f.time();
  f.AddAt(Msg::Beam("P9", "1", 0), live_end - 86400 * kMicrosPerSecond);  // a backfill
  f.Add(Msg::Beam("P9", "1", 5));
  f.Add(Msg::Idle());
  ASSERT_TRUE(f.b.parked().has_value());
  f.AddAt(Msg::Beam("P1", "1", 30), live_end + kMicrosPerSecond);  // live again
  f.Add(Msg::Idle());
  auto all = f.All();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].patient_id, "P9");
  EXPECT_DOUBLE_EQ(all[0].mu, 5);
  EXPECT_EQ(all[1].patient_id, "P1");
  EXPECT_DOUBLE_EQ(all[1].mu, 30);  // not 20 + 30
  EXPECT_EQ(all[1].close_reason, kCloseIdle);
  EXPECT_EQ(all[1].messages, 4u);
  EXPECT_EQ(all[1].first_seq, 101u);
  EXPECT_FALSE(f.b.parked().has_value());
}

TEST(DeliveryBuilder, AParkedDeliveryClosesWhenTheLiveStreamMovesOnWithoutIt) {
  Feeder f;
  f.Add(Msg::Beam("P1", "1", 10));
  const MicrosUtc live_end = f.time();
  f.AddAt(Msg::Beam("P9", "1", 5), live_end - 86400 * kMicrosPerSecond);
  f.AddAt(Msg::Beam("P2", "1", 3), live_end + 600 * kMicrosPerSecond);
  auto all = f.All();
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].patient_id, "P1");
  EXPECT_EQ(all[0].close_reason, kCloseTimeGap);
  EXPECT_FALSE(all[1].open);  // the history
  EXPECT_TRUE(all[2].open);
  EXPECT_FALSE(f.b.parked().has_value());
}

TEST(DeliveryBuilder, RestoreKeepsTheParkedDelivery) {
  Feeder f;
  f.Add(Msg::Beam("P1", "1", 10));
  const MicrosUtc live_end = f.time();
  f.AddAt(Msg::Beam("P9", "1", 5), live_end - 86400 * kMicrosPerSecond);
  f.All();
  Feeder g;
  g.b.Restore(*DecodeDelivery(EncodeDelivery(*f.b.open())),
              *DecodeDelivery(EncodeDelivery(*f.b.parked())));
  g.AddAt(Msg::Beam("P1", "1", 14), live_end + kMicrosPerSecond);
  auto all = g.All();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].patient_id, "P9");
  EXPECT_EQ(all[0].close_reason, kCloseTimeGap);
  EXPECT_EQ(all[1].patient_id, "P1");
  EXPECT_DOUBLE_EQ(all[1].mu, 14);
}

TEST(DeliveryBuilder, CounterWrapIsConsecutive) {
  Feeder f;
  f.SetCounter(254);
  for (double mu : {1.0, 2.0, 3.0, 4.0}) f.Add(Msg::Beam("P1", "1", mu));  // 254 255 0 1
  auto d = f.All().at(0);
  EXPECT_EQ(d.first_counter, 254);
  EXPECT_EQ(d.last_counter, 1);
  EXPECT_EQ(d.counter_gaps, 0u);
  EXPECT_EQ(d.continuations, 0u);
}

TEST(DeliveryBuilder, UpdatesReportEachChangedDeliveryOnce) {
  Feeder f;
  f.Add(Msg::Beam("P1", "1", 5));
  EXPECT_EQ(f.b.TakeUpdates().size(), 1u);
  EXPECT_TRUE(f.b.TakeUpdates().empty());  // nothing changed since
  f.Add(Msg::Beam("P1", "1", 6));
  f.Add(Msg::Beam("P1", "2", 0));
  f.Add(Msg::Beam("P1", "2", 3));
  auto u = f.b.TakeUpdates();
  ASSERT_EQ(u.size(), 2u);
  EXPECT_FALSE(u[0].open);
  EXPECT_DOUBLE_EQ(u[0].mu, 6);
  EXPECT_TRUE(u[1].open);
}

TEST(DeliveryBuilder, RestoreContinuesTheOpenDelivery) {
  Feeder f;
  f.Add(Msg::Beam("P1", "1", 0));
  f.Add(Msg::Beam("P1", "1", 10));
  Delivery saved = *f.b.open();
  auto decoded = DecodeDelivery(EncodeDelivery(saved));
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();

  Feeder g;
  g.b.Restore(*decoded);
  g.SetCounter(static_cast<uint8_t>(saved.last_counter + 1));
  g.AddAt(Msg::Beam("P1", "1", 15), saved.end + kMicrosPerSecond);
  g.Add(Msg::Idle());
  auto all = g.All();
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].first_seq, saved.first_seq);
  EXPECT_DOUBLE_EQ(all[0].mu, 15);
  EXPECT_EQ(all[0].messages, 3u);
  EXPECT_EQ(all[0].continuations, 0u);
}

TEST(Delivery, EncodeDecodeRoundTripsAndRejectsOtherVersions) {
  Delivery d;
  d.linac = "LA1";
  d.first_seq = 42;
  d.patient_id = "QC1";
  d.energies = {"6X", "10FFF"};
  d.mu = 123.4;
  d.gantry_min = -0.5;
  d.interlocks = {"DOOR OPEN"};
  d.last_counter = 255;
  auto back = DecodeDelivery(EncodeDelivery(d));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(EncodeDelivery(*back), EncodeDelivery(d));
  EXPECT_FALSE(back->gantry_max.has_value());
  EXPECT_EQ(DecodeDelivery("{\"v\":2}").status().code(), Status::Code::kIncompatible);
  EXPECT_EQ(DecodeDelivery("[1").status().code(), Status::Code::kCorruption);
  EXPECT_EQ(DecodeDelivery("{\"v\":1}").status().code(), Status::Code::kCorruption);
}

TEST(Delivery, IndexRangesSelectByLinacValueAndStartTime) {
  Delivery a;
  a.linac = "LA1";
  a.patient_id = "P1";
  a.start = kT0;
  a.first_seq = 9;
  const std::string k = DeliveryPatientIndexKey(a);
  auto in = [&](const IndexRange& r) { return r.from <= k && k < r.until; };
  constexpr MicrosUtc kMin = std::numeric_limits<MicrosUtc>::min();
  constexpr MicrosUtc kMax = std::numeric_limits<MicrosUtc>::max();
  EXPECT_TRUE(in(DeliveryIndexRange("LA1", std::string("P1"), kMin, kMax)));
  EXPECT_TRUE(in(DeliveryIndexRange("LA1", std::string("P1"), kT0, kT0 + 1)));
  EXPECT_FALSE(in(DeliveryIndexRange("LA1", std::string("P1"), kT0 + 1, kMax)));
  EXPECT_FALSE(in(DeliveryIndexRange("LA1", std::string("P1"), kMin, kT0)));
  EXPECT_FALSE(in(DeliveryIndexRange("LA1", std::string("P10"), kMin, kMax)));
  EXPECT_FALSE(in(DeliveryIndexRange("LA", std::string("P1"), kMin, kMax)));
  a.start = -5;  // before 1970 still orders correctly
  const std::string early = DeliveryTimeIndexKey(a);
  auto r = DeliveryIndexRange("LA1", std::nullopt, kMin, 0);
  EXPECT_TRUE(r.from <= early && early < r.until);
}

}  // namespace
}  // namespace qcflow::icom
