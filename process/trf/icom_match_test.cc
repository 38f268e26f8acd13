#include "process/trf/icom_match.h"

#include <gtest/gtest.h>

#include "process/icom/icom_transform.h"
#include "store/store.h"
#include "store/write_set.h"
#include "tests/testing/temp_dir.h"

namespace qcflow::trf {
namespace {

constexpr MicrosUtc kSecond = 1'000'000;
constexpr MicrosUtc kT0 = 1'492'672'719LL * kSecond;  // 2017-04-20T07:18:39Z

TrfDelivery Log(MicrosUtc start, double duration_s, double mu, std::string linac = "LA1") {
  TrfDelivery d;
  d.id = "log-" + std::to_string(start);
  d.linac = std::move(linac);
  d.start = start;
  d.indexed_at = start;
  d.duration_s = duration_s;
  d.mu = mu;
  return d;
}

icom::Delivery Beam(MicrosUtc start, MicrosUtc end, double mu, uint64_t seq, std::string linac = "LA1") {
  icom::Delivery d;
  d.linac = std::move(linac);
  d.first_seq = d.last_seq = seq;
  d.open = false;
  d.start = start;
  d.end = end;
  d.mu = mu;
  d.field_id = "F" + std::to_string(seq);
  return d;
}

TEST(ChooseIcomDeliveryTest, TakesTheOverlappingBeamAndReportsTheDifferences) {
  const TrfDelivery log = Log(kT0, 60, 100);
  const std::vector<icom::Delivery> beams = {Beam(kT0 - 600 * kSecond, kT0 - 500 * kSecond, 50, 1),
                                             Beam(kT0 + 2 * kSecond, kT0 + 61 * kSecond, 99.5, 2),
                                             Beam(kT0 + 400 * kSecond, kT0 + 460 * kSecond, 100, 3)};
  auto m = ChooseIcomDelivery(log, beams, std::chrono::seconds(120));
  ASSERT_TRUE(m);
  EXPECT_EQ(m->delivery.first_seq, 2u);
  EXPECT_DOUBLE_EQ(m->start_difference_s, 2);
  EXPECT_DOUBLE_EQ(m->mu_difference, 0.5);
  EXPECT_DOUBLE_EQ(m->overlap_s, 60);
}

TEST(ChooseIcomDeliveryTest, TheLongestOverlapWinsThenTheNearerStart) {
  const TrfDelivery log = Log(kT0, 100, 10);
  // Both overlap; the second covers more of the log.
  auto m = ChooseIcomDelivery(log, {Beam(kT0 - 30 * kSecond, kT0 + 20 * kSecond, 2, 1),
                                    Beam(kT0 + 30 * kSecond, kT0 + 100 * kSecond, 8, 2)},
                              std::chrono::seconds(0));
  ASSERT_TRUE(m);
  EXPECT_EQ(m->delivery.first_seq, 2u);
  // Equal overlap (both cover the whole log): the nearer start.
  m = ChooseIcomDelivery(log, {Beam(kT0 - 50 * kSecond, kT0 + 200 * kSecond, 10, 1),
                               Beam(kT0 - 5 * kSecond, kT0 + 105 * kSecond, 10, 2)},
                         std::chrono::seconds(0));
  ASSERT_TRUE(m);
  EXPECT_EQ(m->delivery.first_seq, 2u);
}

TEST(ChooseIcomDeliveryTest, ToleranceBridgesClockOffsetsButNoFurther) {
  const TrfDelivery log = Log(kT0, 30, 10);
  // The stream's clock is 90 s behind the TCS: the beam ends before the log starts.
  const std::vector<icom::Delivery> beams = {Beam(kT0 - 90 * kSecond, kT0 - 60 * kSecond, 10, 1)};
  EXPECT_TRUE(ChooseIcomDelivery(log, beams, std::chrono::seconds(120)));
  EXPECT_FALSE(ChooseIcomDelivery(log, beams, std::chrono::seconds(30)));
  TrfDelivery undated = log;
  undated.start.reset();
  EXPECT_FALSE(ChooseIcomDelivery(undated, beams, std::chrono::seconds(120)));
}

class FindIcomDeliveryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = Store::Open(tmp_.Sub("store"));
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(*s);
  }
  void Put(const icom::Delivery& d) {
    WriteSet ws;
    const std::string key = icom::DeliveryKey(d.linac, d.first_seq);
    ws.ReplaceDerived(icom::kDeliveryNs, key, icom::EncodeDelivery(d));
    ws.PutDerivedIndex(icom::kDeliveryByTime, icom::DeliveryTimeIndexKey(d), icom::kDeliveryNs, key);
    ASSERT_TRUE(store_->Commit(ws).ok());
  }
  testing::TempDir tmp_;
  std::unique_ptr<Store> store_;
};

TEST_F(FindIcomDeliveryTest, ReadsOnlyTheLinacsDeliveriesNearTheLog) {
  Put(Beam(kT0 + 1 * kSecond, kT0 + 40 * kSecond, 30, 7, "LA2"));  // same time, other linac
  Put(Beam(kT0 - 7200 * kSecond, kT0 + 7200 * kSecond, 1, 8));     // began before the lead
  Put(Beam(kT0 + 3 * kSecond, kT0 + 41 * kSecond, 29.9, 9));
  const TrfDelivery log = Log(kT0, 40, 30);
  auto m = FindIcomDelivery(store_->derived(), log, {});
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  ASSERT_TRUE(*m);
  EXPECT_EQ((*m)->delivery.first_seq, 9u);
  EXPECT_NEAR((*m)->mu_difference, 0.1, 1e-9);

  // The iCom source may name the linac otherwise.
  IcomMatchOptions other;
  other.icom_linac = "LA2";
  m = FindIcomDelivery(store_->derived(), log, other);
  ASSERT_TRUE(m.ok() && *m);
  EXPECT_EQ((*m)->delivery.first_seq, 7u);

  // No iCom capture at that time: no match, no error.
  m = FindIcomDelivery(store_->derived(), Log(kT0 + 86400 * kSecond, 40, 30), {});
  ASSERT_TRUE(m.ok());
  EXPECT_FALSE(*m);
}

}  // namespace
}  // namespace qcflow::trf
