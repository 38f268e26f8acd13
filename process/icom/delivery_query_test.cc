// ReadDeliveries: each filter through its index, against the generator's truth.
#include "process/icom/delivery_query.h"

#include <gtest/gtest.h>

#include <set>

#include "process/icom/icom_transform.h"
#include "store/store.h"
#include "tests/testing/icom_journal.h"
#include "tests/testing/temp_dir.h"

namespace qcflow::icom {
namespace {

class DeliveryQueryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = Store::Open(dir_.Sub("store"));
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(*s);
    LinacGeneratorConfig g;
    g.seed = 7;
    g.messages = 1500;
    g.fields_per_patient = 3;
    auto truth = testing::AppendGeneratedIcom(&store_->journal(), "LA1", g);
    ASSERT_TRUE(truth.ok()) << truth.status().ToString();
    truth_ = *truth;
    IcomTransform t(store_.get(), IcomTransformConfig{});
    ASSERT_TRUE(t.RunUntilCaughtUp().ok());
    all_ = Read(DeliveryQuery{"LA1"});
    // The last field may still be open (no message after it); the rest are stored.
    ASSERT_GE(all_.size() + 1, truth_.fields.size());
    ASSERT_GE(all_.size(), 4u);
  }
  std::vector<Delivery> Read(const DeliveryQuery& q) {
    auto r = ReadDeliveries(store_->derived(), q);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : std::vector<Delivery>{};
  }

  testing::TempDir dir_;
  std::unique_ptr<Store> store_;
  GeneratorTruth truth_;
  std::vector<Delivery> all_;
};

TEST_F(DeliveryQueryTest, EveryDeliveryInStartOrderMatchingTheTruth) {
  for (size_t i = 0; i < all_.size(); ++i) {
    EXPECT_EQ(all_[i].patient_id, truth_.fields[i].patient_id) << i;
    EXPECT_EQ(all_[i].field_id, truth_.fields[i].field_id) << i;
    if (i > 0) EXPECT_LE(all_[i - 1].start, all_[i].start) << i;
  }
}

TEST_F(DeliveryQueryTest, PatientFieldTimeAndLimitEachNarrow) {
  DeliveryQuery q{"LA1"};
  q.patient = all_[0].patient_id;
  for (const Delivery& d : Read(q)) EXPECT_EQ(d.patient_id, q.patient);
  size_t of_patient = 0;
  for (const Delivery& d : all_) of_patient += d.patient_id == q.patient;
  EXPECT_EQ(Read(q).size(), of_patient);

  q.field = all_[0].field_id;  // with a patient: checked on each delivery
  ASSERT_FALSE(Read(q).empty());
  for (const Delivery& d : Read(q)) EXPECT_EQ(d.field_id, q.field);

  DeliveryQuery by_field{"LA1"};
  by_field.field = all_[1].field_id;
  size_t of_field = 0;
  for (const Delivery& d : all_) of_field += d.field_id == by_field.field;
  EXPECT_EQ(Read(by_field).size(), of_field);

  DeliveryQuery window{"LA1"};
  window.since = all_[1].start;
  window.until = all_[3].start;  // exclusive
  auto in = Read(window);
  ASSERT_EQ(in.size(), 2u);
  EXPECT_EQ(in[0].Id(), all_[1].Id());
  EXPECT_EQ(in[1].Id(), all_[2].Id());

  DeliveryQuery limited{"LA1"};
  limited.limit = 2;
  EXPECT_EQ(Read(limited).size(), 2u);
  limited.limit = 0;
  EXPECT_TRUE(Read(limited).empty());
  EXPECT_TRUE(Read(DeliveryQuery{"LA2"}).empty());  // another linac's prefix
}

}  // namespace
}  // namespace qcflow::icom
