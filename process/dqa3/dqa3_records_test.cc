#include "process/dqa3/dqa3_records.h"

#include <gtest/gtest.h>

namespace qcflow::dqa3::internal {
namespace {

TEST(Dqa3Records, RowMemberRoundTripsAndRejectsGarbage) {
  const WindowMember m{"machine 12", -5'000'000, 77};
  WindowMember back;
  ASSERT_TRUE(DecodeRowMember(SeqKey(77), EncodeRowMember(m), &back).ok());
  EXPECT_EQ(back.key, m.key);
  EXPECT_EQ(back.t, m.t);
  EXPECT_EQ(back.seq, 77u);
  EXPECT_FALSE(DecodeRowMember(SeqKey(77), "\x02garbage", &back).ok());
  EXPECT_FALSE(DecodeRowMember("short", EncodeRowMember(m), &back).ok());
}

TEST(Dqa3Records, WindowStateRoundTripsWithSortedSeqs) {
  const WindowState w{"7", 1'714'547'000'000'000, 2, {900, 12, 13, 5000000000ull}};
  WindowState back;
  ASSERT_TRUE(DecodeWindowState(WindowStateKey(w), EncodeWindowState(w), &back).ok());
  EXPECT_EQ(back.key, "7");
  EXPECT_EQ(back.open, w.open);
  EXPECT_EQ(back.amendments, 2);
  EXPECT_EQ(back.seqs, (std::vector<uint64_t>{12, 13, 900, 5000000000ull}));
  // Keys of one machine sort by window open, also before 1970.
  WindowState early = w;
  early.open = -60'000'000;
  EXPECT_LT(WindowStateKey(early), WindowStateKey(w));
  std::string cut = EncodeWindowState(w);
  cut.pop_back();
  EXPECT_FALSE(DecodeWindowState(WindowStateKey(w), cut, &back).ok());
}

TEST(Dqa3Records, MachineNamesRoundTrip) {
  const MachineNames m{"Bunker A/TrueBeam 1", "TrueBeam 1", "7"};
  MachineNames back;
  ASSERT_TRUE(DecodeMachineNames(EncodeMachineNames(m), &back).ok());
  EXPECT_EQ(back.display, m.display);
  EXPECT_EQ(back.name, m.name);
  EXPECT_EQ(back.id, m.id);
  EXPECT_FALSE(DecodeMachineNames("", &back).ok());
}

}  // namespace
}  // namespace qcflow::dqa3::internal
