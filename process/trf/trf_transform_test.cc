#include "process/trf/trf_transform.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <set>

#include "process/common/step_loop.h"
#include "process/trf/trf_delivery.h"
#include "store/derived.h"
#include "store/journal.h"
#include "store/store.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/trf_fixtures.h"

namespace qcflow::trf {
namespace {

const ColumnsTable& Table() { return testing::TrfColumns(QCFLOW_TRF_COLUMNS); }

class TrfTransformTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = Store::Open(tmp_.Sub("store"));
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(*s);
    auto kind = store_->RegisterKind("trf");
    ASSERT_TRUE(kind.ok());
    kind_ = *kind;
  }
  // A record as the capture journals it (meta: linac, dir, path).
  Record Log(const std::string& path, const std::string& source = "la1-trf") {
    Record r;
    r.kind = kind_;
    r.source_id = source;
    r.payload = testing::ReadTrfFixture(path);
    r.dedup_key = std::to_string(std::hash<std::string>()(r.payload)) + "/" + source;
    r.event_time = 1;
    r.meta = "{\"linac\":\"LA1\",\"dir\":\"/logs\",\"path\":\"" +
             std::filesystem::path(path).filename().string() + "\"}";
    return r;
  }
  Result<TrfStepReport> Run() {
    TrfTransform t(store_.get(), &Table(), {"la1-trf", kind_, 4});
    return StepUntilCaughtUp<TrfStepReport>([&] { return t.Step(); });
  }
  std::vector<TrfDelivery> ByTime(const std::string& linac, MicrosUtc since, MicrosUtc until) {
    std::vector<TrfDelivery> out;
    const TrfIndexRange r = TrfTimeIndexRange(linac, since, until);
    EXPECT_TRUE(store_->derived()
                    .ScanIndex(kTrfDeliveryByTime, r.from, r.until,
                               [&](std::string_view, std::string_view ns, std::string_view key) {
                                 auto v = store_->derived().Get(ns, key);
                                 EXPECT_TRUE(v.ok() && v->has_value());
                                 auto d = DecodeTrfDelivery(**v);
                                 EXPECT_TRUE(d.ok());
                                 out.push_back(*d);
                                 return true;
                               })
                    .ok());
    return out;
  }

  testing::TempDir tmp_;
  std::unique_ptr<Store> store_;
  Kind kind_ = Kind::kEvent;
};

TEST_F(TrfTransformTest, OneDeliveryPerLogIndexedByLinacAndTimeAndNothingTwice) {
  const auto files = testing::TrfFixtureFiles(QCFLOW_TRF_FIXTURES);
  for (const std::string& f : files) ASSERT_TRUE(store_->journal().Append(Log(f)).ok());
  Record quarantined = Log(files[0]);
  quarantined.dedup_key += "/q";
  quarantined.flags |= kFlagQuarantined;
  Record other = Log(files[1], "la2-trf");
  ASSERT_TRUE(store_->journal().Append(quarantined).ok());
  ASSERT_TRUE(store_->journal().Append(other).ok());

  auto first = Run();
  ASSERT_TRUE(first.ok()) << first.status().message();
  EXPECT_EQ(first->deliveries_written, files.size());
  EXPECT_EQ(first->records_read, files.size() + 2);
  EXPECT_TRUE(first->problems.empty());
  auto again = Run();
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->deliveries_written, 0u);
  EXPECT_EQ(again->records_read, 0u);

  const std::vector<TrfDelivery> all = ByTime("LA1", std::numeric_limits<MicrosUtc>::min(),
                                              std::numeric_limits<MicrosUtc>::max());
  ASSERT_EQ(all.size(), files.size());
  std::set<std::string> names;
  for (size_t i = 0; i < all.size(); ++i) {
    ASSERT_TRUE(all[i].start.has_value());
    EXPECT_EQ(all[i].indexed_at, *all[i].start);
    if (i > 0) EXPECT_LE(all[i - 1].indexed_at, all[i].indexed_at);
    EXPECT_EQ(all[i].linac, "LA1");
    EXPECT_EQ(all[i].file.rfind("/logs/", 0), 0u) << all[i].file;
    EXPECT_GT(all[i].seq, 0u);
    names.insert(all[i].file);
  }
  EXPECT_EQ(names.size(), files.size());
  EXPECT_TRUE(ByTime("LA2", std::numeric_limits<MicrosUtc>::min(), std::numeric_limits<MicrosUtc>::max())
                  .empty());
  // A time range reads only its part of the index.
  const auto may2017 = ByTime("LA1", *ParseTimeArg("2017-05-01T00:00:00Z"), *ParseTimeArg("2018-01-01T00:00:00Z"));
  ASSERT_EQ(may2017.size(), 1u);
  EXPECT_EQ(may2017[0].field_name, "RPO 200");
}

TEST_F(TrfTransformTest, ADamagedLogIsReportedAndStillDerived) {
  const auto files = testing::TrfFixtureFiles(QCFLOW_TRF_FIXTURES);
  Record r = Log(files[2]);
  r.payload.resize(r.payload.size() - 5);
  ASSERT_TRUE(store_->journal().Append(r).ok());
  auto report = Run();
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->deliveries_written, 1u);
  EXPECT_EQ(report->damaged, 1u);
  ASSERT_EQ(report->problems.size(), 1u);
  EXPECT_NE(report->problems[0].find("damaged"), std::string::npos) << report->problems[0];
}

}  // namespace
}  // namespace qcflow::trf
