// The bounded step (groups_per_step, cache_budget_bytes) changes memory, not
// results: a synthetic TDS tree transformed in one unbounded step and in many
// small ones, with every parsed table re-read from the journal, gives the same
// sessions, byte for byte. So does the record shape: records the scanner marks
// complete (parsed once, when built) and the same records as older scanners
// wrote them (parsed when read).
#include <gtest/gtest.h>

#include <limits>

#include "bench/synthetic_tds.h"
#include "ingest/mpc/tds_scanner.h"
#include "process/common/qc_session.h"
#include "process/common/stored_sessions_testing.h"
#include "process/mpc/mpc_transform.h"
#include "store/journal.h"
#include "store/store.h"
#include "store/time_util.h"
#include "tests/testing/temp_dir.h"

namespace qcflow::mpc {
namespace {

const MicrosUtc kNow = NowMicros() + 3600 * kMicrosPerSecond;  // everything settled and due

void ScanInto(const std::string& tds, Store* store) {
  TdsScanConfig scan;
  scan.root = tds;
  scan.source_id = "tds";
  scan.site_zone = "Europe/Berlin";
  TdsScanner scanner(scan, store);
  EXPECT_TRUE(scanner.Scan(kNow).ok());
}

// How scanners before meta "complete" journaled the same tree: each record of
// `from` (scanned now) copied in order with that field taken out, so the
// transform parses every Results.csv when it reads it (the older path).
void CopyAsOlderScannersWroteIt(Store* from, Store* to) {
  size_t stripped = 0;
  ASSERT_TRUE(from->journal()
                  .Scan(0, std::numeric_limits<size_t>::max(),
                        [&](uint64_t, const RecordView& v) {
                          Record r = v.ToRecord();
                          const std::string field = "\"complete\":true,";
                          if (size_t at = r.meta.find(field); at != std::string::npos) {
                            r.meta.erase(at, field.size());
                            ++stripped;
                          }
                          EXPECT_TRUE(to->journal().Append(r).ok());
                          return true;
                        })
                  .ok());
  EXPECT_GT(stripped, 0u);
}

std::map<std::string, std::string> TransformStore(Store* store, MpcTransformConfig config,
                                                  size_t* steps) {
  const MicrosUtc now = kNow;
  config.session.source_id = "tds";
  config.session.site_zone = "Europe/Berlin";
  MpcTransform transform(store, config);
  EXPECT_TRUE(transform.Restore().ok());
  *steps = 0;
  for (;;) {
    auto r = transform.Step(now);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    ++*steps;
    if (!r.ok() || r->caught_up || !r->progressed()) break;
  }
  std::map<std::string, std::string> out;
  for (const auto& [key, s] : qcflow::testing::StoredSessions(store, kSessionNs)) {
    out[key] = EncodeQcSession(s);
  }
  return out;
}

std::map<std::string, std::string> Transformed(const std::string& tds, const std::string& dir,
                                               MpcTransformConfig config, size_t* steps) {
  auto store = qcflow::testing::OpenTestStore(dir);
  EXPECT_NE(store, nullptr);
  if (!store) return {};
  ScanInto(tds, store.get());
  return TransformStore(store.get(), config, steps);
}

// A synthetic tree of 300 run folders under tmp/TDS; its session count (0 on failure).
size_t WriteTree(testing::TempDir& tmp) {
  synthetic::SyntheticTdsOptions o;
  o.folders = 300;
  auto written = synthetic::WriteSyntheticTds(tmp.Sub("TDS"), o);
  EXPECT_TRUE(written.ok()) << written.status().ToString();
  return written.ok() ? written->sessions : 0;
}

TEST(MpcTransformBounded, SmallStepsAndNoCacheGiveTheSameSessionsAsOneUnboundedStep) {
  testing::TempDir tmp;
  const size_t sessions = WriteTree(tmp);
  ASSERT_GT(sessions, 0u);

  MpcTransformConfig unbounded;
  unbounded.records_per_step = std::numeric_limits<size_t>::max();
  unbounded.groups_per_step = std::numeric_limits<size_t>::max();
  unbounded.cache_budget_bytes = std::numeric_limits<size_t>::max();
  size_t unbounded_steps = 0;
  const auto one = Transformed(tmp.Sub("TDS"), tmp.Sub("a"), unbounded, &unbounded_steps);

  MpcTransformConfig bounded;
  bounded.records_per_step = 37;
  bounded.groups_per_step = 5;
  bounded.cache_budget_bytes = 0;  // every table re-read when its group is built
  size_t bounded_steps = 0;
  const auto many = Transformed(tmp.Sub("TDS"), tmp.Sub("b"), bounded, &bounded_steps);

  EXPECT_EQ(one.size(), sessions);
  EXPECT_EQ(unbounded_steps, 1u);
  EXPECT_GT(bounded_steps, sessions / 5) << "the groups were emitted 5 per step";
  ASSERT_EQ(many.size(), one.size());
  for (const auto& [key, encoded] : one) {
    auto it = many.find(key);
    ASSERT_NE(it, many.end()) << key;
    EXPECT_EQ(it->second, encoded) << key;
  }
}

// Records the scanner marks complete are parsed once, when their group is
// built; older records are parsed when read. Both paths give the same sessions.
TEST(MpcTransformBounded, CompleteRecordsGiveTheSameSessionsAsRecordsOfOlderScanners) {
  testing::TempDir tmp;
  const size_t sessions = WriteTree(tmp);
  ASSERT_GT(sessions, 0u);
  auto now_store = qcflow::testing::OpenTestStore(tmp.Sub("now"));
  auto older_store = qcflow::testing::OpenTestStore(tmp.Sub("older"));
  ASSERT_TRUE(now_store && older_store);
  ScanInto(tmp.Sub("TDS"), now_store.get());
  CopyAsOlderScannersWroteIt(now_store.get(), older_store.get());

  size_t steps = 0;
  const auto now = TransformStore(now_store.get(), MpcTransformConfig(), &steps);
  const auto older = TransformStore(older_store.get(), MpcTransformConfig(), &steps);
  EXPECT_EQ(now.size(), sessions);
  EXPECT_EQ(now, older);
}

}  // namespace
}  // namespace qcflow::mpc
