#include "process/common/step_loop.h"

#include <gtest/gtest.h>

#include <deque>

namespace qcflow {
namespace {

struct FakeReport {
  int records = 0;
  bool caught_up = false;
  int steps = 0;
  bool progressed() const { return records > 0; }
  void Add(const FakeReport& s) {
    records += s.records;
    steps += 1;
    caught_up = s.caught_up;
  }
};

// Hands out the scripted steps in turn; an empty script is a test failure.
struct Script {
  std::deque<Result<FakeReport>> steps;
  int calls = 0;
  Result<FakeReport> operator()() {
    ++calls;
    if (steps.empty()) {
      ADD_FAILURE() << "stepped past the script";
      return Status::Internal("no more steps");
    }
    Result<FakeReport> r = steps.front();
    steps.pop_front();
    return r;
  }
};

FakeReport Step(int records, bool caught_up) { return FakeReport{records, caught_up, 0}; }

TEST(StepLoop, StopsWhenAStepCatchesUp) {
  Script script{{Step(5, false), Step(3, false), Step(1, true), Step(9, false)}};
  FakeReport total;
  ASSERT_TRUE(RunSteps(std::ref(script), &total).ok());
  EXPECT_EQ(script.calls, 3);
  EXPECT_EQ(total.records, 9);
  EXPECT_TRUE(total.caught_up);
}

// Two of the five loops this replaced lacked this guard and spun forever on a
// step that reads nothing without reaching the end (a gap of sequence numbers).
TEST(StepLoop, StopsWhenAStepMakesNoProgress) {
  Script script{{Step(5, false), Step(0, false), Step(7, true)}};
  FakeReport total;
  ASSERT_TRUE(RunSteps(std::ref(script), &total).ok());
  EXPECT_EQ(script.calls, 2);
  EXPECT_EQ(total.records, 5);
  EXPECT_FALSE(total.caught_up);
}

TEST(StepLoop, AFailedStepReturnsItsStatusAndKeepsTheStepsBefore) {
  Script script{{Step(4, false), Status::Unavailable("disk gone"), Step(1, true)}};
  FakeReport total;
  Status s = RunSteps(std::ref(script), &total);
  EXPECT_EQ(s.code(), Status::Code::kUnavailable);
  EXPECT_EQ(s.message(), "disk gone");
  EXPECT_EQ(total.records, 4);
  EXPECT_EQ(script.calls, 2);
}

TEST(StepLoop, AStopRequestIsHonouredBetweenSteps) {
  Script script{{Step(2, false), Step(2, false), Step(2, false), Step(2, true)}};
  FakeReport total;
  int seen = 0;
  StepLoopHooks<FakeReport> hooks;
  hooks.stop_requested = [&] { return total.steps == 2; };
  hooks.after_step = [&](const FakeReport& t) { seen = t.steps; };
  ASSERT_TRUE(RunSteps(std::ref(script), &total, hooks).ok());
  EXPECT_EQ(script.calls, 2);
  EXPECT_EQ(seen, 2);  // after_step saw the running total after every step
  EXPECT_EQ(total.records, 4);
}

TEST(StepLoop, StepUntilCaughtUpReturnsTheSumOrTheFailure) {
  Script ok{{Step(1, false), Step(2, true)}};
  Result<FakeReport> sum = StepUntilCaughtUp<FakeReport>(std::ref(ok));
  ASSERT_TRUE(sum.ok());
  EXPECT_EQ(sum->records, 3);
  Script bad{{Step(1, false), Status::Internal("corrupt")}};
  Result<FakeReport> failed = StepUntilCaughtUp<FakeReport>(std::ref(bad));
  EXPECT_FALSE(failed.ok());
  EXPECT_EQ(failed.status().message(), "corrupt");
}

}  // namespace
}  // namespace qcflow
