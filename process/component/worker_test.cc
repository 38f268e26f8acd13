#include "process/component/worker.h"

#include <gtest/gtest.h>

#include <chrono>

namespace qcflow::component {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(Worker, RetryDelayDoublesUpToTheCap) {
  EXPECT_EQ(RetryDelay(seconds(300), 1, std::chrono::minutes(5)), seconds(5));
  EXPECT_EQ(RetryDelay(seconds(300), 4, std::chrono::minutes(5)), seconds(40));
  EXPECT_EQ(RetryDelay(seconds(300), 60, std::chrono::minutes(5)), seconds(300));
  EXPECT_EQ(RetryDelay(milliseconds(200), 1, milliseconds(500)), milliseconds(200));
  EXPECT_EQ(RetryDelay(milliseconds(200), 3, milliseconds(500)), milliseconds(500));
  EXPECT_EQ(RetryDelay(milliseconds(0), 1, milliseconds(0)), milliseconds(50));  // never spins
}

TEST(Worker, HumanDurationReadsLikeTheConfig) {
  EXPECT_EQ(HumanDuration(seconds(40)), "40s");
  EXPECT_EQ(HumanDuration(milliseconds(1500)), "1.5s");
  EXPECT_EQ(HumanDuration(seconds(300)), "5m");
  EXPECT_EQ(HumanDuration(milliseconds(200)), "200ms");
}

}  // namespace
}  // namespace qcflow::component
