// MpcTransform against a real store, fed by the real TDS scanner from a small
// TDS tree written per test (so the records are exactly what production journals).
#include "process/mpc/mpc_transform.h"
#include "process/mpc/mpc_transform_testing.h"

#include <gtest/gtest.h>

#include <algorithm>

#include <cstdio>
#include <map>

#include "ingest/mpc/tds_scanner.h"
#include "process/common/qc_session.h"
#include "process/common/stored_sessions_testing.h"
#include "store/coding.h"
#include "store/derived.h"
#include "store/journal.h"
#include "store/outbox.h"
#include "store/store.h"
#include "tests/testing/temp_dir.h"

namespace qcflow::mpc {
namespace {

using transform_testing::Csv;
using transform_testing::FindTest;
using transform_testing::Folder;
using transform_testing::kBeamKey;
using transform_testing::kTdsCursor;
using transform_testing::kZone;
using transform_testing::MpcTransformTest;
using qcflow::testing::TempDir;
using qcflow::testing::WriteFile;

TEST_F(MpcTransformTest, EmitsOnlyAfterTheWait) {
  AddBeamWindow();
  ASSERT_EQ(Scan().appended, 3u);
  StepReport early = Run(Local(7, 31, 59));  // newest run 07:12 + 20 min wait = 07:32
  EXPECT_EQ(early.records_read, 3u);
  EXPECT_EQ(early.runs_added, 3u);
  EXPECT_EQ(early.sessions_emitted, 0u);
  EXPECT_EQ(early.pending_runs, 3u);
  EXPECT_TRUE(early.caught_up);
  EXPECT_TRUE(Sessions().empty());
  EXPECT_TRUE(OutboxIds("qatrack").empty());

  StepReport ready = Run(Local(7, 32, 0));
  EXPECT_EQ(ready.records_read, 0u);
  EXPECT_EQ(ready.sessions_emitted, 1u);
  EXPECT_EQ(ready.pending_runs, 0u);
  EXPECT_EQ(Sessions().count(kBeamKey), 1u);
}

TEST_F(MpcTransformTest, ConsumesOnlyItsOwnSourcesRecords) {
  AddBeamWindow();
  Scan();
  // A second TDS share journaled under another source id, another linac.
  WriteFile(dir_.Sub("TDS2") + "/TB9/MPCChecks/" + Folder("07-00-00", 1, "BeamCheckTemplate6xMVkV", "9999") +
                "/Results.csv",
            Csv());
  TdsScanConfig other;
  other.root = dir_.Sub("TDS2");
  other.source_id = "tds-other";
  other.site_zone = kZone;
  ASSERT_EQ(TdsScanner(other, store_.get()).Scan(NowMicros() + 3600 * kMicrosPerSecond)->appended, 1u);

  StepReport main = Run(Local(9, 0));
  EXPECT_EQ(main.runs_added, 3u) << "the other source's run is not this transform's";
  EXPECT_EQ(main.sessions_emitted, 1u);

  MpcTransformConfig c = config_;
  c.session.source_id = "tds-other";
  MpcTransform second(store_.get(), c);
  ASSERT_TRUE(second.Restore().ok());
  auto r = second.RunUntilCaughtUp(Local(9, 0));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->runs_added, 1u);
  EXPECT_EQ(r->sessions_emitted, 1u);
  EXPECT_EQ(Sessions().size(), 2u);
  EXPECT_EQ(*store_->GetCursor(std::string(kCursorName) + "/tds-other"), store_->journal().last_seq() + 1);
  // Restarting the first transform still emits nothing new.
  Reopen();
  EXPECT_EQ(Run(Local(9, 0)).sessions_emitted, 0u);
}

TEST_F(MpcTransformTest, GroupsAMultiBeamWindowIntoOneQcPumpSession) {
  AddBeamWindow();
  const std::string later = Folder("07-25-00", 4, "BeamCheckTemplate6xMVkV");
  AddRun(later);  // 25 min after the window opened: the next window
  Scan();
  StepReport r = Run(Local(9, 0));
  EXPECT_EQ(r.sessions_emitted, 2u);
  EXPECT_TRUE(r.problems.empty()) << r.problems.front();

  auto sessions = Sessions();
  ASSERT_EQ(sessions.count(kBeamKey), 1u);
  const QcSession& s = sessions[kBeamKey];
  EXPECT_EQ(s.user_key, kBeamKey);
  EXPECT_EQ(s.machine.serial, "1234");
  EXPECT_EQ(s.source_kind, "mpc");
  EXPECT_EQ(s.test_list_name, "MPC: Beam and Geometry Checks");
  EXPECT_EQ(FormatUtcIso(s.work_started), "2020-11-06T06:00:00Z");
  EXPECT_EQ(FormatUtcIso(s.work_completed), "2020-11-06T06:12:00Z");
  EXPECT_EQ(s.source_seqs, SeqsOf(kBeamFolders));  // in run-time order
  ASSERT_EQ(s.source_files.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(s.source_files[i], "TB1234/MPCChecks/" + kBeamFolders[i] + "/Results.csv");
  }
  ASSERT_NE(FindTest(s, "isocentergroup_isocentersize_mm_6x"), nullptr);
  EXPECT_DOUBLE_EQ(*FindTest(s, "isocentergroup_isocentersize_mm_6x")->number, 0.3);
  ASSERT_NE(FindTest(s, "beamgroup_beamoutputchange_per_6fff"), nullptr);
  EXPECT_DOUBLE_EQ(*FindTest(s, "beamgroup_beamoutputchange_per_6fff")->number, -0.17);
  ASSERT_NE(FindTest(s, "beamgroup_beamoutputchange_per_10x"), nullptr);
  EXPECT_DOUBLE_EQ(*FindTest(s, "beamgroup_beamoutputchange_per_10x")->number, 0.45);
  EXPECT_NE(FindTest(s, "gantrygroup_gantryabsolute_deg_6x"), nullptr);
  EXPECT_EQ(s.tests.size(), 9u);  // 3 rows x 3 beams; per-leaf rows left out
  for (const TestResult& t : s.tests) EXPECT_EQ(t.key.find("mlcleaf"), std::string::npos);

  const std::string next = "QCPump/MPC/1234/2020-11-06-07-25/Beam and Geometry Checks";
  ASSERT_EQ(sessions.count(next), 1u);
  EXPECT_EQ(sessions[next].source_seqs, SeqsOf({later}));

  // The by-serial index lists both, in work_started order.
  std::vector<std::string> indexed;
  ASSERT_TRUE(store_->derived()
                  .ScanIndex(kSessionBySerial, std::string("1234") + '\0', "",
                             [&](std::string_view ik, std::string_view ns, std::string_view k) {
                               EXPECT_EQ(ns, kSessionNs);
                               std::string expect = std::string("1234") + '\0';
                               coding::PutBigEndian64(
                                   &expect, coding::OrderedFromSigned(sessions[std::string(k)]
                                                                          .work_started));
                               expect += '\0' + std::string(k);
                               EXPECT_EQ(ik, expect);
                               indexed.emplace_back(k);
                               return true;
                             })
                  .ok());
  EXPECT_EQ(indexed, (std::vector<std::string>{kBeamKey, next}));
}

TEST_F(MpcTransformTest, TwoGroupsInOneMinuteAreBothKeptAndQueued) {
  // Enhanced MLC groups only identical timestamps; both fall in QCPump's 07:40 key.
  AddRun(Folder("07-40-05", 1, "EnhancedMLCCheckTemplate6xMVkVEnhancedMLC"), Csv("0.1"));
  AddRun(Folder("07-40-40", 2, "EnhancedMLCCheckTemplate6xMVkVEnhancedMLC"), Csv("0.2"));
  Scan();
  StepReport r = Run(Local(9, 0));
  EXPECT_EQ(r.sessions_emitted, 2u);
  const std::string key = "QCPump/MPC/1234/2020-11-06-07-40/Enhanced MLC Checks";
  auto sessions = Sessions();
  ASSERT_EQ(sessions.count(key), 1u);
  ASSERT_EQ(sessions.count(key + "/2"), 1u);
  EXPECT_EQ(sessions[key + "/2"].user_key, key + "/2");
  EXPECT_NE(sessions[key].source_seqs, sessions[key + "/2"].source_seqs);
  auto queued = OutboxIds("qatrack");
  EXPECT_NE(std::find(queued.begin(), queued.end(), key + "/2"), queued.end());
  ASSERT_FALSE(r.problems.empty());
  EXPECT_NE(r.problems.front().find(key + "/2"), std::string::npos) << r.problems.front();
  // A restart emits neither again.
  Reopen();
  EXPECT_EQ(Run(Local(9, 0)).sessions_emitted, 0u);
  EXPECT_EQ(Sessions().size(), 2u);
}

TEST_F(MpcTransformTest, EnhancedCouchIsItsOwnSession) {
  AddBeamWindow();
  AddRun(Folder("07-06-00", 5, "GeometryCheckTemplate6xMVkVEnhancedCouch"), Csv("0.9"));
  Scan();
  EXPECT_EQ(Run(Local(9, 0)).sessions_emitted, 2u);
  auto sessions = Sessions();
  ASSERT_EQ(sessions.count(kBeamKey), 1u);
  EXPECT_EQ(sessions[kBeamKey].source_seqs.size(), 3u);
  EXPECT_DOUBLE_EQ(*FindTest(sessions[kBeamKey], "isocentergroup_isocentersize_mm_6x")->number,
                   0.3);
  const std::string couch = "QCPump/MPC/1234/2020-11-06-07-06/Enhanced Couch Checks";
  ASSERT_EQ(sessions.count(couch), 1u);
  EXPECT_EQ(sessions[couch].test_list_name, "MPC: Enhanced Couch Checks");
  EXPECT_DOUBLE_EQ(*FindTest(sessions[couch], "isocentergroup_isocentersize_mm_6x")->number, 0.9);
}

TEST_F(MpcTransformTest, BlankAndNonNumericValuesAreSkippedTests) {
  AddRun(Folder("07-00-00", 1, "GeometryCheckTemplate6xMVkV"),
         "Name [Unit], Value, Threshold, Evaluation Result\n"
         "IsoCenterGroup/IsoCenterSize [mm], , 0.5, \n"
         "BeamGroup/BeamOutputChange [%], n/a, 2, Pass\n"
         "GantryGroup/GantryAbsolute [\xC2\xB0], -0.09, , Pass\n");
  Scan();
  Run(Local(9, 0));
  auto sessions = Sessions();
  ASSERT_EQ(sessions.size(), 1u);
  const QcSession& s = sessions.begin()->second;
  for (const char* macro : {"isocentergroup_isocentersize_mm_6x", "beamgroup_beamoutputchange_per_6x"}) {
    const TestResult* t = FindTest(s, macro);
    ASSERT_NE(t, nullptr) << macro;
    EXPECT_TRUE(t->skipped) << macro;
    EXPECT_FALSE(t->number.has_value()) << macro;
  }
  const TestResult* gantry = FindTest(s, "gantrygroup_gantryabsolute_deg_6x");
  ASSERT_NE(gantry, nullptr);
  EXPECT_FALSE(gantry->skipped);
  EXPECT_DOUBLE_EQ(*gantry->number, -0.09);
}

TEST_F(MpcTransformTest, QueuesEachSessionOncePerSink) {
  AddBeamWindow();
  AddRun(Folder("07-06-00", 5, "GeometryCheckTemplate6xMVkVEnhancedCouch"));
  Scan();
  Run(Local(9, 0));
  const std::vector<std::string> expected = {
      kBeamKey, "QCPump/MPC/1234/2020-11-06-07-06/Enhanced Couch Checks"};
  for (const char* sink : {"qatrack", "archive"}) {
    EXPECT_EQ(OutboxIds(sink), expected) << sink;
    auto items = store_->outbox().List(sink, 10);
    ASSERT_TRUE(items.ok());
    for (const OutboxItem& i : *items) {
      EXPECT_EQ(i.ref_ns, kSessionNs);
      EXPECT_EQ(i.ref_key, i.item_id);
      EXPECT_EQ(i.group, "1234");
    }
  }
  // Stepping again, later, queues nothing more.
  StepReport again = Run(Local(12, 0));
  EXPECT_EQ(again.sessions_emitted, 0u);
  EXPECT_EQ(OutboxIds("qatrack"), expected);
  EXPECT_EQ(OutboxIds("archive"), expected);
}

TEST_F(MpcTransformTest, RestartEmitsNothingNew) {
  AddBeamWindow();
  Scan();
  ASSERT_EQ(Run(Local(9, 0)).sessions_emitted, 1u);
  const auto sessions = RawNs(kSessionNs);
  const auto outbox = OutboxIds("qatrack");

  Reopen();
  EXPECT_EQ(Scan().appended, 0u);
  StepReport r = Run(Local(23, 0));
  EXPECT_EQ(r.records_read, 0u);
  EXPECT_EQ(r.sessions_emitted, 0u);
  EXPECT_EQ(r.pending_runs, 0u);
  EXPECT_EQ(RawNs(kSessionNs), sessions);
  EXPECT_EQ(OutboxIds("qatrack"), outbox);
  EXPECT_EQ(OutboxIds("archive"), outbox);

  // Even with the cursor wound back to the start, re-feeding the same journal
  // records to a restored transform emits nothing: those runs are known.
  WriteSet rewind;
  rewind.SetCursor(kTdsCursor, 0);
  ASSERT_TRUE(store_->Commit(rewind).ok());
  Reopen();
  StepReport replay = Run(Local(23, 0));
  EXPECT_EQ(replay.records_read, 3u);
  EXPECT_EQ(replay.runs_added, 0u);
  EXPECT_EQ(replay.sessions_emitted, 0u);
  EXPECT_EQ(replay.late_runs, 0u);
  EXPECT_EQ(RawNs(kSessionNs), sessions);
  EXPECT_EQ(OutboxIds("qatrack"), outbox);
}

TEST_F(MpcTransformTest, RunPendingAtRestartIsEmittedAfterIt) {
  AddRun(kBeamFolders[0], Csv("0.3"));
  AddRun(kBeamFolders[1], Csv("0.31", "-0.17"));
  Scan();
  EXPECT_EQ(Run(Local(7, 10)).pending_runs, 2u);

  Reopen();  // the parsed tables are gone: the transform must re-read the journal
  AddRun(kBeamFolders[2], Csv("0.32", "0.45"));
  Scan();
  StepReport r = Run(Local(9, 0));
  EXPECT_EQ(r.runs_added, 1u);
  EXPECT_EQ(r.sessions_emitted, 1u);
  auto sessions = Sessions();
  ASSERT_EQ(sessions.count(kBeamKey), 1u);
  EXPECT_EQ(sessions[kBeamKey].source_seqs, SeqsOf(kBeamFolders));
  ASSERT_NE(FindTest(sessions[kBeamKey], "beamgroup_beamoutputchange_per_6fff"), nullptr);
  EXPECT_DOUBLE_EQ(*FindTest(sessions[kBeamKey], "beamgroup_beamoutputchange_per_6fff")->number,
                   -0.17);
  EXPECT_EQ(OutboxIds("qatrack"), (std::vector<std::string>{kBeamKey}));
}

TEST_F(MpcTransformTest, IncompleteRecordIsRefusedAndTheRestOfTheWindowUploaded) {
  // Journaled unquarantined (by a qcflow before the source checked): the 10X
  // run's file is cut inside BeamOutputChange's "0.45", so it reads "0".
  const std::string full = Csv("0.32", "0.45");
  AppendUnquarantined(kBeamFolders[2], full.substr(0, full.find("0.45") + 1));  // ends "..., 0"
  AddRun(kBeamFolders[0], Csv("0.3", "0.1"));
  AddRun(kBeamFolders[1], Csv("0.31", "-0.17"));
  Scan();
  StepReport r = Run(Local(9, 0));
  EXPECT_EQ(r.runs_unreadable, 1u);
  EXPECT_EQ(r.sessions_emitted, 1u);
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_NE(r.problems[0].find("Results.csv is incomplete, so none of its values is uploaded"),
            std::string::npos) << r.problems[0];
  auto sessions = Sessions();
  ASSERT_EQ(sessions.count(kBeamKey), 1u);
  EXPECT_EQ(FindTest(sessions[kBeamKey], "beamgroup_beamoutputchange_per_10x"), nullptr);
  EXPECT_NE(FindTest(sessions[kBeamKey], "beamgroup_beamoutputchange_per_6fff"), nullptr);
}

TEST_F(MpcTransformTest, SkipsQuarantinedAndOtherRecordsButAdvancesTheCursor) {
  AddRun("NotAnMpcRunFolder");  // bad folder name: quarantined by the scanner
  AddRun(Folder("07-00-00", 1, "GeometryCheckTemplate6xMVkV"), std::string("\x00\x01\x02", 3));
  ScanReport scan = Scan();
  ASSERT_EQ(scan.quarantined, 2u);
  Record event;
  event.kind = Kind::kEvent;
  event.source_id = "qcflow";
  event.payload = "not an MPC record";
  ASSERT_TRUE(store_->journal().Append(event).ok());

  StepReport r = Run(Local(9, 0));
  EXPECT_EQ(r.records_read, 2u) << "the two MPC records; the event is not read (ScanKinds)";
  EXPECT_EQ(r.runs_added, 0u);
  EXPECT_EQ(r.runs_unreadable, 0u);  // the source already reported them
  EXPECT_TRUE(r.problems.empty());
  EXPECT_TRUE(Sessions().empty());
  EXPECT_EQ(*store_->GetCursor(kTdsCursor), 4u);
}

TEST_F(MpcTransformTest, UnreadableRecordIsCountedAndSkipped) {
  // A record journaled unquarantined that this build cannot read (e.g. written
  // by another tool): counted, explained, and the rest still goes through.
  AppendUnquarantined(Folder("07-01-00", 7, "GeometryCheckTemplate6xMVkV"), "???");
  AddBeamWindow();
  Scan();
  StepReport r = Run(Local(9, 0));
  EXPECT_EQ(r.runs_unreadable, 1u);
  EXPECT_EQ(r.runs_added, 3u);
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_NE(r.problems[0].find("record 1"), std::string::npos) << r.problems[0];
  EXPECT_NE(r.problems[0].find("Results.csv not readable"), std::string::npos) << r.problems[0];
  EXPECT_EQ(Sessions().size(), 1u);
}

// Records of the kBeamFolders runs journaled in the shapes scanners wrote, old and new;
// each shape must give the same one session.
class MpcRecordShapeTest : public MpcTransformTest {
 protected:
  void ExpectOneBeamWindowSessionOfThreeRuns() {
    StepReport r = Run(Local(9, 0));
    EXPECT_EQ(r.runs_added, 3u);
    EXPECT_EQ(r.runs_unreadable, 0u);
    EXPECT_TRUE(r.problems.empty()) << r.problems[0];
    auto sessions = Sessions();
    ASSERT_EQ(sessions.size(), 1u);
    ASSERT_EQ(sessions.count(kBeamKey), 1u);
    EXPECT_NE(FindTest(sessions[kBeamKey], "beamgroup_beamoutputchange_per_10x"), nullptr);
  }
};

TEST_F(MpcRecordShapeTest, RunFolderIsReadFromMeta) {
  // Dedup keys that name no run folder (the old derivation would fail on them):
  // only meta.folder can say which run each record is.
  for (size_t i = 0; i < kBeamFolders.size(); ++i) {
    const std::string& f = kBeamFolders[i];
    AppendRecord("renamed/" + std::to_string(i),
                 R"({"folder":")" + f + R"(","path":"TB1234/MPCChecks/moved/Results.csv","size":3})",
                 Csv());
  }
  ExpectOneBeamWindowSessionOfThreeRuns();
}

TEST_F(MpcRecordShapeTest, RecordsJournaledBeforeMetaHadTheFolderAreStillRead) {
  // As older scanners wrote them: no meta.folder; the dedup key starts with the
  // run folder, or (never for a run that parses, but tolerated) holds its path.
  AppendUnquarantined(kBeamFolders[0], Csv());
  AppendUnquarantined(kBeamFolders[1], Csv());
  const std::string path = "TB1234/MPCChecks/" + kBeamFolders[2] + "/Results.csv";
  AppendRecord(path + "/0123456789abcdef", R"({"path":")" + path + R"(","size":3})", Csv());
  ExpectOneBeamWindowSessionOfThreeRuns();
}

TEST_F(MpcRecordShapeTest, CompleteRecordsAreReadWhenTheirGroupIsBuilt) {
  // Marked complete, as the scanner does once CheckResultsCsv accepted the file.
  for (const std::string& f : kBeamFolders) {
    AppendRecord(f + "/0123456789abcdef",
                 R"({"complete":true,"folder":")" + f + R"(","path":"TB1234/MPCChecks/x/Results.csv","size":3})",
                 Csv());
  }
  ExpectOneBeamWindowSessionOfThreeRuns();
}

TEST_F(MpcRecordShapeTest, CompleteRecordThisBuildCannotReadIsLeftOutOfItsSession) {
  // A record marked complete by a scanner whose parser accepted what this one
  // refuses: grouped by its folder, then left out of the session, said, when
  // its file is read; the other runs are uploaded.
  const std::string meta_tail = R"(","path":"TB1234/MPCChecks/x/Results.csv","size":3})";
  AppendRecord(kBeamFolders[0] + "/a", R"({"complete":true,"folder":")" + kBeamFolders[0] + meta_tail,
               Csv());
  AppendRecord(kBeamFolders[1] + "/b", R"({"complete":true,"folder":")" + kBeamFolders[1] + meta_tail,
               "???");
  AppendRecord(kBeamFolders[2] + "/c", R"({"complete":true,"folder":")" + kBeamFolders[2] + meta_tail,
               Csv());
  StepReport r = Run(Local(9, 0));
  EXPECT_EQ(r.runs_added, 3u);
  EXPECT_EQ(r.sessions_emitted, 1u);
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_NE(r.problems[0].find("left out of " + std::string(kBeamKey)), std::string::npos)
      << r.problems[0];
  EXPECT_NE(r.problems[0].find("Results.csv not readable"), std::string::npos) << r.problems[0];
  auto sessions = Sessions();
  ASSERT_EQ(sessions.count(kBeamKey), 1u);
  EXPECT_EQ(sessions[kBeamKey].source_seqs, (std::vector<uint64_t>{1, 3}));
  EXPECT_NE(FindTest(sessions[kBeamKey], "beamgroup_beamoutputchange_per_10x"), nullptr);
  EXPECT_EQ(FindTest(sessions[kBeamKey], "beamgroup_beamoutputchange_per_6fff"), nullptr);
}

// Small steps with the objects dropped between them (no Sync, no Restore: Step
// restores by itself) must end exactly where one uninterrupted pass ends.
TEST_F(MpcTransformTest, DroppedBetweenStepsEndsInTheSameState) {
  AddBeamWindow();
  AddRun(Folder("07-06-00", 5, "GeometryCheckTemplate6xMVkVEnhancedCouch"));
  AddRun(Folder("07-25-00", 6, "BeamCheckTemplate6xMVkV"));
  AddRun(Folder("07-30-00", 1, "GeometryCheckTemplate6xMVkV", "5678"), Csv("0.4"), "TB5678");
  Scan();

  TempDir reference_dir;
  std::map<std::string, std::string> reference;
  {
    auto ref = Store::Open(reference_dir.Sub("store"));
    ASSERT_TRUE(ref.ok());
    TdsScanConfig c;
    c.root = dir_.Sub("TDS");
    c.source_id = "tds-main";
    c.site_zone = kZone;
    ASSERT_TRUE(TdsScanner(c, ref->get()).Scan(NowMicros() + 3600 * kMicrosPerSecond).ok());
    MpcTransform t(ref->get(), config_);
    ASSERT_TRUE(t.Restore().ok());
    ASSERT_TRUE(t.RunUntilCaughtUp(Local(7, 40)).ok());
    ASSERT_TRUE(t.RunUntilCaughtUp(Local(9, 0)).ok());
    ASSERT_TRUE((*ref)->derived().Scan(kSessionNs, "", [&](std::string_view k, std::string_view v) {
      reference[std::string(k)] = std::string(v);
      return true;
    }).ok());
  }
  ASSERT_EQ(reference.size(), 4u);

  config_.records_per_step = 2;
  for (int i = 0; i < 8; ++i) {
    transform_ = std::make_unique<MpcTransform>(store_.get(), config_);  // no Restore call
    auto r = transform_->Step(i < 4 ? Local(7, 40) : Local(9, 0));
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    Reopen();
  }
  EXPECT_EQ(RawNs(kSessionNs), reference);
  EXPECT_EQ(OutboxIds("qatrack").size(), 4u);
  EXPECT_EQ(*store_->GetCursor(kTdsCursor), store_->journal().last_seq() + 1);
}

}  // namespace
}  // namespace qcflow::mpc
