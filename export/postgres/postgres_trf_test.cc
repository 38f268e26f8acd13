// Elekta TRF logs through the whole routed path into a real PostgreSQL: the
// logs journaled as [[source.trf]] captures them, the TRF transform queueing a
// session per delivery for the sink, the sink mirroring them (issue 20: "TRF
// deliveries go to ... the central database like other deliveries").
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <string>

#include "export/postgres/postgres_test_fixture.h"
#include "process/common/step_loop.h"
#include "process/trf/trf_delivery.h"
#include "process/trf/trf_session.h"
#include "process/trf/trf_transform.h"
#include "store/derived.h"
#include "store/journal.h"
#include "tests/testing/trf_fixtures.h"

namespace qcflow::postgres {
namespace {

class PostgresTrfTest : public PostgresSinkTest {
 protected:
  // Journals every fixture log as the capture would and runs the transform
  // routed to kSink; returns the number of logs.
  size_t CaptureAndDerive(Store& store) {
    auto kind = store.RegisterKind("trf");
    EXPECT_TRUE(kind.ok());
    const auto files = qcflow::testing::TrfFixtureFiles(QCFLOW_TRF_FIXTURES);
    for (const std::string& f : files) {
      Record r;
      r.kind = *kind;
      r.source_id = "la1-trf";
      r.payload = qcflow::testing::ReadTrfFixture(f);
      r.dedup_key = std::to_string(std::hash<std::string>()(r.payload));
      r.event_time = 1;
      r.meta = "{\"linac\":\"LA1\",\"dir\":\"/logs\",\"path\":\"" +
               std::filesystem::path(f).filename().string() + "\"}";
      EXPECT_TRUE(store.journal().Append(r).ok());
    }
    Derive(store, *kind);
    return files.size();
  }
  void Derive(Store& store, Kind kind) {
    trf::TrfTransform t(&store, &qcflow::testing::TrfColumns(QCFLOW_TRF_COLUMNS),
                        {"la1-trf", kind, 4, {kSink}});
    auto r = StepUntilCaughtUp<trf::TrfStepReport>([&] { return t.Step(); });
    ASSERT_TRUE(r.ok()) << r.status().ToString();
  }
  // The MU of every stored delivery by its session's key, as qcflow derived it.
  std::map<std::string, double> DerivedMu(Store& store) {
    std::map<std::string, double> out;
    EXPECT_TRUE(trf::ForEachTrfDeliverySession(store.derived(), [&](const QcSession& s) {
                  for (const TestResult& t : s.tests) {
                    if (t.key == "mu" && t.number) out[s.user_key] = *t.number;
                  }
                  return true;
                }).ok());
    return out;
  }
};

TEST_F(PostgresTrfTest, EveryLogIsMirroredOnceWithItsDeliveredMu) {
  auto store = OpenStore("a");
  ASSERT_TRUE(store);
  const size_t logs = CaptureAndDerive(*store);
  ASSERT_GT(logs, 0u);
  auto sink = Sink(store.get(), Config("site-a"));
  ASSERT_TRUE(sink);
  PgDeliveryReport r = DeliverAll(*sink);
  EXPECT_EQ(r.inserted, logs);
  EXPECT_EQ(r.dead_lettered, 0u);
  EXPECT_EQ(Count("sessions"), static_cast<long>(logs));
  EXPECT_EQ(Count("sessions", "source_kind = 'trf' AND machine_name = 'LA1' AND test_list = 'TRF delivery'"),
            static_cast<long>(logs));

  const auto mu = DerivedMu(*store);
  ASSERT_EQ(mu.size(), logs);
  for (const auto& [key, value] : mu) {
    const std::string stored =
        Sql("SELECT number FROM qcflow.session_values WHERE key = 'mu' AND user_key = '" + key + "'");
    ASSERT_FALSE(stored.empty()) << key;
    EXPECT_DOUBLE_EQ(std::stod(stored), value) << key;
  }

  // The journal derived again (a lost cursor) and the outbox delivered again:
  // nothing new in the database.
  WriteSet rewind;
  rewind.SetCursor("transform.trf/la1-trf", 1);
  ASSERT_TRUE(store->Commit(rewind).ok());
  auto kind = store->RegisterKind("trf");
  ASSERT_TRUE(kind.ok());
  Derive(*store, *kind);
  PgDeliveryReport again = DeliverAll(*sink);
  EXPECT_EQ(again.inserted, 0u);
  EXPECT_EQ(Count("sessions"), static_cast<long>(logs));
  EXPECT_EQ(Count("session_revisions"), static_cast<long>(logs));
}

}  // namespace
}  // namespace qcflow::postgres
