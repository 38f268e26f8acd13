#include "store/store.h"

#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <vector>

#include "store/derived.h"
#include "store/journal.h"
#include "store/raw_db_for_test.h"
#include "tests/testing/temp_dir.h"

namespace qcflow {
namespace {

using testing::TempDir;
using testing::RawDb;
using testing::WriteFile;

TEST(StoreOpen, CreatesNewStoreAndReopens) {
  TempDir dir;
  {
    auto s = Store::Open(dir.Sub("s"));
    ASSERT_TRUE(s.ok()) << s.status().ToString();
  }
  auto again = Store::Open(dir.Sub("s"), StoreOptions{.create_if_missing = false});
  EXPECT_TRUE(again.ok()) << again.status().ToString();
}

TEST(StoreOpen, MissingStoreWithoutCreateIsNotFound) {
  TempDir dir;
  auto s = Store::Open(dir.Sub("none"), StoreOptions{.create_if_missing = false});
  ASSERT_FALSE(s.ok());
  EXPECT_TRUE(s.status().IsNotFound());
  EXPECT_NE(s.status().message().find("--store"), std::string::npos);
}

TEST(StoreOpen, RefusesAFileAndAForeignDirectory) {
  TempDir dir;
  WriteFile(dir.Sub("afile"), "hello");
  auto f = Store::Open(dir.Sub("afile"));
  ASSERT_FALSE(f.ok());
  EXPECT_NE(f.status().message().find("is a file"), std::string::npos);

  WriteFile(dir.Sub("photos/holiday.jpg"), "\xff\xd8\xff");
  auto p = Store::Open(dir.Sub("photos"));
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.status().message().find("not a qcflow store"), std::string::npos);
  // And it did not write anything into it.
  EXPECT_FALSE(std::filesystem::exists(dir.Sub("photos/CURRENT")));
}

TEST(StoreOpen, RefusesAPlainRocksDbDatabase) {
  TempDir dir;
  {
    rocksdb::Options o;
    o.create_if_missing = true;
    rocksdb::DB* db = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(o, dir.Sub("rdb"), &db).ok());
    ASSERT_TRUE(db->Put({}, "k", "v").ok());
    delete db;
  }
  auto s = Store::Open(dir.Sub("rdb"));
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("not a qcflow store"), std::string::npos) << s.status().ToString();
}

TEST(StoreOpen, CorruptedStoreGivesClearErrorNotCrash) {
  TempDir dir;
  {
    auto s = Store::Open(dir.Sub("s"));
    ASSERT_TRUE(s.ok());
  }
  // Garble the files RocksDB needs to start.
  for (const auto& e : std::filesystem::directory_iterator(dir.Sub("s"))) {
    std::string name = e.path().filename();
    if (name.rfind("MANIFEST", 0) == 0 || name == "CURRENT") WriteFile(e.path(), "garbage\n");
  }
  auto s = Store::Open(dir.Sub("s"));
  ASSERT_FALSE(s.ok());
  EXPECT_FALSE(s.status().message().empty());
}

// A directory that was a qcflow store but whose RocksDB files are damaged is
// a damaged store (restore it), not "not a qcflow store" (use another dir).
void ExpectDamaged(const Result<std::unique_ptr<Store>>& s) {
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), Status::Code::kCorruption) << s.status().ToString();
  EXPECT_NE(s.status().message().find("is damaged"), std::string::npos) << s.status().ToString();
  EXPECT_NE(s.status().message().find("\"Damaged store\" in docs/operations.md"),
            std::string::npos)
      << s.status().ToString();
  EXPECT_EQ(s.status().message().find("not a qcflow store"), std::string::npos);
}

void MakeStore(const std::string& dir) {
  auto s = Store::Open(dir);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  Record r;
  r.kind = Kind::kMpc;
  r.source_id = "t";
  r.dedup_key = "a";
  ASSERT_TRUE((*s)->journal().Append(r).ok());
}

TEST(StoreOpen, AStoreWithoutItsCurrentFileIsDamaged) {
  TempDir dir;
  MakeStore(dir.Sub("s"));
  std::filesystem::remove(dir.Sub("s/CURRENT"));
  ExpectDamaged(Store::Open(dir.Sub("s")));
  ExpectDamaged(Store::Open(dir.Sub("s"), StoreOptions{.read_only = true}));
  // A store from before the QCFLOW-STORE marker: RocksDB's OPTIONS file tells.
  std::filesystem::remove(dir.Sub("s/QCFLOW-STORE"));
  ExpectDamaged(Store::Open(dir.Sub("s")));
}

TEST(StoreOpen, AStoreWithATruncatedManifestIsDamaged) {
  TempDir dir;
  MakeStore(dir.Sub("s"));
  int truncated = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir.Sub("s"))) {
    if (e.path().filename().string().rfind("MANIFEST-", 0) != 0) continue;
    std::filesystem::resize_file(e.path(), std::filesystem::file_size(e.path()) / 3);
    ++truncated;
  }
  ASSERT_GT(truncated, 0);
  ExpectDamaged(Store::Open(dir.Sub("s")));
}

TEST(StoreOpen, NewerFormatVersionIsIncompatible) {
  TempDir dir;
  { ASSERT_TRUE(Store::Open(dir.Sub("s")).ok()); }
  {
    // Rewrite the format version as a future qcflow would.
    std::vector<rocksdb::ColumnFamilyDescriptor> cfs = {{rocksdb::kDefaultColumnFamilyName, {}}};
    for (const char* n : {"journal", "dedup", "index", "derived", "outbox", "meta"}) cfs.emplace_back(n, rocksdb::ColumnFamilyOptions());
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::DB* db = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(rocksdb::DBOptions(), dir.Sub("s"), cfs, &handles, &db).ok());
    ASSERT_TRUE(db->Put({}, handles[6], "format_version", "7").ok());
    for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
    delete db;
  }
  auto s = Store::Open(dir.Sub("s"));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), Status::Code::kIncompatible);
  EXPECT_NE(s.status().message().find("upgrade qcflow"), std::string::npos);
}

std::vector<uint64_t> MpcSeqs(Store& store) {
  std::vector<uint64_t> out;
  auto r = store.journal().ScanKinds(1, SIZE_MAX, {Kind::kMpc}, [&](uint64_t seq, const RecordView& rec) {
    EXPECT_EQ(rec.kind, Kind::kMpc);
    out.push_back(seq);
    return true;
  });
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return out;
}

TEST(StoreOpen, AFormatTwoStoreIsReadAsIsAndIndexedByKindWhenOpenedForWriting) {
  TempDir dir;
  std::vector<uint64_t> mpc;
  {
    auto s = Store::Open(dir.Sub("s"));
    ASSERT_TRUE(s.ok());
    for (int i = 0; i < 300; ++i) {
      Record r;
      r.kind = i % 3 == 0 ? Kind::kMpc : Kind::kIcom;
      r.source_id = "t";
      r.dedup_key = std::to_string(i);
      auto a = (*s)->journal().Append(r);
      ASSERT_TRUE(a.ok());
      if (r.kind == Kind::kMpc) mpc.push_back(a->seq);
    }
  }
  {  // What a format 2 qcflow left: no kind-seq entries.
    RawDb raw(dir.Sub("s"));
    ASSERT_TRUE(raw.ok());
    const std::vector<std::string> entries = raw.KindSeqKeys();
    ASSERT_EQ(entries.size(), 300u) << "a new store indexes every append";
    for (const std::string& k : entries) ASSERT_TRUE(raw.db()->Delete({}, raw.index(), k).ok());
    ASSERT_TRUE(raw.db()->Put({}, raw.meta(), "format_version", "2").ok());
  }
  {
    auto reader = Store::Open(dir.Sub("s"), StoreOptions{.read_only = true});
    ASSERT_TRUE(reader.ok()) << reader.status().ToString();
    EXPECT_EQ((*reader)->format_version(), 2) << "a read-only open changes nothing";
    EXPECT_EQ(MpcSeqs(**reader), mpc) << "without the index, the whole journal is read";
  }
  {
    auto writer = Store::Open(dir.Sub("s"));
    ASSERT_TRUE(writer.ok()) << writer.status().ToString();
    EXPECT_EQ((*writer)->format_version(), kStoreFormatVersion);
    EXPECT_EQ(MpcSeqs(**writer), mpc);
  }
  RawDb raw(dir.Sub("s"));
  ASSERT_TRUE(raw.ok());
  EXPECT_EQ(raw.KindSeqKeys().size(), 300u) << "the upgrade indexed every record";
}

TEST(StoreOpen, SecondWriterIsToldTheStoreIsInUseReaderMayOpen) {
  TempDir dir;
  auto first = Store::Open(dir.Sub("s"));
  ASSERT_TRUE(first.ok());
  Record r;
  r.kind = Kind::kMpc;
  r.source_id = "t";
  r.dedup_key = "a";
  ASSERT_TRUE((*first)->journal().Append(r).ok());
  auto second = Store::Open(dir.Sub("s"));
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), Status::Code::kUnavailable) << second.status().ToString();
  auto reader = Store::Open(dir.Sub("s"), StoreOptions{.read_only = true});
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  EXPECT_EQ((*reader)->journal().last_seq(), 1u);
  EXPECT_EQ((*reader)->journal().Append(r).status().code(), Status::Code::kFailedPrecondition);
}

class CommitTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = Store::Open(dir_.Sub("s"));
    ASSERT_TRUE(s.ok());
    store_ = std::move(*s);
  }
  TempDir dir_;
  std::unique_ptr<Store> store_;
};

TEST_F(CommitTest, DerivedPutIsIdempotentAndConflictsAreReported) {
  WriteSet ws;
  ws.PutDerived("mpc.session", "k1", "v1");
  ws.SetCursor("mpc", 10);
  auto r = store_->Commit(ws);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->derived_created, 1);
  EXPECT_EQ(*store_->GetCursor("mpc"), 10u);

  auto again = store_->Commit(ws);
  EXPECT_EQ(again->derived_created, 0);
  EXPECT_EQ(again->derived_unchanged, 1);

  WriteSet other;
  other.PutDerived("mpc.session", "k1", "DIFFERENT");
  auto c = store_->Commit(other);
  ASSERT_EQ(c->derived_conflicts.size(), 1u);
  EXPECT_EQ(c->derived_conflicts[0], "mpc.session/k1");
  EXPECT_EQ(**store_->derived().Get("mpc.session", "k1"), "v1") << "conflict must not overwrite";

  WriteSet replace;
  replace.ReplaceDerived("mpc.session", "k1", "v2");
  ASSERT_TRUE(store_->Commit(replace).ok());
  EXPECT_EQ(**store_->derived().Get("mpc.session", "k1"), "v2");
  EXPECT_FALSE(store_->derived().Get("mpc.session", "nope")->has_value());
}

TEST_F(CommitTest, DeleteDerivedRemovesOnlyItsKeyAndAfterAPutInTheSameSet) {
  WriteSet put;
  put.PutDerived("files.after", "a", "1");
  put.PutDerived("files.after", "b", "2");
  ASSERT_TRUE(store_->Commit(put).ok());
  WriteSet del;
  del.DeleteDerived("files.after", "a");
  del.DeleteDerived("files.after", "never-there");
  del.PutDerived("files.after", "c", "3");
  del.DeleteDerived("files.after", "c");
  ASSERT_TRUE(store_->Commit(del).ok());
  std::vector<std::string> left;
  ASSERT_TRUE(store_->derived().Scan("files.after", "", [&](std::string_view k, std::string_view) {
    left.emplace_back(k);
    return true;
  }).ok());
  EXPECT_EQ(left, std::vector<std::string>{"b"});
  WriteSet bad;
  bad.DeleteDerived("", "x");
  EXPECT_FALSE(store_->Commit(bad).ok());
}

TEST_F(CommitTest, DerivedScanAndIndexAreOrdered) {
  WriteSet ws;
  ws.PutDerived("d", "b", "2");
  ws.PutDerived("d", "a", "1");
  ws.PutDerived("dx", "a", "other namespace");
  ws.PutDerivedIndex("by-unit", "u1/2020", "d", "b");
  ws.PutDerivedIndex("by-unit", "u1/2019", "d", "a");
  ws.PutDerivedIndex("by-unit", "u2/2019", "d", "a");
  ASSERT_TRUE(store_->Commit(ws).ok());
  std::vector<std::string> seen;
  ASSERT_TRUE(store_->derived().Scan("d", "", [&](std::string_view k, std::string_view v) {
    seen.push_back(std::string(k) + "=" + std::string(v));
    return true;
  }).ok());
  EXPECT_EQ(seen, (std::vector<std::string>{"a=1", "b=2"}));
  seen.clear();
  ASSERT_TRUE(store_->derived().ScanIndex("by-unit", "u1/", "u1/\xff",
      [&](std::string_view ik, std::string_view ns, std::string_view k) {
        seen.push_back(std::string(ik) + "->" + std::string(ns) + "/" + std::string(k));
        return true;
      }).ok());
  EXPECT_EQ(seen, (std::vector<std::string>{"u1/2019->d/a", "u1/2020->d/b"}));
  seen.clear();
  ASSERT_TRUE(store_->derived().ScanIndexed("by-unit", "u1/", "u1/\xff", [&](std::string_view v) {
    seen.push_back(std::string(v));
    return true;
  }).ok());
  EXPECT_EQ(seen, (std::vector<std::string>{"1", "2"}));
  // An entry whose record is missing is reported, not skipped.
  WriteSet dangling;
  dangling.PutDerivedIndex("by-unit", "u3/2021", "d", "gone");
  ASSERT_TRUE(store_->Commit(dangling).ok());
  Status missing = store_->derived().ScanIndexed("by-unit", "u3/", "", [](std::string_view) { return true; });
  EXPECT_EQ(missing.code(), Status::Code::kCorruption);
  EXPECT_NE(missing.message().find("missing d record"), std::string::npos) << missing.message();
}

TEST_F(CommitTest, StatsCountSourcesAndBytes) {
  Record r;
  r.kind = Kind::kIcom;
  r.source_id = "linac-a";
  for (int i = 0; i < 3; ++i) {
    r.dedup_key = std::to_string(i);
    ASSERT_TRUE(store_->journal().Append(r).ok());
  }
  auto st = store_->Stats();
  ASSERT_TRUE(st.ok());
  ASSERT_EQ(st->sources.size(), 1u);
  EXPECT_EQ(st->sources[0].source_id, "linac-a");
  EXPECT_EQ(st->sources[0].records, 3u);
  EXPECT_EQ(st->last_seq, 3u);
  EXPECT_GT(st->bytes_on_disk, 0u);
}

}  // namespace
}  // namespace qcflow
