#include "bench/raw_db.h"

#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>

#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <thread>

#include "store/coding.h"

namespace qcflow::bench {
namespace {

constexpr std::chrono::milliseconds kGroupInterval{20};  // StoreOptions' default

Status FromRocks(const rocksdb::Status& s, const char* what) {
  if (s.ok()) return Status::OK();
  return Status::IOError(std::string(what) + ": " + s.ToString());
}

void SetCompression(Compression c, rocksdb::ColumnFamilyOptions* o) {
  o->bottommost_compression = rocksdb::kDisableCompressionOption;
  switch (c) {
    case Compression::kNone:
      o->compression = rocksdb::kNoCompression;
      break;
    case Compression::kLz4:
      o->compression = rocksdb::kLZ4Compression;
      break;
    case Compression::kLz4ZstdBottom:
      o->compression = rocksdb::kLZ4Compression;
      o->bottommost_compression = rocksdb::kZSTD;
      break;
    case Compression::kZstd:
      o->compression = rocksdb::kZSTD;
      break;
    case Compression::kZstdDict:
      o->compression = rocksdb::kZSTD;
      o->compression_opts.max_dict_bytes = 16 << 10;
      o->compression_opts.zstd_max_train_bytes = 100 * (16 << 10);
      break;
  }
}

}  // namespace

const char* SyncName(Sync s) { return s == Sync::kFsync ? "fsync" : "group"; }

const char* CompressionName(Compression c) {
  switch (c) {
    case Compression::kNone: return "none";
    case Compression::kLz4: return "lz4";
    case Compression::kLz4ZstdBottom: return "lz4+zstd-bottom";
    case Compression::kZstd: return "zstd";
    case Compression::kZstdDict: return "zstd+dict";
  }
  return "?";
}

struct RawDb::Impl {
  std::unique_ptr<rocksdb::DB> db;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::WriteOptions wo;
  rocksdb::WriteBatch wb;
  std::thread syncer;
  std::mutex mu;
  std::condition_variable cv;
  bool stop = false;
};

RawDb::RawDb(const std::string& dir, RawDbOptions options) {
  Status s = Init(dir, options);
  if (!s.ok()) {
    std::fprintf(stderr, "%s\n", s.ToString().c_str());
    std::abort();
  }
}

Result<std::unique_ptr<RawDb>> RawDb::Open(const std::string& dir, RawDbOptions options) {
  std::unique_ptr<RawDb> raw(new RawDb());
  QCFLOW_RETURN_IF_ERROR(raw->Init(dir, options));
  return raw;
}

// The options the store gives its journal family where they matter for
// writes (memtable size, background jobs, bytes_per_sync), plus `compression`.
Status RawDb::Init(const std::string& dir, RawDbOptions options) {
  impl_ = std::make_unique<Impl>();
  rocksdb::Options o;
  o.create_if_missing = true;
  o.create_missing_column_families = true;
  SetCompression(options.compression, &o);
  o.write_buffer_size = 64 << 20;
  o.max_background_jobs = 2;
  o.bytes_per_sync = 1 << 20;
  if (options.journal_table) {
    rocksdb::BlockBasedTableOptions table;
    table.block_size = 32 * 1024;
    o.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  }
  std::vector<rocksdb::ColumnFamilyDescriptor> families = {
      {rocksdb::kDefaultColumnFamilyName, rocksdb::ColumnFamilyOptions(o)}};
  if (options.three_families) {
    rocksdb::ColumnFamilyOptions cf;
    cf.compression = rocksdb::kLZ4Compression;
    families.emplace_back("dedup", cf);
    families.emplace_back("index", cf);
  }
  rocksdb::DB* db = nullptr;
  QCFLOW_RETURN_IF_ERROR(FromRocks(
      rocksdb::DB::Open(rocksdb::DBOptions(o), dir, families, &impl_->handles, &db),
      "rocksdb::DB::Open"));
  impl_->db.reset(db);
  impl_->wo.sync = options.sync == Sync::kFsync;
  if (options.sync == Sync::kGroup) {
    Impl* impl = impl_.get();
    impl_->syncer = std::thread([impl] {
      std::unique_lock<std::mutex> lock(impl->mu);
      while (!impl->cv.wait_for(lock, kGroupInterval, [impl] { return impl->stop; })) {
        lock.unlock();
        impl->db->SyncWAL().PermitUncheckedError();
        lock.lock();
      }
    });
  }
  return Status::OK();
}

RawDb::~RawDb() {
  if (!impl_ || !impl_->db) return;
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    impl_->stop = true;
  }
  impl_->cv.notify_all();
  if (impl_->syncer.joinable()) impl_->syncer.join();
  impl_->db->FlushWAL(true).PermitUncheckedError();
  for (auto* h : impl_->handles) impl_->db->DestroyColumnFamilyHandle(h).PermitUncheckedError();
  impl_->db->Close().PermitUncheckedError();
}

rocksdb::DB* RawDb::db() { return impl_->db.get(); }
rocksdb::ColumnFamilyHandle* RawDb::family(size_t i) { return impl_->handles[i]; }
const rocksdb::WriteOptions& RawDb::wo() const { return impl_->wo; }

Status RawDb::WriteBatch(const std::vector<std::string_view>& values) {
  rocksdb::WriteBatch& wb = impl_->wb;
  wb.Clear();
  char key[8];
  for (std::string_view v : values) {
    coding::EncodeBigEndian64(key, ++next_key_);
    wb.Put(rocksdb::Slice(key, 8), rocksdb::Slice(v.data(), v.size()));
  }
  return FromRocks(impl_->db->Write(impl_->wo, &wb), "WriteBatch");
}

Status RawDb::Put(std::string_view value) {
  char key[8];
  coding::EncodeBigEndian64(key, ++next_key_);
  return FromRocks(
      impl_->db->Put(impl_->wo, rocksdb::Slice(key, 8), rocksdb::Slice(value.data(), value.size())),
      "Put");
}

Status RawDb::ScanAll(uint64_t* entries, uint64_t* bytes) {
  rocksdb::ReadOptions ro;
  ro.readahead_size = 2 << 20;  // as Journal::Scan
  std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(ro));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    ++*entries;
    *bytes += it->value().size();
  }
  return FromRocks(it->status(), "iterator");
}

Status RawDb::FlushOnly() {
  return FromRocks(impl_->db->Flush(rocksdb::FlushOptions()), "Flush");
}

Status RawDb::FlushAndCompact() {
  QCFLOW_RETURN_IF_ERROR(FlushOnly());
  rocksdb::CompactRangeOptions c;
  c.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;
  return FromRocks(impl_->db->CompactRange(c, nullptr, nullptr), "CompactRange");
}

uint64_t RawDb::SstBytes() {
  uint64_t v = 0;
  impl_->db->GetIntProperty(rocksdb::DB::Properties::kTotalSstFilesSize, &v);
  return v;
}

}  // namespace qcflow::bench
