// The MpcTransform test fixture: a real store fed by the real TDS scanner from a
// small TDS tree written per test. Shared by mpc_transform_test.cc and
// mpc_transform_late_test.cc; test code only.
#ifndef QCFLOW_PROCESS_MPC_MPC_TRANSFORM_TESTING_H_
#define QCFLOW_PROCESS_MPC_MPC_TRANSFORM_TESTING_H_

#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "ingest/mpc/tds_scanner.h"
#include "process/common/qc_session.h"
#include "process/common/stored_sessions_testing.h"
#include "process/mpc/mpc_transform.h"
#include "store/journal.h"
#include "store/store.h"
#include "tests/testing/temp_dir.h"

namespace qcflow::mpc::transform_testing {

using qcflow::testing::TempDir;
using qcflow::testing::WriteFile;

inline constexpr const char* kZone = "Europe/Berlin";  // UTC+1 in November
// The cursor of a transform whose source is "tds-main" (config_ below).
inline const std::string kTdsCursor = std::string(kCursorName) + "/tds-main";
inline constexpr const char* kBeamKey = "QCPump/MPC/1234/2020-11-06-07-00/Beam and Geometry Checks";

inline std::string Csv(const std::string& iso = "0.3", const std::string& output = "-0.17") {
  return "\xEF\xBB\xBFName [Unit], Value, Threshold, Evaluation Result\r\n"
         "IsoCenterGroup/IsoCenterSize [mm], " + iso + ", 0.5, Pass\r\n"
         "BeamGroup/BeamOutputChange [%], " + output + ", 2, Pass\r\n"
         "GantryGroup/GantryAbsolute [\xC3\x82\xC2\xB0], -0.09, 0.3, Pass\r\n"
         "CollimationGroup/MLCGroup/MLCLeavesA/MLCLeaf1 [mm], 0.01, 1, Pass\r\n";
}

// "NDS-WKS-SN<serial>-2020-11-06-<hh-mm-ss>-<beam>-<tail>"
inline std::string Folder(const std::string& hms, int beam, const std::string& tail,
                   const std::string& serial = "1234") {
  char num[8];
  std::snprintf(num, sizeof num, "%04d", beam);
  return "NDS-WKS-SN" + serial + "-2020-11-06-" + hms + "-" + num + "-" + tail;
}

inline const TestResult* FindTest(const QcSession& s, const std::string& macro) {
  for (const TestResult& t : s.tests) {
    if (t.key == macro) return &t;
  }
  return nullptr;
}

class MpcTransformTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }

  // Drops transform and store without any shutdown call (as a crash would
  // leave them, minus the unsynced tail that kSyncEveryWrite never has).
  void Reopen() {
    transform_.reset();
    store_.reset();
    store_ = qcflow::testing::OpenTestStore(dir_.Sub("store"));
    ASSERT_NE(store_, nullptr);
    transform_ = std::make_unique<MpcTransform>(store_.get(), config_);
    ASSERT_TRUE(transform_->Restore().ok());
  }

  void AddRun(const std::string& folder, const std::string& csv = Csv(),
              const std::string& parent = "TB1234") {
    WriteFile(dir_.Sub("TDS") + "/" + parent + "/MPCChecks/" + folder + "/Results.csv", csv);
  }

  // An MPC record journaled as is, not by the scanner (so never quarantined).
  void AppendRecord(const std::string& dedup_key, const std::string& meta,
                    const std::string& payload) {
    Record r;
    r.kind = Kind::kMpc;
    r.source_id = "tds-main";
    r.dedup_key = dedup_key;
    r.meta = meta;
    r.payload = payload;
    ASSERT_TRUE(store_->journal().Append(r).ok());
  }
  // A record of run `folder` shaped as scanners before meta.folder wrote them.
  void AppendUnquarantined(const std::string& folder, const std::string& payload) {
    AppendRecord(folder + "/0123456789abcdef", R"({"path":"TB1234/MPCChecks/x/Results.csv","size":3})",
                 payload);
  }

  ScanReport Scan() {
    TdsScanConfig c;
    c.root = dir_.Sub("TDS");
    c.source_id = "tds-main";
    c.site_zone = kZone;
    TdsScanner scanner(c, store_.get());
    auto r = scanner.Scan(NowMicros() + 3600 * kMicrosPerSecond);  // everything has settled
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : ScanReport{};
  }

  // The UTC instant of 2020-11-06 hh:mm:ss on the site's wall clock.
  static MicrosUtc Local(int hh, int mm, int ss = 0) {
    auto t = CivilToUtc({2020, 11, 6, hh, mm, ss, 0}, kZone);
    EXPECT_TRUE(t.ok());
    return *t;
  }

  StepReport Run(MicrosUtc now) {
    auto r = transform_->RunUntilCaughtUp(now);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : StepReport{};
  }

  std::map<std::string, QcSession> Sessions() {
    return qcflow::testing::StoredSessions(store_.get(), kSessionNs);
  }

  std::map<std::string, std::string> RawNs(const std::string& ns) {
    return qcflow::testing::StoredRecords(store_.get(), ns);
  }

  // Journal seq of each run folder (the scanner journals in directory order).
  uint64_t SeqOf(const std::string& folder) {
    uint64_t found = 0;
    EXPECT_TRUE(store_->journal()
                    .Scan(0, 100000,
                          [&](uint64_t seq, const RecordView& r) {
                            if (r.dedup_key.substr(0, r.dedup_key.rfind('/')) == folder) found = seq;
                            return true;
                          })
                    .ok());
    EXPECT_NE(found, 0u) << folder;
    return found;
  }
  std::vector<uint64_t> SeqsOf(const std::vector<std::string>& folders) {
    std::vector<uint64_t> seqs;
    for (const std::string& f : folders) seqs.push_back(SeqOf(f));
    return seqs;
  }

  std::vector<std::string> OutboxIds(const std::string& sink) {
    return qcflow::testing::OutboxItemIds(store_.get(), sink);
  }

  // The usual morning: 6X geometry, 6 FFF and 10X beam checks within 12 minutes.
  const std::vector<std::string> kBeamFolders = {
      Folder("07-00-00", 1, "GeometryCheckTemplate6xMVkV"),
      Folder("07-05-00", 2, "BeamCheckTemplate6xFFFMVkV"),
      Folder("07-12-00", 3, "BeamCheckTemplate10xMVkV")};
  void AddBeamWindow() {
    AddRun(kBeamFolders[0], Csv("0.3", "0.1"));
    AddRun(kBeamFolders[1], Csv("0.31", "-0.17"));
    AddRun(kBeamFolders[2], Csv("0.32", "0.45"));
  }

  TempDir dir_;
  MpcTransformConfig config_ = [] {
    MpcTransformConfig c;
    c.session.site_zone = kZone;
    c.session.source_id = "tds-main";
    c.sinks = {"qatrack", "archive"};
    return c;
  }();
  std::unique_ptr<Store> store_;
  std::unique_ptr<MpcTransform> transform_;
};

}  // namespace qcflow::mpc::transform_testing

#endif  // QCFLOW_PROCESS_MPC_MPC_TRANSFORM_TESTING_H_
