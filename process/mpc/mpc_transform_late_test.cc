// Late MPC runs: recorded and reported, changed after upload, amended.
#include <gtest/gtest.h>

#include <string>

#include "process/mpc/mpc_transform.h"
#include "process/mpc/mpc_transform_testing.h"
#include "store/coding.h"

namespace qcflow::mpc::transform_testing {
namespace {

class MpcLateRunTest : public MpcTransformTest {};

TEST_F(MpcLateRunTest, LateRunIsRecordedAndReportedOnce) {
  AddBeamWindow();
  Scan();
  ASSERT_EQ(Run(Local(9, 0)).sessions_emitted, 1u);
  const auto sessions = RawNs(kSessionNs);

  const std::string late_folder = Folder("07-08-00", 9, "BeamCheckTemplate10xFFFMVkV");
  AddRun(late_folder);  // copied to the share after the session was sent
  Scan();
  StepReport r = Run(Local(10, 0));
  EXPECT_EQ(r.late_runs, 1u);
  EXPECT_EQ(r.sessions_emitted + r.amendments_emitted, 0u);
  ASSERT_FALSE(r.problems.empty());
  EXPECT_NE(r.problems.front().find(late_folder), std::string::npos);

  auto late = RawNs(kLateNs);
  ASSERT_EQ(late.size(), 1u);
  EXPECT_EQ(coding::GetBigEndian64(late.begin()->first), SeqOf(late_folder));
  const std::string& json = late.begin()->second;
  for (const std::string& part :
       {std::string("\"serial\":\"1234\""), std::string("\"check_type\":\"Beam and Geometry Checks\""),
        "\"folder\":\"" + late_folder + "\"", std::string("\"window_key\":\"2020-11-06-07-00\""),
        "\"user_key\":\"" + std::string(kBeamKey) + "\"", std::string("\"amended\":false")}) {
    EXPECT_NE(json.find(part), std::string::npos) << part << " in " << json;
  }
  EXPECT_EQ(RawNs(kSessionNs), sessions);
  EXPECT_EQ(OutboxIds("qatrack"), (std::vector<std::string>{kBeamKey}));

  Reopen();
  StepReport after = Run(Local(23, 0));
  EXPECT_EQ(after.late_runs, 0u);
  EXPECT_EQ(after.pending_runs, 0u);
  EXPECT_EQ(after.sessions_emitted, 0u);
  EXPECT_TRUE(after.problems.empty());
  EXPECT_EQ(RawNs(kLateNs), late);
}

TEST_F(MpcLateRunTest, RewrittenResultsCsvIsReportedAsChangedAfterUpload) {
  AddBeamWindow();
  Scan();
  ASSERT_EQ(Run(Local(9, 0)).sessions_emitted, 1u);
  const uint64_t uploaded = SeqOf(kBeamFolders[2]);
  AddRun(kBeamFolders[2], Csv("0.32", "0.451"));  // the same run folder, new content
  Scan();
  StepReport r = Run(Local(10, 0));
  EXPECT_EQ(r.late_runs, 1u);
  ASSERT_EQ(r.problems.size(), 1u);
  const std::string& p = r.problems[0];
  EXPECT_NE(p.find(kBeamFolders[2] + ": its Results.csv changed after session " + kBeamKey +
                   " was uploaded (journal seq " + std::to_string(uploaded) + " was uploaded, seq " +
                   std::to_string(SeqOf(kBeamFolders[2])) + " is the new content"),
            std::string::npos) << p;
  EXPECT_NE(p.find("not uploaded"), std::string::npos) << p;
  const std::string late = RawNs(kLateNs).begin()->second;  // the one late run
  EXPECT_NE(late.find("\"changed_after_upload_of_seq\":" + std::to_string(uploaded)),
            std::string::npos) << late;
}

TEST_F(MpcLateRunTest, RewrittenLateRunThatWasOnlyReportedIsNotCalledChangedAfterUpload) {
  AddBeamWindow();
  Scan();
  ASSERT_EQ(Run(Local(9, 0)).sessions_emitted, 1u);
  const std::string late_folder = Folder("07-08-00", 9, "BeamCheckTemplate10xFFFMVkV");
  AddRun(late_folder);  // late: reported, not uploaded
  Scan();
  ASSERT_EQ(Run(Local(10, 0)).late_runs, 1u);
  AddRun(late_folder, Csv("0.3", "0.77"));  // and then rewritten
  Scan();
  StepReport r = Run(Local(11, 0));
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_NE(r.problems[0].find(late_folder + " arrived after session"), std::string::npos)
      << r.problems[0];
}

TEST_F(MpcLateRunTest, LateRunBecomesAnAmendmentUnderAmendPolicy) {
  config_.grouping.late_policy = LatePolicy::kAmend;
  Reopen();
  AddBeamWindow();
  Scan();
  ASSERT_EQ(Run(Local(9, 0)).sessions_emitted, 1u);

  const std::string late_folder = Folder("07-08-00", 9, "BeamCheckTemplate10xFFFMVkV");
  AddRun(late_folder, Csv("0.3", "0.77"));
  Scan();
  StepReport waiting = Run(Local(7, 27, 59));  // amendments wait too: 07:08 + 20 min
  EXPECT_EQ(waiting.late_runs, 1u);
  EXPECT_EQ(waiting.amendments_emitted, 0u);
  EXPECT_NE(RawNs(kLateNs).begin()->second.find("\"amended\":true"), std::string::npos);

  Reopen();  // the amendment's run must survive a restart, and not be reported twice
  StepReport r = Run(Local(10, 0));
  EXPECT_EQ(r.late_runs, 0u);
  EXPECT_EQ(r.amendments_emitted, 1u);
  EXPECT_EQ(r.sessions_emitted, 0u);
  const std::string amend = std::string(kBeamKey) + "/amend-1";
  auto sessions = Sessions();
  ASSERT_EQ(sessions.count(amend), 1u);
  EXPECT_TRUE(sessions[amend].amendment);
  EXPECT_EQ(sessions[amend].source_seqs, SeqsOf({late_folder}));
  ASSERT_NE(FindTest(sessions[amend], "beamgroup_beamoutputchange_per_10fff"), nullptr);
  EXPECT_DOUBLE_EQ(*FindTest(sessions[amend], "beamgroup_beamoutputchange_per_10fff")->number,
                   0.77);
  EXPECT_EQ(OutboxIds("qatrack"), (std::vector<std::string>{kBeamKey, amend}));

  Reopen();
  EXPECT_EQ(Run(Local(23, 0)).amendments_emitted, 0u);
  EXPECT_EQ(OutboxIds("qatrack"), (std::vector<std::string>{kBeamKey, amend}));
}

}  // namespace
}  // namespace qcflow::mpc::transform_testing
