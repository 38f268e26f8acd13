#include "process/mpc/grouping.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>

namespace qcflow::mpc {
namespace {

constexpr CheckType kBG = CheckType::kBeamAndGeometry;
constexpr CheckType kCouch = CheckType::kEnhancedCouch;
constexpr CheckType kMlc = CheckType::kEnhancedMlc;

// "2020-11-06 07:20:00" -> CivilTime.
CivilTime T(const char* text) {
  CivilTime c;
  EXPECT_EQ(std::sscanf(text, "%d-%d-%d %d:%d:%d", &c.year, &c.month, &c.day, &c.hour, &c.minute,
                        &c.second),
            6)
      << text;
  return c;
}

NaiveMicros N(const char* text) { return *ToNaive(T(text)); }

MpcRun R(const std::string& serial, CheckType type, const char* time, uint64_t seq) {
  MpcRun r;
  r.serial = serial;
  r.check_type = type;
  r.run_time = T(time);
  r.folder = "run-" + std::to_string(seq);
  r.seq = seq;
  return r;
}

// A run as the MPC source would report it, built from a real-looking folder name.
MpcRun Folder(const std::string& serial, const char* time, int beam, const std::string& tmpl,
              uint64_t seq) {
  CivilTime c = T(time);
  char buf[160];
  std::snprintf(buf, sizeof buf, "NDS-WKS-SN%s-%04d-%02d-%02d-%02d-%02d-%02d-%04d-%s",
                serial.c_str(), c.year, c.month, c.day, c.hour, c.minute, c.second, beam,
                tmpl.c_str());
  MpcRun r;
  r.serial = serial;
  r.check_type = ClassifyCheckType(buf);
  r.run_time = c;
  r.folder = buf;
  r.seq = seq;
  return r;
}

std::vector<uint64_t> Seqs(const RunGroup& g) {
  std::vector<uint64_t> out;
  for (const MpcRun& r : g.runs) out.push_back(r.seq);
  return out;
}

void AddAll(MpcGrouper* g, const std::vector<MpcRun>& runs) {
  for (const MpcRun& r : runs) ASSERT_TRUE(g->Add(r).ok());
}

TEST(Grouping, WindowKeyAndUserKey) {
  EXPECT_EQ(WindowKey(T("2020-06-25 07:11:30")), "2020-06-25-07-11");
  RunGroup g;
  g.serial = "5678";
  g.check_type = kBG;
  g.window_key = "2020-06-25-07-11";
  EXPECT_EQ(g.UserKey(), "QCPump/MPC/5678/2020-06-25-07-11/Beam and Geometry Checks");
  g.check_type = kCouch;
  g.amendment = 2;
  EXPECT_EQ(g.UserKey(), "QCPump/MPC/5678/2020-06-25-07-11/Enhanced Couch Checks/amend-2");
}

TEST(Grouping, NaiveTimeHelpers) {
  EXPECT_EQ(N("1970-01-01 00:01:00"), 60 * kMicrosPerSecond);
  CivilTime back = FromNaive(N("2020-11-06 07:20:01"));
  EXPECT_EQ(WindowKey(back), "2020-11-06-07-20");
  EXPECT_EQ(back.second, 1);
  // Berlin is UTC+2 in summer: the wall clock reads two hours later.
  auto utc = CivilToUtc(T("2021-07-01 10:00:00"), "UTC");
  EXPECT_EQ(*WallClockNaive(*utc, "Europe/Berlin"), N("2021-07-01 12:00:00"));
  EXPECT_FALSE(WallClockNaive(*utc, "Nowhere/Land").ok());
  EXPECT_FALSE(ToNaive(T("2020-02-30 00:00:00")).ok());
}

TEST(Grouping, ValidateOptions) {
  EXPECT_TRUE(ValidateGroupingOptions({}).ok());
  GroupingOptions o;
  o.window_micros = -1;
  EXPECT_EQ(ValidateGroupingOptions(o).code(), Status::Code::kInvalidArgument);
  o.window_micros = 0;
  o.wait_micros = -1;
  EXPECT_EQ(ValidateGroupingOptions(o).code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(WindowMicrosFor(kBG, {}), 20 * kMicrosPerMinute);
  EXPECT_EQ(WindowMicrosFor(kCouch, {}), 0);
  EXPECT_EQ(WindowMicrosFor(CheckType::kCollimationDevices, {}), 0);
}

TEST(Grouping, WindowIncludesRunExactlyOnTheBoundary) {
  MpcGrouper g;
  AddAll(&g, {R("1", kBG, "2020-11-06 07:00:00", 1), R("1", kBG, "2020-11-06 07:20:00", 2),
              R("1", kBG, "2020-11-06 07:20:01", 3)});
  auto ready = g.TakeReady(N("2020-11-07 00:00:00"));
  ASSERT_EQ(ready.size(), 2u);
  EXPECT_EQ(ready[0].window_key, "2020-11-06-07-00");
  EXPECT_EQ(Seqs(ready[0]), (std::vector<uint64_t>{1, 2}));
  EXPECT_EQ(ready[1].window_key, "2020-11-06-07-20");
  EXPECT_EQ(Seqs(ready[1]), (std::vector<uint64_t>{3}));
}

TEST(Grouping, WindowsDoNotChain) {
  // 07:15 is within 20 min of 07:00, 07:30 is not (even though it is within 20
  // min of 07:15): it opens the next window, which takes 07:45.
  MpcGrouper g;
  AddAll(&g, {R("1", kBG, "2020-11-06 07:00:00", 1), R("1", kBG, "2020-11-06 07:15:00", 2),
              R("1", kBG, "2020-11-06 07:30:00", 3), R("1", kBG, "2020-11-06 07:45:00", 4)});
  auto ready = g.TakeReady(N("2020-11-07 00:00:00"));
  ASSERT_EQ(ready.size(), 2u);
  EXPECT_EQ(Seqs(ready[0]), (std::vector<uint64_t>{1, 2}));
  EXPECT_EQ(ready[1].window_key, "2020-11-06-07-30");
  EXPECT_EQ(Seqs(ready[1]), (std::vector<uint64_t>{3, 4}));
}

TEST(Grouping, ConfigurableWindow) {
  GroupingOptions o;
  o.window_micros = 5 * kMicrosPerMinute;
  MpcGrouper g(o);
  AddAll(&g, {R("1", kBG, "2020-11-06 07:00:00", 1), R("1", kBG, "2020-11-06 07:05:00", 2),
              R("1", kBG, "2020-11-06 07:05:01", 3)});
  auto ready = g.TakeReady(N("2020-11-07 00:00:00"));
  ASSERT_EQ(ready.size(), 2u);
  EXPECT_EQ(Seqs(ready[0]), (std::vector<uint64_t>{1, 2}));
  EXPECT_EQ(Seqs(ready[1]), (std::vector<uint64_t>{3}));
}

TEST(Grouping, OtherCheckTypesGroupOnlyIdenticalTimestamps) {
  MpcGrouper g;
  AddAll(&g, {R("1", kCouch, "2020-11-06 08:00:00", 1), R("1", kCouch, "2020-11-06 08:00:00", 2),
              R("1", kCouch, "2020-11-06 08:00:01", 3),
              R("1", CheckType::kCollimationDevices, "2020-11-06 08:00:00", 4),
              R("1", kMlc, "2020-11-06 08:00:00", 5)});
  auto ready = g.TakeReady(N("2020-11-07 00:00:00"));
  ASSERT_EQ(ready.size(), 4u);
  EXPECT_EQ(ready[0].check_type, kCouch);
  EXPECT_EQ(Seqs(ready[0]), (std::vector<uint64_t>{1, 2}));
  EXPECT_EQ(ready[1].check_type, kCouch);
  EXPECT_EQ(Seqs(ready[1]), (std::vector<uint64_t>{3}));
  EXPECT_EQ(ready[1].window_key, "2020-11-06-08-00");  // same minute, different session
  EXPECT_EQ(ready[2].check_type, kMlc);
  EXPECT_EQ(ready[3].check_type, CheckType::kCollimationDevices);
}

// The anchor sets the window to 0 for the rest of the scan once an Enhanced
// group was processed; here the Enhanced group of the same serial comes first
// in every sense (fed first, earlier time, emitted first) and the Beam and
// Geometry runs must still share one 20-minute window.
TEST(Grouping, EnhancedGroupFirstDoesNotShrinkBeamWindow) {
  for (bool take_enhanced_first : {false, true}) {
    SCOPED_TRACE(take_enhanced_first);
    MpcGrouper g;
    ASSERT_TRUE(g.Add(R("1234", kCouch, "2020-11-06 06:50:00", 1)).ok());
    ASSERT_TRUE(g.Add(R("1234", kMlc, "2020-11-06 06:55:00", 2)).ok());
    std::vector<RunGroup> ready;
    if (take_enhanced_first) {
      ready = g.TakeReady(N("2020-11-06 07:20:00"));
      ASSERT_EQ(ready.size(), 2u);
    }
    AddAll(&g, {R("1234", kBG, "2020-11-06 07:00:00", 3), R("1234", kBG, "2020-11-06 07:07:00", 4),
                R("1234", kBG, "2020-11-06 07:14:00", 5), R("1234", kBG, "2020-11-06 07:20:00", 6)});
    for (auto& r : g.TakeReady(N("2020-11-07 00:00:00"))) ready.push_back(std::move(r));
    std::vector<RunGroup> bg;
    for (auto& r : ready) {
      if (r.check_type == kBG) bg.push_back(r);
    }
    ASSERT_EQ(bg.size(), 1u);
    EXPECT_EQ(bg[0].window_key, "2020-11-06-07-00");
    EXPECT_EQ(Seqs(bg[0]), (std::vector<uint64_t>{3, 4, 5, 6}));
  }
}

TEST(Grouping, KeysSeparateSerialsAndCheckTypes) {
  MpcGrouper g;
  AddAll(&g, {R("B", kBG, "2020-11-06 07:00:00", 1), R("A", kBG, "2020-11-06 07:01:00", 2),
              R("A", kCouch, "2020-11-06 07:01:00", 3), R("B", kBG, "2020-11-06 07:02:00", 4)});
  auto ready = g.TakeReady(N("2020-11-07 00:00:00"));
  ASSERT_EQ(ready.size(), 3u);
  EXPECT_EQ(ready[0].serial, "A");
  EXPECT_EQ(ready[0].check_type, kBG);
  EXPECT_EQ(Seqs(ready[0]), (std::vector<uint64_t>{2}));
  EXPECT_EQ(ready[1].serial, "A");
  EXPECT_EQ(ready[1].check_type, kCouch);
  EXPECT_EQ(ready[2].serial, "B");
  EXPECT_EQ(Seqs(ready[2]), (std::vector<uint64_t>{1, 4}));
}

TEST(Grouping, ReadyWhenNewestRunPlusWaitIsReached) {
  MpcGrouper g;
  AddAll(&g, {R("1", kBG, "2020-11-06 07:00:00", 1), R("1", kBG, "2020-11-06 07:10:00", 2)});
  EXPECT_EQ(g.NextReadyTime(), N("2020-11-06 07:30:00"));
  EXPECT_TRUE(g.TakeReady(N("2020-11-06 07:29:59") + 999999).empty());
  EXPECT_EQ(g.pending_runs(), 2u);
  auto ready = g.TakeReady(N("2020-11-06 07:30:00"));  // newest + wait <= now: inclusive
  ASSERT_EQ(ready.size(), 1u);
  EXPECT_EQ(Seqs(ready[0]), (std::vector<uint64_t>{1, 2}));
  EXPECT_EQ(g.pending_runs(), 0u);
  EXPECT_FALSE(g.NextReadyTime().has_value());
  EXPECT_TRUE(g.TakeReady(N("2020-11-08 00:00:00")).empty());  // taken once only
}

TEST(Grouping, EarlierWindowReadyWhileLaterOneWaits) {
  GroupingOptions o;
  o.wait_micros = 30 * kMicrosPerMinute;
  MpcGrouper g(o);
  AddAll(&g, {R("1", kBG, "2020-11-06 07:00:00", 1), R("1", kBG, "2020-11-06 07:25:00", 2)});
  auto ready = g.TakeReady(N("2020-11-06 07:40:00"));
  ASSERT_EQ(ready.size(), 1u);
  EXPECT_EQ(Seqs(ready[0]), (std::vector<uint64_t>{1}));
  EXPECT_EQ(g.NextReadyTime(), N("2020-11-06 07:55:00"));
  ASSERT_EQ(g.TakeReady(N("2020-11-06 07:55:00")).size(), 1u);
}

TEST(Grouping, RunArrivingBeforeReadinessJoinsAndCanReopenWindow) {
  // An earlier run that arrives late (but before the group was emitted) moves
  // the window's opening, exactly as a full re-scan would.
  MpcGrouper g;
  AddAll(&g, {R("1", kBG, "2020-11-06 07:10:00", 1), R("1", kBG, "2020-11-06 07:25:00", 2)});
  ASSERT_TRUE(g.Add(R("1", kBG, "2020-11-06 06:55:00", 3)).ok());
  auto ready = g.TakeReady(N("2020-11-07 00:00:00"));
  ASSERT_EQ(ready.size(), 2u);
  EXPECT_EQ(ready[0].window_key, "2020-11-06-06-55");
  EXPECT_EQ(Seqs(ready[0]), (std::vector<uint64_t>{3, 1}));
  EXPECT_EQ(Seqs(ready[1]), (std::vector<uint64_t>{2}));
}

TEST(Grouping, DuplicatesAndInvalidTimes) {
  MpcGrouper g;
  EXPECT_EQ(*g.Add(R("1", kBG, "2020-11-06 07:00:00", 1)), MpcGrouper::Added::kPending);
  EXPECT_EQ(*g.Add(R("1", kBG, "2020-11-06 07:00:00", 1)), MpcGrouper::Added::kDuplicate);
  MpcRun bad = R("1", kBG, "2020-13-06 07:00:00", 2);
  auto r = g.Add(bad);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kInvalidArgument);
  EXPECT_NE(r.status().message().find("run-2"), std::string::npos);
  EXPECT_EQ(g.pending_runs(), 1u);
  ASSERT_EQ(g.TakeReady(N("2020-11-07 00:00:00")).size(), 1u);
  EXPECT_EQ(*g.Add(R("1", kBG, "2020-11-06 07:00:00", 1)), MpcGrouper::Added::kDuplicate);
  EXPECT_TRUE(g.TakeLate().empty());
}

TEST(Grouping, LateRunIsReportedNotDroppedNorRegrouped) {
  MpcGrouper g;
  AddAll(&g, {R("1234", kBG, "2020-11-06 07:00:00", 1), R("1234", kBG, "2020-11-06 07:05:00", 2)});
  ASSERT_EQ(g.TakeReady(N("2020-11-06 07:25:00")).size(), 1u);

  EXPECT_EQ(*g.Add(R("1234", kBG, "2020-11-06 07:10:00", 3)), MpcGrouper::Added::kLate);
  EXPECT_EQ(*g.Add(R("1234", kBG, "2020-11-06 07:20:00", 4)), MpcGrouper::Added::kLate);  // boundary
  EXPECT_EQ(*g.Add(R("1234", kBG, "2020-11-06 07:20:01", 5)), MpcGrouper::Added::kPending);
  EXPECT_EQ(*g.Add(R("1234", kCouch, "2020-11-06 07:10:00", 6)), MpcGrouper::Added::kPending);

  auto late = g.TakeLate();
  ASSERT_EQ(late.size(), 2u);
  EXPECT_EQ(late[0].run.seq, 3u);
  EXPECT_EQ(late[0].window_key, "2020-11-06-07-00");
  EXPECT_EQ(late[0].user_key, "QCPump/MPC/1234/2020-11-06-07-00/Beam and Geometry Checks");
  EXPECT_FALSE(late[0].amended);
  EXPECT_EQ(late[1].run.seq, 4u);
  EXPECT_TRUE(g.TakeLate().empty());

  auto ready = g.TakeReady(N("2020-11-07 00:00:00"));
  ASSERT_EQ(ready.size(), 2u);  // the new 07:20:01 window and the couch run only
  EXPECT_EQ(ready[0].window_key, "2020-11-06-07-20");
  EXPECT_EQ(Seqs(ready[0]), (std::vector<uint64_t>{5}));
  EXPECT_EQ(Seqs(ready[1]), (std::vector<uint64_t>{6}));

  auto state = g.EmittedState();
  ASSERT_EQ(state.size(), 3u);
  EXPECT_EQ(state[0].seqs, (std::vector<uint64_t>{1, 2, 3, 4}));  // late ones remembered
  EXPECT_EQ(state[0].amendments, 0);
}

TEST(Grouping, LateForIdenticalTimestampTypes) {
  MpcGrouper g;
  ASSERT_TRUE(g.Add(R("1", kMlc, "2020-11-06 08:00:00", 1)).ok());
  ASSERT_EQ(g.TakeReady(N("2020-11-07 00:00:00")).size(), 1u);
  EXPECT_EQ(*g.Add(R("1", kMlc, "2020-11-06 08:00:00", 2)), MpcGrouper::Added::kLate);
  EXPECT_EQ(*g.Add(R("1", kMlc, "2020-11-06 08:00:01", 3)), MpcGrouper::Added::kPending);
  EXPECT_EQ(g.TakeLate().size(), 1u);
}

TEST(Grouping, AmendPolicyGroupsLateRunsIntoNumberedAmendments) {
  GroupingOptions o;
  o.late_policy = LatePolicy::kAmend;
  MpcGrouper g(o);
  AddAll(&g, {R("1234", kBG, "2020-11-06 07:00:00", 1), R("1234", kBG, "2020-11-06 07:05:00", 2)});
  ASSERT_EQ(g.TakeReady(N("2020-11-06 08:00:00")).size(), 1u);

  EXPECT_EQ(*g.Add(R("1234", kBG, "2020-11-06 07:12:00", 3)), MpcGrouper::Added::kLate);
  EXPECT_EQ(*g.Add(R("1234", kBG, "2020-11-06 07:08:00", 4)), MpcGrouper::Added::kLate);
  auto late = g.TakeLate();
  ASSERT_EQ(late.size(), 2u);
  EXPECT_TRUE(late[0].amended);
  // Same wait rule: newest late run 07:12 + 20 min.
  EXPECT_EQ(g.NextReadyTime(), N("2020-11-06 07:32:00"));
  auto ready = g.TakeReady(N("2020-11-06 08:00:00"));
  ASSERT_EQ(ready.size(), 1u);
  EXPECT_EQ(ready[0].amendment, 1);
  EXPECT_EQ(ready[0].window_key, "2020-11-06-07-00");
  EXPECT_EQ(Seqs(ready[0]), (std::vector<uint64_t>{4, 3}));
  EXPECT_EQ(ready[0].UserKey(),
            "QCPump/MPC/1234/2020-11-06-07-00/Beam and Geometry Checks/amend-1");

  EXPECT_EQ(*g.Add(R("1234", kBG, "2020-11-06 07:19:00", 5)), MpcGrouper::Added::kLate);
  ready = g.TakeReady(N("2020-11-06 08:00:00"));
  ASSERT_EQ(ready.size(), 1u);
  EXPECT_EQ(ready[0].amendment, 2);
  EXPECT_EQ(Seqs(ready[0]), (std::vector<uint64_t>{5}));

  auto state = g.EmittedState();
  ASSERT_EQ(state.size(), 1u);
  EXPECT_EQ(state[0].amendments, 2);
  EXPECT_EQ(state[0].seqs, (std::vector<uint64_t>{1, 2, 4, 3, 5}));
}

// 25 run folders of two linacs on one morning. By the rules: serial 1234 has
// Beam and Geometry windows opening 07:00:00 (4 runs, the last exactly on the
// 20-minute boundary), 07:20:01 (3 runs, again one on the boundary) and
// 07:40:02 (2 runs), then two Enhanced MLC runs 5 minutes apart (two groups:
// only identical timestamps group). Serial 5678 ran two Enhanced Couch checks
// with identical timestamps first, then 12 beams from 07:00:00 to 07:20:00 —
// one window, unless the anchor's window bug strikes.
std::vector<MpcRun> Golden() {
  const std::string a = "1234", b = "5678";
  auto at = [](const char* hms) { return std::string("2020-11-06 ") + hms; };
  std::vector<MpcRun> runs;
  uint64_t seq = 100;
  auto add = [&](const std::string& sn, const char* hms, int beam, const std::string& tmpl) {
    runs.push_back(Folder(sn, at(hms).c_str(), beam, tmpl, seq++));
  };
  add(a, "07:00:00", 0, "GeometryCheckTemplate6xMVkV");                // 100 opens 07-00
  add(a, "07:04:31", 1, "BeamCheckTemplate6xMVkV");                    // 101
  add(a, "07:09:02", 2, "BeamCheckTemplate10xMVkV");                   // 102
  add(a, "07:20:00", 3, "BeamCheckTemplate6xFFFMVkV");                 // 103 on the boundary
  add(a, "07:20:01", 4, "BeamCheckTemplate10xFFFMVkV");                // 104 opens 07-20
  add(a, "07:31:45", 5, "BeamCheckTemplate6eMVkV");                    // 105
  add(a, "07:40:01", 6, "BeamCheckTemplate9eMVkV");                    // 106 on the boundary
  add(a, "07:40:02", 7, "BeamCheckTemplate12eMVkV");                   // 107 opens 07-40
  add(a, "07:52:10", 8, "BeamCheckTemplate16eMVkV");                   // 108
  add(a, "08:30:00", 9, "EnhancedMLCCheckTemplate6xMVkV");             // 109
  add(a, "08:35:00", 10, "EnhancedMLCCheckTemplate6xMVkV");            // 110 not identical
  add(b, "06:55:00", 0, "GeometryCheckTemplate6xMVkVEnhancedCouch");   // 111
  add(b, "06:55:00", 1, "GeometryCheckTemplate6xMVkVEnhancedCouch");   // 112 identical
  add(b, "07:00:00", 2, "GeometryCheckTemplate6xMVkV");                // 113 opens 07-00
  add(b, "07:02:10", 3, "BeamCheckTemplate6xMVkV");                    // 114
  add(b, "07:04:20", 4, "BeamCheckTemplate10xMVkV");                   // 115
  add(b, "07:06:30", 5, "BeamCheckTemplate15xMVkV");                   // 116
  add(b, "07:08:40", 6, "BeamCheckTemplate6xFFFMVkV");                 // 117
  add(b, "07:10:50", 7, "BeamCheckTemplate10xFFFMVkV");                // 118
  add(b, "07:13:00", 8, "BeamCheckTemplate6eMVkV");                    // 119
  add(b, "07:15:10", 9, "BeamCheckTemplate9eMVkV");                    // 120
  add(b, "07:16:20", 10, "BeamCheckTemplate12eMVkV");                  // 121
  add(b, "07:17:30", 11, "BeamCheckTemplate15eMVkV");                  // 122
  add(b, "07:19:30", 12, "BeamCheckTemplate16eMVkV");                  // 123
  add(b, "07:20:00", 13, "BeamCheckTemplate20eMVkV");                  // 124 on the boundary
  return runs;
}

struct Expected {
  std::string user_key;
  std::vector<uint64_t> seqs;
};

const std::vector<Expected> kGolden = {
    {"QCPump/MPC/1234/2020-11-06-07-00/Beam and Geometry Checks", {100, 101, 102, 103}},
    {"QCPump/MPC/1234/2020-11-06-07-20/Beam and Geometry Checks", {104, 105, 106}},
    {"QCPump/MPC/1234/2020-11-06-07-40/Beam and Geometry Checks", {107, 108}},
    {"QCPump/MPC/1234/2020-11-06-08-30/Enhanced MLC Checks", {109}},
    {"QCPump/MPC/1234/2020-11-06-08-35/Enhanced MLC Checks", {110}},
    {"QCPump/MPC/5678/2020-11-06-07-00/Beam and Geometry Checks",
     {113, 114, 115, 116, 117, 118, 119, 120, 121, 122, 123, 124}},
    {"QCPump/MPC/5678/2020-11-06-06-55/Enhanced Couch Checks", {111, 112}},
};

void ExpectGolden(const std::vector<RunGroup>& ready) {
  ASSERT_EQ(ready.size(), kGolden.size());
  size_t runs = 0;
  for (size_t i = 0; i < ready.size(); ++i) {
    EXPECT_EQ(ready[i].UserKey(), kGolden[i].user_key) << i;
    EXPECT_EQ(Seqs(ready[i]), kGolden[i].seqs) << kGolden[i].user_key;
    EXPECT_EQ(ready[i].amendment, 0);
    runs += ready[i].runs.size();
  }
  EXPECT_EQ(runs, 25u);
}

TEST(Grouping, GoldenTwentyFiveFoldersSevenGroups) {
  std::vector<MpcRun> runs = Golden();
  ASSERT_EQ(runs.size(), 25u);
  EXPECT_EQ(runs[9].check_type, kMlc);  // classification from the folder name
  EXPECT_EQ(runs[11].check_type, kCouch);
  EXPECT_EQ(runs[13].check_type, kBG);
  EXPECT_EQ(runs[0].folder, "NDS-WKS-SN1234-2020-11-06-07-00-00-0000-GeometryCheckTemplate6xMVkV");

  // Any feeding order gives the same groups.
  std::mt19937 rng(42);
  for (int round = 0; round < 6; ++round) {
    SCOPED_TRACE(round);
    if (round == 1) std::reverse(runs.begin(), runs.end());
    if (round > 1) std::shuffle(runs.begin(), runs.end(), rng);
    MpcGrouper g;
    AddAll(&g, runs);
    ExpectGolden(g.TakeReady(N("2020-11-06 12:00:00")));
    EXPECT_TRUE(g.TakeLate().empty());
  }
}

TEST(Grouping, GoldenGroupsBecomeReadyOneByOne) {
  MpcGrouper g;
  AddAll(&g, Golden());
  // 07:40:00: both 07-00 windows (newest 07:20:00 + 20) and 5678's couch pair.
  auto ready = g.TakeReady(N("2020-11-06 07:40:00"));
  ASSERT_EQ(ready.size(), 3u);
  EXPECT_EQ(ready[0].UserKey(), kGolden[0].user_key);
  EXPECT_EQ(ready[1].UserKey(), kGolden[5].user_key);
  EXPECT_EQ(ready[2].UserKey(), kGolden[6].user_key);
  EXPECT_EQ(g.NextReadyTime(), N("2020-11-06 08:00:01"));  // 1234 07-20: 07:40:01 + 20
  EXPECT_EQ(g.TakeReady(N("2020-11-06 08:12:09")).size(), 1u);
  EXPECT_EQ(g.TakeReady(N("2020-11-06 08:12:10")).size(), 1u);  // 07:52:10 + 20
  EXPECT_EQ(g.TakeReady(N("2020-11-06 08:54:59")).size(), 1u);  // MLC 08:30
  EXPECT_EQ(g.TakeReady(N("2020-11-06 08:55:00")).size(), 1u);  // MLC 08:35
  EXPECT_EQ(g.pending_runs(), 0u);
}

TEST(Grouping, RestartWithRestoredStateEmitsNothingNew) {
  for (LatePolicy policy : {LatePolicy::kReport, LatePolicy::kAmend}) {
    SCOPED_TRACE(int(policy));
    GroupingOptions o;
    o.late_policy = policy;
    std::vector<MpcRun> runs = Golden();
    // A late run, fed after its window was emitted.
    MpcRun late = Folder("1234", "2020-11-06 07:15:00", 12, "BeamCheckTemplate15xMVkV", 200);

    MpcGrouper first(o);
    AddAll(&first, runs);
    ExpectGolden(first.TakeReady(N("2020-11-06 12:00:00")));
    EXPECT_EQ(*first.Add(late), MpcGrouper::Added::kLate);
    EXPECT_EQ(first.TakeLate().size(), 1u);
    EXPECT_EQ(first.TakeReady(N("2020-11-06 12:00:00")).size(),
              policy == LatePolicy::kAmend ? 1u : 0u);
    std::vector<EmittedWindow> state = first.EmittedState();
    ASSERT_EQ(state.size(), 7u);

    MpcGrouper second(o);
    for (const EmittedWindow& w : state) ASSERT_TRUE(second.RestoreEmitted(w).ok());
    runs.push_back(late);
    std::shuffle(runs.begin(), runs.end(), std::mt19937(7));
    for (const MpcRun& r : runs) EXPECT_EQ(*second.Add(r), MpcGrouper::Added::kDuplicate);
    EXPECT_TRUE(second.TakeReady(N("2020-11-08 00:00:00")).empty());
    EXPECT_TRUE(second.TakeLate().empty());
    EXPECT_EQ(second.pending_runs(), 0u);
    // Restoring twice changes nothing.
    for (const EmittedWindow& w : state) ASSERT_TRUE(second.RestoreEmitted(w).ok());
    auto again = second.EmittedState();
    ASSERT_EQ(again.size(), state.size());
    for (size_t i = 0; i < state.size(); ++i) {
      EXPECT_EQ(again[i].seqs.size(), state[i].seqs.size());
      EXPECT_EQ(again[i].amendments, state[i].amendments);
      EXPECT_EQ(WindowKey(again[i].open), WindowKey(state[i].open));
    }

    // A genuinely new run after the restart: late in a restored window.
    EXPECT_EQ(*second.Add(Folder("1234", "2020-11-06 07:19:00", 13, "BeamCheckTemplate6xMVkV", 201)),
              MpcGrouper::Added::kLate);
    auto l = second.TakeLate();
    ASSERT_EQ(l.size(), 1u);
    EXPECT_EQ(l[0].window_key, "2020-11-06-07-00");
    if (policy == LatePolicy::kAmend) {
      auto amend = second.TakeReady(N("2020-11-08 00:00:00"));
      ASSERT_EQ(amend.size(), 1u);
      EXPECT_EQ(amend[0].amendment, 2);  // amend-1 was emitted before the restart
    }
  }
}

TEST(Grouping, RestoreAfterFeedingSettlesPendingRuns) {
  MpcGrouper g;
  AddAll(&g, {R("1", kBG, "2020-11-06 07:00:00", 1), R("1", kBG, "2020-11-06 07:10:00", 2),
              R("1", kBG, "2020-11-06 07:30:00", 3)});
  EmittedWindow w;
  w.serial = "1";
  w.check_type = kBG;
  w.open = T("2020-11-06 07:00:00");
  w.seqs = {1};
  ASSERT_TRUE(g.RestoreEmitted(w).ok());
  EXPECT_EQ(g.pending_runs(), 1u);  // 1 emitted, 2 late, 3 pending
  auto late = g.TakeLate();
  ASSERT_EQ(late.size(), 1u);
  EXPECT_EQ(late[0].run.seq, 2u);
  auto ready = g.TakeReady(N("2020-11-07 00:00:00"));
  ASSERT_EQ(ready.size(), 1u);
  EXPECT_EQ(Seqs(ready[0]), (std::vector<uint64_t>{3}));

  EmittedWindow bad = w;
  bad.open = T("2020-11-31 07:00:00");
  EXPECT_EQ(g.RestoreEmitted(bad).code(), Status::Code::kInvalidArgument);
}

TEST(Grouping, OlderRunAfterLaterWindowWasEmittedOpensItsOwnWindow) {
  // 07:15 was emitted; a run from 07:00 shows up afterwards. It is outside the
  // emitted window, so it is a new session (window 07-00) that must not take
  // anything from 07-15; a run at 07:16 is late for 07-15.
  MpcGrouper g;
  ASSERT_TRUE(g.Add(R("1", kBG, "2020-11-06 07:15:00", 1)).ok());
  ASSERT_EQ(g.TakeReady(N("2020-11-07 00:00:00")).size(), 1u);
  EXPECT_EQ(*g.Add(R("1", kBG, "2020-11-06 07:00:00", 2)), MpcGrouper::Added::kPending);
  EXPECT_EQ(*g.Add(R("1", kBG, "2020-11-06 07:16:00", 3)), MpcGrouper::Added::kLate);
  auto ready = g.TakeReady(N("2020-11-07 00:00:00"));
  ASSERT_EQ(ready.size(), 1u);
  EXPECT_EQ(ready[0].window_key, "2020-11-06-07-00");
  EXPECT_EQ(Seqs(ready[0]), (std::vector<uint64_t>{2}));
  // 07:10 now falls in 07-00's window (latest opening at or before it).
  EXPECT_EQ(*g.Add(R("1", kBG, "2020-11-06 07:10:00", 4)), MpcGrouper::Added::kLate);
  auto late = g.TakeLate();
  ASSERT_EQ(late.size(), 2u);
  EXPECT_EQ(late[0].window_key, "2020-11-06-07-15");
  EXPECT_EQ(late[1].window_key, "2020-11-06-07-00");
}

TEST(Grouping, TenThousandRunsTakeMilliseconds) {
  // 20 linacs, 500 Beam and Geometry runs each, 90 s apart: a window every
  // 14 runs (07:00 ... 07:19:30 is 14 runs at 90 s), plus one Enhanced run each.
  std::vector<MpcRun> runs;
  uint64_t seq = 1;
  const NaiveMicros start = N("2021-01-04 07:00:00");
  for (int linac = 0; linac < 20; ++linac) {
    for (int i = 0; i < 500; ++i) {
      MpcRun r;
      r.serial = "SN" + std::to_string(1000 + linac);
      r.check_type = i == 499 ? kCouch : kBG;
      r.run_time = FromNaive(start + int64_t(i) * 90 * kMicrosPerSecond);
      r.seq = seq++;
      runs.push_back(std::move(r));
    }
  }
  std::shuffle(runs.begin(), runs.end(), std::mt19937(1));
  auto t0 = std::chrono::steady_clock::now();
  MpcGrouper g;
  AddAll(&g, runs);
  auto ready = g.TakeReady(N("2021-02-01 00:00:00"));
  auto ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0);
  // 499 Beam and Geometry runs per linac in windows of 14 -> 36 windows, + 1 couch.
  EXPECT_EQ(ready.size(), 20u * 37u);
  EXPECT_EQ(ready[0].runs.size(), 14u);
  EXPECT_LT(ms.count(), 500.0);  // typically a few ms; generous for slow CI
  std::printf("grouped %zu runs into %zu groups in %.2f ms\n", runs.size(), ready.size(),
              ms.count());
}

}  // namespace
}  // namespace qcflow::mpc
