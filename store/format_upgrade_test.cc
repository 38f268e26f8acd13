#include "store/format_upgrade.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "store/content_hash.h"
#include "store/journal.h"
#include "store/raw_db_for_test.h"
#include "store/store.h"
#include "tests/testing/temp_dir.h"

namespace qcflow {
namespace {

using testing::RawDb;
using testing::TempDir;

// An iCom dedup key as qcflow wrote it before format 4 (FNV-1a of the message)
// and as it writes it since (XXH3), spelled out here rather than taken from
// ingest/icom so that this test pins the layout the upgrade relies on.
std::string KeyWith(const std::string& linac, int i, const std::string& hex) {
  return linac + "|2024-03-0112:00:" + std::to_string(10 + i % 50) + "|" + std::to_string(i % 256) + "|" + hex;
}
std::string Message(int i) { return "message " + std::to_string(i) + std::string(100 + i % 7, 'x'); }

Record IcomRecord(const std::string& linac, int i, bool xxh3) {
  Record r;
  r.kind = Kind::kIcom;
  r.source_id = linac;
  r.payload = Message(i);
  r.dedup_key = KeyWith(linac, i, xxh3 ? Xxh3Hex(r.payload) : Fnv1a64Hex(r.payload));
  return r;
}

TEST(Xxh3DedupAlias, ReplacesTheTrailingFnvHashWithTheXxh3OfThePayload) {
  const std::string m = Message(3);
  EXPECT_EQ(Xxh3DedupAlias(KeyWith("LA1", 3, Fnv1a64Hex(m)), m), KeyWith("LA1", 3, Xxh3Hex(m)));
  EXPECT_EQ(Xxh3DedupAlias("|0123456789abcdef", "p"), "|" + Xxh3Hex("p"));
  EXPECT_FALSE(Xxh3DedupAlias("LA1|0123456789ABCDEF", m)) << "upper case: not a HashHex";
  EXPECT_FALSE(Xxh3DedupAlias("LA1|0123456789abcde", m)) << "15 digits";
  EXPECT_FALSE(Xxh3DedupAlias("LA1/0123456789abcdef", m)) << "no '|' before the hash";
  EXPECT_FALSE(Xxh3DedupAlias("0123456789abcdef", m));
  EXPECT_FALSE(Xxh3DedupAlias("k1", m));
}

// Records appended as a format 3 qcflow did (FNV keys), the store then marked 3.
struct OldStore {
  std::vector<uint64_t> icom_seqs;
  uint64_t mpc_seq = 0;
  uint64_t last_seq = 0;
};
OldStore MakeFormat3Store(const std::string& dir, int n) {
  OldStore old;
  {
    auto s = Store::Open(dir);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    std::vector<Record> batch;
    for (int i = 0; i < n; ++i) batch.push_back(IcomRecord(i % 2 ? "LA2" : "LA1", i, false));
    auto a = (*s)->journal().AppendBatch(batch);
    EXPECT_TRUE(a.ok());
    for (const AppendResult& r : *a) old.icom_seqs.push_back(r.seq);
    Record mpc;  // another kind whose key ends like an iCom one: left alone
    mpc.kind = Kind::kMpc;
    mpc.source_id = "TB1";
    mpc.payload = "csv";
    mpc.dedup_key = "folder|" + Fnv1a64Hex(mpc.payload);
    auto m = (*s)->journal().Append(mpc);
    EXPECT_TRUE(m.ok());
    old.mpc_seq = m->seq;
    old.last_seq = (*s)->journal().last_seq();
  }
  RawDb raw(dir);
  EXPECT_TRUE(raw.ok());
  EXPECT_TRUE(raw.db()->Put({}, raw.meta(), "format_version", "3").ok());
  return old;
}

TEST(StoreFormat4, AnUpgradedStoreDeduplicatesMessagesCapturedAgainWithXxh3Keys) {
  TempDir dir;
  constexpr int kN = 40000;  // more than one upgrade batch
  const OldStore old = MakeFormat3Store(dir.Sub("s"), kN);
  ASSERT_EQ(old.icom_seqs.size(), size_t(kN));
  {
    auto reader = Store::Open(dir.Sub("s"), StoreOptions{.read_only = true});
    ASSERT_TRUE(reader.ok()) << reader.status().ToString();
    EXPECT_EQ((*reader)->format_version(), 3) << "a read-only open changes nothing";
  }
  std::vector<StoreUpgradeProgress> reports;
  StoreOptions options;
  options.on_upgrade = [&](const StoreUpgradeProgress& p) { reports.push_back(p); };
  auto s = Store::Open(dir.Sub("s"), options);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ((*s)->format_version(), 4);
  ASSERT_GE(reports.size(), 3u) << "a start, at least one batch, the end";
  EXPECT_EQ(reports.front().done, 0u);
  EXPECT_FALSE(reports.front().finished);
  EXPECT_TRUE(reports.back().finished);
  EXPECT_EQ(reports.back().to_version, 4);
  EXPECT_EQ(reports.back().done, old.last_seq);
  EXPECT_EQ(reports.back().total, old.last_seq);
  for (size_t i = 1; i < reports.size(); ++i) EXPECT_GE(reports[i].done, reports[i - 1].done);

  // The same messages captured again, keyed as qcflow now keys them: nothing new.
  std::vector<Record> again;
  for (int i = 0; i < kN; ++i) again.push_back(IcomRecord(i % 2 ? "LA2" : "LA1", i, true));
  auto a = (*s)->journal().AppendBatch(again);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  for (int i = 0; i < kN; ++i) {
    ASSERT_TRUE((*a)[i].duplicate) << i;
    ASSERT_EQ((*a)[i].seq, old.icom_seqs[i]) << i;
  }
  // ... and with their old keys (an archive imported by an older qcflow's rules).
  auto fnv = (*s)->journal().Append(IcomRecord("LA1", 0, false));
  ASSERT_TRUE(fnv.ok());
  EXPECT_TRUE(fnv->duplicate);
  EXPECT_EQ((*s)->journal().last_seq(), old.last_seq);

  // A new message still is one; only iCom records got a second key.
  auto fresh = (*s)->journal().Append(IcomRecord("LA1", kN + 1, true));
  ASSERT_TRUE(fresh.ok());
  EXPECT_FALSE(fresh->duplicate);
  auto mpc_alias = (*s)->journal().FindDedup(Kind::kMpc, "folder|" + Xxh3Hex("csv"));
  ASSERT_TRUE(mpc_alias.ok());
  EXPECT_FALSE(mpc_alias->has_value());
}

TEST(StoreFormat4, AnInterruptedUpgradeRunsAgainWithTheSameResult) {
  TempDir dir;
  const OldStore old = MakeFormat3Store(dir.Sub("s"), 100);
  { ASSERT_TRUE(Store::Open(dir.Sub("s")).ok()); }
  {  // As if the process died after the keys were written, before the format was raised.
    RawDb raw(dir.Sub("s"));
    ASSERT_TRUE(raw.db()->Put({}, raw.meta(), "format_version", "3").ok());
  }
  auto s = Store::Open(dir.Sub("s"));
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ((*s)->format_version(), 4);
  for (int i = 0; i < 100; ++i) {
    auto a = (*s)->journal().Append(IcomRecord(i % 2 ? "LA2" : "LA1", i, true));
    ASSERT_TRUE(a.ok());
    EXPECT_TRUE(a->duplicate) << i;
    EXPECT_EQ(a->seq, old.icom_seqs[i]);
  }
}

TEST(StoreFormat4, ANewStoreStartsAtFourWithoutAnUpgrade) {
  TempDir dir;
  int reports = 0;
  StoreOptions options;
  options.on_upgrade = [&](const StoreUpgradeProgress&) { ++reports; };
  {
    auto s = Store::Open(dir.Sub("s"), options);
    ASSERT_TRUE(s.ok());
    EXPECT_EQ((*s)->format_version(), 4);
    ASSERT_TRUE((*s)->journal().Append(IcomRecord("LA1", 1, true)).ok());
  }
  auto again = Store::Open(dir.Sub("s"), options);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(reports, 0);
}

TEST(StoreFormat4, AFormatFiveStoreIsRefusedAndLeftAsItIs) {
  TempDir dir;
  { ASSERT_TRUE(Store::Open(dir.Sub("s")).ok()); }
  {
    RawDb raw(dir.Sub("s"));
    ASSERT_TRUE(raw.db()->Put({}, raw.meta(), "format_version", "5").ok());
  }
  auto s = Store::Open(dir.Sub("s"));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), Status::Code::kIncompatible);
  EXPECT_NE(s.status().message().find("format version 5, newer than this qcflow understands (4)"),
            std::string::npos) << s.status().message();
  EXPECT_NE(s.status().message().find("upgrade qcflow"), std::string::npos);
  RawDb raw(dir.Sub("s"));
  std::string v;
  ASSERT_TRUE(raw.db()->Get({}, raw.meta(), "format_version", &v).ok());
  EXPECT_EQ(v, "5");
}

}  // namespace
}  // namespace qcflow
