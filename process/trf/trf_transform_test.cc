#include "process/trf/trf_transform.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <set>

#include "process/common/step_loop.h"
#include "process/common/qc_session.h"
#include "process/trf/trf_delivery.h"
#include "process/trf/trf_session.h"
#include "store/outbox.h"
#include "store/write_set.h"
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
  Result<TrfStepReport> Run(std::vector<std::string> sinks = {}) {
    TrfTransform t(store_.get(), &Table(), {"la1-trf", kind_, 4, std::move(sinks)});
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

namespace qcflow::trf {
namespace {

TEST_F(TrfTransformTest, ARoutedSourceQueuesEachDeliveryOnceAsAValidSessionForEverySink) {
  const auto files = testing::TrfFixtureFiles(QCFLOW_TRF_FIXTURES);
  for (const std::string& f : files) ASSERT_TRUE(store_->journal().Append(Log(f)).ok());
  auto first = Run({"archive", "central"});
  ASSERT_TRUE(first.ok()) << first.status().message();
  EXPECT_EQ(first->sessions_queued, files.size());

  std::map<std::string, double> mu_by_key;  // delivery mu by its session's key
  for (const TrfDelivery& d : ByTime("LA1", 0, std::numeric_limits<MicrosUtc>::max())) {
    mu_by_key["qcflow/trf/la1-trf/" + std::to_string(d.seq)] = d.mu;
  }
  ASSERT_EQ(mu_by_key.size(), files.size());
  for (const std::string sink : {"archive", "central"}) {
    auto items = store_->outbox().List(sink, 100);
    ASSERT_TRUE(items.ok());
    ASSERT_EQ(items->size(), files.size()) << sink;
    for (const OutboxItem& item : *items) {
      auto stored = store_->derived().Get(kTrfSessionNs, item.item_id);
      ASSERT_TRUE(stored.ok() && stored->has_value()) << item.item_id;
      auto session = DecodeQcSession(**stored);
      ASSERT_TRUE(session.ok());
      EXPECT_TRUE(ValidateQcSession(*session).ok()) << ValidateQcSession(*session).ToString();
      EXPECT_EQ(session->source_kind, "trf");
      EXPECT_EQ(session->machine.name, "LA1");
      ASSERT_TRUE(mu_by_key.count(item.item_id)) << item.item_id;
      auto mu = std::find_if(session->tests.begin(), session->tests.end(),
                             [](const TestResult& t) { return t.key == "mu"; });
      ASSERT_NE(mu, session->tests.end());
      EXPECT_DOUBLE_EQ(*mu->number, mu_by_key[item.item_id]);
      EXPECT_EQ(mu->unit, "MU");
    }
  }

  // Re-deriving the same journal (a lost cursor) queues nothing twice.
  WriteSet rewind;
  rewind.SetCursor("transform.trf/la1-trf", 1);
  ASSERT_TRUE(store_->Commit(rewind).ok());
  auto rederived = Run({"archive", "central"});
  ASSERT_TRUE(rederived.ok());
  EXPECT_EQ(rederived->sessions_queued, files.size()) << "the rewound step derived every log again";
  auto again = store_->outbox().List("archive", 100);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->size(), files.size());
}

TEST_F(TrfTransformTest, AnUnroutedSourceQueuesNothing) {
  const auto files = testing::TrfFixtureFiles(QCFLOW_TRF_FIXTURES);
  ASSERT_TRUE(store_->journal().Append(Log(files[0])).ok());
  auto r = Run();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->deliveries_written, 1u);
  EXPECT_EQ(r->sessions_queued, 0u);
  auto sinks = store_->outbox().Sinks();
  ASSERT_TRUE(sinks.ok());
  EXPECT_TRUE(sinks->empty());
}

}  // namespace
}  // namespace qcflow::trf
