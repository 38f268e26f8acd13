#include <gtest/gtest.h>

#include "store/journal.h"
#include "store/record.h"
#include "store/store.h"
#include "tests/testing/temp_dir.h"

namespace qcflow {
namespace {

using testing::TempDir;

Record Beat(Kind kind, const std::string& key) {
  Record r;
  r.kind = kind;
  r.source_id = "hb";
  r.dedup_key = key;
  r.payload = "beat " + key;
  return r;
}

TEST(RecordKinds, ANewStoreHasTheNewestFormatAndBuiltInNamesNeedNoRegistration) {
  TempDir dir;
  auto store = Store::Open(dir.Sub("s"));
  ASSERT_TRUE(store.ok());
  EXPECT_EQ((*store)->format_version(), kStoreFormatVersion);
  auto mpc = (*store)->RegisterKind("mpc");
  ASSERT_TRUE(mpc.ok());
  EXPECT_EQ(*mpc, Kind::kMpc);
  store->reset();
  // A built-in kind needs no write: a read-only store, which refuses new names, names it.
  auto reader = Store::Open(dir.Sub("s"), StoreOptions{.read_only = true});
  ASSERT_TRUE(reader.ok());
  auto again = (*reader)->RegisterKind("mpc");
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(*again, Kind::kMpc);
  EXPECT_FALSE((*reader)->RegisterKind("test-new-name").ok());
}

TEST(RecordKinds, ANewNameGetsACodeThatSurvivesReopenAndNamesItsRecords) {
  TempDir dir;
  Kind beat{}, tick{};
  {
    auto store = Store::Open(dir.Sub("s"));
    ASSERT_TRUE(store.ok());
    auto a = (*store)->RegisterKind("test-beat");
    ASSERT_TRUE(a.ok()) << a.status().message();
    beat = *a;
    EXPECT_GE(uint8_t(beat), kFirstRegisteredKind);
    auto again = (*store)->RegisterKind("test-beat");
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(*again, beat);
    auto b = (*store)->RegisterKind("test-tick");
    ASSERT_TRUE(b.ok());
    tick = *b;
    EXPECT_NE(tick, beat);
    EXPECT_EQ((*store)->format_version(), kStoreFormatVersion);
    auto first = (*store)->journal().Append(Beat(beat, "1"));
    ASSERT_TRUE(first.ok()) << first.status().message();
    EXPECT_EQ(KindName(beat), "test-beat");
    EXPECT_EQ(ParseKind("test-tick"), tick);
  }
  auto store = Store::Open(dir.Sub("s"));
  ASSERT_TRUE(store.ok()) << store.status().message();
  auto a = (*store)->RegisterKind("test-beat");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(*a, beat);
  auto stats = (*store)->Stats();
  ASSERT_TRUE(stats.ok());
  ASSERT_EQ(stats->sources.size(), 1u);
  EXPECT_EQ(stats->sources[0].kind, beat);
  EXPECT_EQ(KindName(stats->sources[0].kind), "test-beat");
  // Dedup is per kind: the same key under another kind is another record.
  auto dup = (*store)->journal().Append(Beat(beat, "1"));
  ASSERT_TRUE(dup.ok());
  EXPECT_TRUE(dup->duplicate);
  auto other = (*store)->journal().Append(Beat(tick, "1"));
  ASSERT_TRUE(other.ok());
  EXPECT_FALSE(other->duplicate);
}

TEST(RecordKinds, AReadOnlyStoreCannotRegisterButFindsWhatIsThere) {
  TempDir dir;
  {
    auto store = Store::Open(dir.Sub("s"));
    ASSERT_TRUE(store.ok());
    ASSERT_TRUE((*store)->RegisterKind("test-ro").ok());
  }
  StoreOptions ro;
  ro.read_only = true;
  ro.create_if_missing = false;
  auto store = Store::Open(dir.Sub("s"), ro);
  ASSERT_TRUE(store.ok()) << store.status().message();
  EXPECT_TRUE((*store)->RegisterKind("test-ro").ok());
  auto fresh = (*store)->RegisterKind("test-unseen");
  ASSERT_FALSE(fresh.ok());
  EXPECT_EQ(fresh.status().code(), Status::Code::kFailedPrecondition);
  EXPECT_NE(fresh.status().message().find("read-only"), std::string::npos);
}

TEST(RecordKinds, NamesWithASlashOrEmptyAreRefused) {
  TempDir dir;
  auto store = Store::Open(dir.Sub("s"));
  ASSERT_TRUE(store.ok());
  EXPECT_EQ((*store)->RegisterKind("").status().code(), Status::Code::kInvalidArgument);
  EXPECT_EQ((*store)->RegisterKind("a/b").status().code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(KindName(Kind(200)), "kind-200");
}

}  // namespace
}  // namespace qcflow
