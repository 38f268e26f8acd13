// Test-only: a store's RocksDB opened directly, to fake what an older qcflow
// left on disk (store_test.cc, format_upgrade_test.cc).
#ifndef QCFLOW_STORE_RAW_DB_FOR_TEST_H_
#define QCFLOW_STORE_RAW_DB_FOR_TEST_H_

#include <rocksdb/db.h>

#include <memory>
#include <string>
#include <vector>

namespace qcflow::testing {

// Opens the store's RocksDB directly (what a test needs to fake an older qcflow).
class RawDb {
 public:
  explicit RawDb(const std::string& dir) {
    std::vector<rocksdb::ColumnFamilyDescriptor> cfs = {{rocksdb::kDefaultColumnFamilyName, {}}};
    for (const char* n : {"journal", "dedup", "index", "derived", "outbox", "meta"}) cfs.emplace_back(n, rocksdb::ColumnFamilyOptions());
    ok_ = rocksdb::DB::Open(rocksdb::DBOptions(), dir, cfs, &handles_, &db_).ok();
  }
  ~RawDb() {
    for (auto* h : handles_) db_->DestroyColumnFamilyHandle(h);
    delete db_;
  }
  bool ok() const { return ok_; }
  rocksdb::DB* db() { return db_; }
  rocksdb::ColumnFamilyHandle* journal() { return handles_[1]; }
  rocksdb::ColumnFamilyHandle* dedup() { return handles_[2]; }
  rocksdb::ColumnFamilyHandle* index() { return handles_[3]; }
  rocksdb::ColumnFamilyHandle* meta() { return handles_[6]; }
  // Keys of the index family that start with byte 0 (the kind-seq index).
  std::vector<std::string> KindSeqKeys() {
    std::vector<std::string> out;
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator({}, index()));
    for (it->SeekToFirst(); it->Valid() && it->key()[0] == '\0'; it->Next()) out.push_back(it->key().ToString());
    return out;
  }

 private:
  bool ok_ = false;
  rocksdb::DB* db_ = nullptr;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
};

}  // namespace qcflow::testing

#endif  // QCFLOW_STORE_RAW_DB_FOR_TEST_H_
