// The generic window rule with caller-chosen keys. The MPC adapter's tests
// (process/mpc/grouping_test.cc) cover the rule in depth; these pin what the
// adapters rely on: per-key window lengths, key order, late members, restore.
#include "process/common/time_window.h"

#include <gtest/gtest.h>

namespace qcflow {
namespace {

constexpr int64_t kMin = kMicrosPerMinute;

// Minutes after 2024-05-01 07:00 on the wall clock.
NaiveMicros At(int minutes) {
  return *ToNaive(CivilTime{2024, 5, 1, 7, 0, 0, 0}) + minutes * kMin;
}

std::vector<uint64_t> Seqs(const WindowGroup& g) {
  std::vector<uint64_t> out;
  for (const WindowMember& m : g.members) out.push_back(m.seq);
  return out;
}

// Key "a*" gets a 20 min window, everything else 0 (identical times only).
TimeWindowGrouper Grouper(LatePolicy late = LatePolicy::kReport) {
  return TimeWindowGrouper(
      [](std::string_view key) { return key.starts_with("a") ? 20 * kMin : int64_t{0}; },
      10 * kMin, late);
}

TEST(TimeWindow, WindowLengthIsPerKeyAndGroupsSortByKey) {
  TimeWindowGrouper g = Grouper();
  EXPECT_EQ(g.Add({"b", At(0), 1}), TimeWindowGrouper::Added::kPending);
  EXPECT_EQ(g.Add({"b", At(5), 2}), TimeWindowGrouper::Added::kPending);
  EXPECT_EQ(g.Add({"a", At(20), 3}), TimeWindowGrouper::Added::kPending);  // boundary: inside
  EXPECT_EQ(g.Add({"a", At(0), 4}), TimeWindowGrouper::Added::kPending);
  EXPECT_EQ(g.Add({"a", At(0), 4}), TimeWindowGrouper::Added::kDuplicate);
  EXPECT_EQ(g.pending(), 4u);
  ASSERT_EQ(g.NextReadyTime(), At(10));  // b's first window: 0 + wait
  EXPECT_TRUE(g.TakeReady(At(9)).empty());
  auto ready = g.TakeReady(At(30));
  ASSERT_EQ(ready.size(), 3u);
  EXPECT_EQ(ready[0].key, "a");
  EXPECT_EQ(Seqs(ready[0]), (std::vector<uint64_t>{4, 3}));
  EXPECT_EQ(ready[1].key, "b");
  EXPECT_EQ(Seqs(ready[1]), (std::vector<uint64_t>{1}));
  EXPECT_EQ(Seqs(ready[2]), (std::vector<uint64_t>{2}));
  EXPECT_EQ(ready[2].open, At(5));
  EXPECT_EQ(g.pending(), 0u);
  EXPECT_EQ(WindowKey(FromNaive(ready[0].open)), "2024-05-01-07-00");
}

TEST(TimeWindow, TakeReadyTakesAtMostTheGivenNumberInOrder) {
  TimeWindowGrouper g = Grouper();
  g.Add({"a", At(0), 1});
  g.Add({"a", At(30), 2});
  g.Add({"b", At(0), 3});
  auto first = g.TakeReady(At(60), 2);
  ASSERT_EQ(first.size(), 2u);
  EXPECT_EQ(Seqs(first[0]), (std::vector<uint64_t>{1}));
  EXPECT_EQ(Seqs(first[1]), (std::vector<uint64_t>{2}));
  EXPECT_EQ(g.pending(), 1u);
  EXPECT_EQ(g.NextReadyTime(), At(10));  // b's window is still ready
  auto rest = g.TakeReady(At(60), 2);
  ASSERT_EQ(rest.size(), 1u);
  EXPECT_EQ(rest[0].key, "b");
  EXPECT_TRUE(g.TakeReady(At(60), 0).empty());
}

TEST(TimeWindow, LateMemberIsReportedOrAmended) {
  for (LatePolicy policy : {LatePolicy::kReport, LatePolicy::kAmend}) {
    TimeWindowGrouper g = Grouper(policy);
    g.Add({"a", At(0), 1});
    ASSERT_EQ(g.TakeReady(At(60)).size(), 1u);
    EXPECT_EQ(g.Add({"a", At(12), 2}), TimeWindowGrouper::Added::kLate);
    auto late = g.TakeLate();
    ASSERT_EQ(late.size(), 1u);
    EXPECT_EQ(late[0].member.seq, 2u);
    EXPECT_EQ(late[0].open, At(0));
    EXPECT_EQ(late[0].amended, policy == LatePolicy::kAmend);
    auto again = g.TakeReady(At(60));
    if (policy == LatePolicy::kAmend) {
      ASSERT_EQ(again.size(), 1u);
      EXPECT_EQ(again[0].amendment, 1);
      EXPECT_EQ(Seqs(again[0]), (std::vector<uint64_t>{2}));
    } else {
      EXPECT_TRUE(again.empty());
    }
    EXPECT_EQ(g.EmittedState().size(), 1u);
  }
}

TEST(TimeWindow, RestoredStateEmitsNothingNewAndMakesOthersLate) {
  TimeWindowGrouper first = Grouper();
  first.Add({"a", At(0), 1});
  first.Add({"a", At(3), 2});
  ASSERT_EQ(first.TakeReady(At(60)).size(), 1u);
  const std::vector<WindowState> state = first.EmittedState();
  ASSERT_EQ(state.size(), 1u);

  TimeWindowGrouper second = Grouper();
  second.Add({"a", At(3), 2});  // fed before the restore: listed, so emitted
  second.Add({"a", At(4), 7});  // not listed, inside the window: late
  second.RestoreEmitted(state[0]);
  EXPECT_EQ(second.Add({"a", At(0), 1}), TimeWindowGrouper::Added::kDuplicate);
  EXPECT_TRUE(second.TakeReady(At(60)).empty());
  auto late = second.TakeLate();
  ASSERT_EQ(late.size(), 1u);
  EXPECT_EQ(late[0].member.seq, 7u);
  EXPECT_EQ(second.pending(), 0u);
}

}  // namespace
}  // namespace qcflow
