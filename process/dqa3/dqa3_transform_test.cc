// Dqa3Transform against a real store, fed with journal records exactly as the
// dqa3 source writes them (payloads from dqa3_test_rows).
#include "process/dqa3/dqa3_transform.h"

#include <gtest/gtest.h>

#include <map>

#include "process/common/qc_session.h"
#include "process/common/stored_sessions_testing.h"
#include "process/dqa3/dqa3_test_rows.h"
#include "store/journal.h"
#include "store/store.h"
#include "tests/testing/temp_dir.h"

namespace qcflow::dqa3 {
namespace {

using qcflow::testing::TempDir;
using testing::BeamSpec;
using testing::EncodeTestPayload;
using testing::MakeTestRow;
using testing::TestRow;

constexpr const char* kZone = "Europe/Berlin";  // UTC+2 in May
constexpr const char* kSource = "dqa3-main";

// The UTC instant of 2024-05-01 hh:mm on the database's wall clock.
MicrosUtc Local(int hh, int mm, int ss = 0) { return *CivilToUtc({2024, 5, 1, hh, mm, ss, 0}, kZone); }

BeamSpec Beam(int64_t key, const std::string& hms, const std::string& name = "6 MV",
              const std::string& type = "Photon", int64_t machine = 7) {
  BeamSpec b;
  b.data_key = key;
  b.measured = "2024-05-01 " + hms;
  b.beam_name = name;
  b.beam_type = type;
  b.machine_id = machine;
  b.machine = machine == 7 ? "TrueBeam 1" : "Clinac " + std::to_string(machine);
  return b;
}

class Dqa3TransformTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }

  // A crash: transform and store dropped without any shutdown call.
  void Reopen() {
    transform_ = nullptr;
    store_ = nullptr;
    ASSERT_TRUE(ValidateDqa3TransformConfig(config_).ok());
    store_ = qcflow::testing::OpenTestStore(dir_.Sub("store"));
    ASSERT_NE(store_, nullptr);
    transform_ = std::make_unique<Dqa3Transform>(store_.get(), config_);
    ASSERT_TRUE(transform_->Restore().ok());
  }

  void Append(const TestRow& row, const std::string& source = kSource) {
    Record r;
    r.kind = Kind::kDqa3;
    r.source_id = source;
    r.event_time = Local(7, 0);
    r.capture_time = NowMicros();
    r.dedup_key = "db|" + source + "|" + std::to_string(next_key_++);
    r.payload = EncodeTestPayload(row);
    ASSERT_TRUE(store_->journal().Append(r).ok());
  }
  void Append(const BeamSpec& b, const std::string& schema = "01.04") {
    Append(MakeTestRow(schema, b));
  }

  StepReport Run(MicrosUtc now) {
    auto r = transform_->RunUntilCaughtUp(now);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : StepReport{};
  }

  std::map<std::string, QcSession> Sessions() {
    return qcflow::testing::StoredSessions(store_.get(), kSessionNs);
  }
  std::vector<std::string> OutboxIds() { return qcflow::testing::OutboxItemIds(store_.get(), "qatrack"); }
  size_t Count(const std::string& ns) { return qcflow::testing::StoredRecords(store_.get(), ns).size(); }

  void Grouped() {
    config_.mode = Dqa3Mode::kGrouped;
    Reopen();
  }

  TempDir dir_;
  int next_key_ = 1;
  Dqa3TransformConfig config_ = [] {
    Dqa3TransformConfig c;
    c.source_id = kSource;
    c.zone = kZone;
    c.unit_map = {{"Bunker A/TrueBeam 1", UnitRef::Named("TB1")}, {"8", UnitRef::Named("Clinac-8")}};
    c.sinks = {"qatrack"};
    c.records_per_step = 3;  // several steps per run
    return c;
  }();
  std::unique_ptr<Store> store_;
  std::unique_ptr<Dqa3Transform> transform_;
};

TEST_F(Dqa3TransformTest, SingleModeOneSessionPerRowQueuedOnce) {
  Append(Beam(1, "07:00:00"));
  Append(Beam(2, "07:03:00", "10 MV"));
  Append(Beam(3, "07:05:00", "6 MV", "Photon", 8));  // mapped by machine id
  StepReport r = Run(Local(7, 6));
  EXPECT_EQ(r.rows_read, 3u);
  EXPECT_EQ(r.sessions_emitted, 3u);
  EXPECT_TRUE(r.caught_up);
  EXPECT_TRUE(r.problems.empty()) << r.problems.front();
  auto sessions = Sessions();
  ASSERT_EQ(sessions.size(), 3u);
  const std::string key = "QCPump/DQA3/7/2024-05-01 07:03:00/2";
  ASSERT_EQ(sessions.count(key), 1u);
  EXPECT_EQ(sessions[key].test_list_name, "Daily QA3 Results: 10 MV");
  EXPECT_EQ(sessions[key].unit_name, "TB1");
  EXPECT_EQ(sessions["QCPump/DQA3/8/2024-05-01 07:05:00/3"].unit_name, "Clinac-8");
  EXPECT_EQ(OutboxIds().size(), 3u);
  EXPECT_EQ(*store_->GetCursor(std::string(kCursorName) + "/" + kSource),
            store_->journal().last_seq() + 1);
}

TEST_F(Dqa3TransformTest, RestartAndRerunEmitNothingNew) {
  for (Dqa3Mode mode : {Dqa3Mode::kSingle, Dqa3Mode::kGrouped}) {
    config_.mode = mode;
    Reopen();
    Append(Beam(10 + int(mode) * 10, "08:00:00"));
    Append(Beam(11 + int(mode) * 10, "08:05:00", "10 MV"));
    const size_t before = OutboxIds().size();
    StepReport first = Run(Local(9, 0));
    EXPECT_GE(first.sessions_emitted, 1u);
    const auto sessions = Sessions();
    const size_t queued = OutboxIds().size();
    EXPECT_GT(queued, before);
    Reopen();
    StepReport again = Run(Local(9, 0));
    EXPECT_EQ(again.sessions_emitted, 0u);
    EXPECT_EQ(again.rows_read, 0u);
    EXPECT_EQ(Sessions().size(), sessions.size());
    EXPECT_EQ(OutboxIds().size(), queued);
  }
}

TEST_F(Dqa3TransformTest, UnmappedMachineIsHeldUntilTheUnitMapNamesIt) {
  for (Dqa3Mode mode : {Dqa3Mode::kSingle, Dqa3Mode::kGrouped}) {
    config_.mode = mode;
    config_.unit_map.erase("Bunker A/Clinac 9");
    Reopen();
    const int64_t k = 10 * (int(mode) + 1);
    Append(Beam(k, "07:00:00", "6 MV", "Photon", 9));
    Append(Beam(k + 1, "07:01:00", "10 MV", "Photon", 9));
    const size_t before = Sessions().size();
    StepReport r = Run(Local(7, 30));
    EXPECT_EQ(r.rows_unmapped, 2u);
    EXPECT_EQ(r.sessions_emitted, 0u);
    ASSERT_EQ(r.problems.size(), 1u);
    EXPECT_NE(r.problems[0].find("Bunker A/Clinac 9"), std::string::npos) << r.problems[0];
    EXPECT_EQ(Sessions().size(), before);

    config_.unit_map["Bunker A/Clinac 9"] = UnitRef::Named("Clinac-9");
    Reopen();
    StepReport sent = Run(Local(8, 0));
    EXPECT_EQ(sent.sessions_emitted, mode == Dqa3Mode::kSingle ? 2u : 1u);
    EXPECT_TRUE(sent.problems.empty());
    const size_t after = Sessions().size();
    EXPECT_EQ(after, before + sent.sessions_emitted);
    for (const auto& [key, s] : Sessions()) {
      if (key.starts_with("QCPump/DQA3/9/")) {
        EXPECT_EQ(s.unit_name, "Clinac-9");
      }
    }
    Reopen();  // held rows sent before are not sent again
    EXPECT_EQ(Run(Local(8, 30)).sessions_emitted, 0u);
    EXPECT_EQ(Sessions().size(), after);
  }
  EXPECT_EQ(OutboxIds().size(), Sessions().size());
}

TEST_F(Dqa3TransformTest, RacedRowIsSentWithAVisibleWarning) {
  TestRow t = MakeTestRow("01.04", Beam(5, "07:00:00"));
  t.set_key_mismatch = true;
  Append(t);
  StepReport r = Run(Local(7, 30));
  EXPECT_EQ(r.rows_raced, 1u);
  EXPECT_EQ(r.sessions_emitted, 1u);
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_NE(r.problems[0].find("DATA_KEY race"), std::string::npos);
  // Says what QATrack+ gets: the comment (with the warning) only with include_comments.
  EXPECT_EQ(r.problems[0].find("sent with a warning"), std::string::npos) << r.problems[0];
  EXPECT_NE(r.problems[0].find("only with include_comments = true"), std::string::npos) << r.problems[0];
  EXPECT_NE(r.problems[0].find("race_flagged"), std::string::npos) << r.problems[0];
  auto sessions = Sessions();
  ASSERT_EQ(sessions.size(), 1u);
  EXPECT_NE(sessions.begin()->second.comment.find("DATA_KEY race"), std::string::npos);
}

TEST_F(Dqa3TransformTest, DamagedNumberIsSentAsSkippedAndLogged) {
  TestRow t = MakeTestRow("01.04", Beam(5, "07:00:00"));
  t.Set("tr.RESULTS_DOSE", std::string("1.02x"));
  Append(t);
  StepReport r = Run(Local(7, 30));
  EXPECT_EQ(r.sessions_emitted, 1u);
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_NE(r.problems[0].find("tr.RESULTS_DOSE is '1.02x', not a number; sent as no value"),
            std::string::npos) << r.problems[0];
}

TEST_F(Dqa3TransformTest, ReadsOnlyItsOwnSource) {
  Append(MakeTestRow("01.04", Beam(1, "07:00:00")), "other-db");
  Append(Beam(2, "07:01:00"));
  StepReport r = Run(Local(7, 30));
  EXPECT_EQ(r.records_read, 2u);
  EXPECT_EQ(r.rows_read, 1u);
  auto sessions = Sessions();
  ASSERT_EQ(sessions.size(), 1u);
  EXPECT_EQ(sessions.begin()->second.source_seqs, std::vector<uint64_t>{2});
}

TEST_F(Dqa3TransformTest, GroupedWindowWaitsThenEmitsOneSessionPerMachine) {
  Grouped();
  Append(Beam(1, "07:00:00", "6 MV"));
  Append(Beam(2, "07:10:00", "6 FFF", "FFF"));
  Append(Beam(3, "07:20:00", "9 MeV", "Electron"));  // on the boundary: inside
  Append(Beam(4, "07:21:00", "10 MV"));               // opens the next window
  Append(Beam(5, "07:02:00", "6 MV", "Photon", 8));
  StepReport early = Run(Local(7, 39, 59));  // 07:20 + 20 min wait = 07:40
  EXPECT_EQ(early.sessions_emitted, 1u);     // machine 8 (07:02 + 20 <= 07:39:59)
  EXPECT_EQ(early.pending_rows, 4u);
  StepReport ready = Run(Local(7, 40));
  EXPECT_EQ(ready.sessions_emitted, 1u);
  EXPECT_EQ(ready.pending_rows, 1u);
  auto sessions = Sessions();
  ASSERT_EQ(sessions.size(), 2u);
  const QcSession& s = sessions["QCPump/DQA3/7/2024-05-01-07-00"];
  EXPECT_EQ(s.source_seqs, (std::vector<uint64_t>{1, 2, 3}));
  EXPECT_EQ(s.test_list_name, "Daily QA3 Results");
  EXPECT_EQ(s.work_started, Local(7, 0));
  EXPECT_EQ(s.work_completed, Local(7, 20));
  bool has_fff = false, has_e = false;
  for (const TestResult& t : s.tests) {
    has_fff = has_fff || t.key == "dose_6_fff";
    has_e = has_e || t.key == "energy_9_mev";
  }
  EXPECT_TRUE(has_fff && has_e);
  EXPECT_EQ(sessions.count("QCPump/DQA3/8/2024-05-01-07-02"), 1u);
}

TEST_F(Dqa3TransformTest, GroupedBacklogIsEmittedInBoundedSteps) {
  config_.groups_per_step = 2;
  Grouped();
  for (int day = 0; day < 5; ++day) {  // five mornings, one window each
    Append(Beam(day + 1, "0" + std::to_string(day + 5) + ":00:00"));
  }
  auto step = transform_->Step(Local(12, 0));
  ASSERT_TRUE(step.ok());
  EXPECT_EQ(step->records_read, 3u);  // records_per_step
  EXPECT_EQ(step->sessions_emitted, 0u);  // not caught up: no window closes yet
  StepReport r = Run(Local(12, 0));
  EXPECT_EQ(r.sessions_emitted, 5u);
  EXPECT_TRUE(r.caught_up);
  EXPECT_EQ(Sessions().size(), 5u);
}

TEST_F(Dqa3TransformTest, GroupedBeamFilterKeepsPhotonsAndFff) {
  config_.beam_filter = BeamFilter::kPhotons;
  Grouped();
  Append(Beam(1, "07:00:00", "6 MV"));
  Append(Beam(2, "07:01:00", "6 FFF", "FFF"));
  Append(Beam(3, "07:02:00", "9 MeV", "Electron"));
  StepReport r = Run(Local(8, 0));
  EXPECT_EQ(r.rows_filtered, 1u);
  auto sessions = Sessions();
  ASSERT_EQ(sessions.size(), 1u);
  EXPECT_EQ(sessions.begin()->second.source_seqs, (std::vector<uint64_t>{1, 2}));
}

TEST_F(Dqa3TransformTest, GroupedLateBeamKeepsUserKeyAndIsReportedOrAmended) {
  for (LatePolicy policy : {LatePolicy::kReport, LatePolicy::kAmend}) {
    config_.late_policy = policy;
    config_.source_id = policy == LatePolicy::kAmend ? "db-amend" : kSource;
    Grouped();
    const std::string src = config_.source_id;
    Append(MakeTestRow("01.04", Beam(1, "07:00:00")), src);
    Append(MakeTestRow("01.04", Beam(2, "07:05:00", "10 MV")), src);
    ASSERT_EQ(Run(Local(8, 0)).sessions_emitted, 1u);
    // The 6 FFF beam reaches the database (and the journal) after the upload.
    Append(MakeTestRow("01.04", Beam(3, "07:08:00", "6 FFF", "FFF")), src);
    Reopen();  // the late row must be judged against restored state
    StepReport late = Run(Local(8, 30));
    EXPECT_EQ(late.late_rows, 1u);
    auto sessions = Sessions();
    const std::string key = "QCPump/DQA3/7/2024-05-01-07-00";
    ASSERT_EQ(sessions.count(key), 1u);
    EXPECT_EQ(sessions[key].source_seqs.size(), 2u);  // the uploaded session never changes
    if (policy == LatePolicy::kReport) {
      EXPECT_EQ(late.amendments_emitted, 0u);
      ASSERT_EQ(late.problems.size(), 1u);
      EXPECT_NE(late.problems[0].find(key), std::string::npos);
      EXPECT_EQ(Count(kLateNs), 1u);
    } else {
      EXPECT_EQ(late.amendments_emitted, 1u);
      EXPECT_TRUE(late.problems.empty());
      ASSERT_EQ(sessions.count(key + "/amend-1"), 1u);
      EXPECT_TRUE(sessions[key + "/amend-1"].amendment);
      EXPECT_EQ(Count(kLateNs), 2u);
    }
    EXPECT_EQ(Run(Local(9, 0)).late_rows, 0u);  // reported once
  }
}

TEST_F(Dqa3TransformTest, GroupedPendingRowsSurviveARestart) {
  Grouped();
  Append(Beam(1, "07:00:00"));
  Append(Beam(2, "07:04:00", "10 MV"));
  EXPECT_EQ(Run(Local(7, 10)).pending_rows, 2u);
  Reopen();
  Append(Beam(3, "07:06:00", "6 MV"));  // the 6 MV beam repeated: the last one wins
  StepReport r = Run(Local(8, 0));
  EXPECT_EQ(r.sessions_emitted, 1u);
  auto sessions = Sessions();
  ASSERT_EQ(sessions.size(), 1u);
  const QcSession& s = sessions.begin()->second;
  EXPECT_EQ(s.source_seqs, (std::vector<uint64_t>{1, 2, 3}));
  const TestRow last = MakeTestRow("01.04", Beam(3, "07:06:00"));
  for (const TestResult& t : s.tests) {
    if (t.key == "dose_6_mv") {
      EXPECT_EQ(t.number, last.Num("tr.RESULTS_DOSE"));
    }
    if (t.key == "data_key_6_mv") {
      EXPECT_EQ(t.text, "3");
    }
  }
}

TEST(Dqa3TransformConfig, ValidationExplains) {
  Dqa3TransformConfig c;
  EXPECT_TRUE(ValidateDqa3TransformConfig(c).ok());
  c.test_list_template = "{{ check_type }}";
  EXPECT_FALSE(ValidateDqa3TransformConfig(c).ok());
  c.test_list_template = "QA {{ machine_name }}";
  c.mode = Dqa3Mode::kGrouped;
  EXPECT_TRUE(ValidateDqa3TransformConfig(c).ok());
  c.test_list_template = "QA {{ beam_name }}";  // one session holds many beams
  EXPECT_FALSE(ValidateDqa3TransformConfig(c).ok());
  c.test_list_template.clear();
  c.zone = "Mars/Olympus";
  EXPECT_FALSE(ValidateDqa3TransformConfig(c).ok());
  c.zone = "UTC";
  c.wait_micros = -1;
  EXPECT_FALSE(ValidateDqa3TransformConfig(c).ok());
  EXPECT_EQ(*ParseDqa3Mode("Grouped"), Dqa3Mode::kGrouped);
  EXPECT_EQ(*ParseBeamFilter("photons"), BeamFilter::kPhotons);
  EXPECT_FALSE(ParseBeamFilter("protons").ok());
}

}  // namespace
}  // namespace qcflow::dqa3
