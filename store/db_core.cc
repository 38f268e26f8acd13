#include "store/db_core.h"

#include <rocksdb/file_system.h>
#include <rocksdb/listener.h>
#include <rocksdb/write_batch.h>
#include <sys/statvfs.h>

#include <algorithm>
#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <filesystem>

namespace qcflow {

namespace {

using Steady = std::chrono::steady_clock;
constexpr std::chrono::milliseconds kFirstReopenDelay{500};
constexpr std::chrono::milliseconds kMaxReopenDelay{60000};
constexpr uint64_t kMaxLogBytes = 16u << 20;  // then LOG becomes LOG.old

class StoreLogger : public rocksdb::Logger {
 public:
  explicit StoreLogger(FILE* file)
      : rocksdb::Logger(rocksdb::InfoLogLevel::INFO_LEVEL), file_(file) {}
  ~StoreLogger() override {
    if (file_) std::fclose(file_);
  }
  using rocksdb::Logger::Logv;
  void Logv(const char* format, va_list ap) override {
    if (!file_) return;
    std::lock_guard<std::mutex> lock(mu_);
    std::vfprintf(file_, format, ap);
    std::fputc('\n', file_);
    std::fflush(file_);  // a full disk fails this quietly; nothing is retried
  }

 private:
  std::mutex mu_;
  FILE* file_;
};

class NoAutoRecovery : public rocksdb::EventListener {
 public:
  const char* Name() const override { return "qcflow.NoAutoRecovery"; }
  void OnErrorRecoveryBegin(rocksdb::BackgroundErrorReason, rocksdb::Status bg_error,
                            bool* auto_recovery) override {
    bg_error.PermitUncheckedError();
    *auto_recovery = false;
  }
};

rocksdb::IOStatus Injected(int err, const std::string& file) {
  if (err == 0) return rocksdb::IOStatus::OK();
  if (err == ENOSPC) return rocksdb::IOStatus::NoSpace(file, std::strerror(err));
  return rocksdb::IOStatus::IOError(file, std::strerror(err));
}

using FailWrite = std::function<int(const std::string& file)>;

class FaultFile : public rocksdb::FSWritableFileOwnerWrapper {
 public:
  FaultFile(std::unique_ptr<rocksdb::FSWritableFile> f, std::string name, const FailWrite* fail)
      : FSWritableFileOwnerWrapper(std::move(f)), name_(std::move(name)), fail_(fail) {}
  rocksdb::IOStatus Append(const rocksdb::Slice& d, const rocksdb::IOOptions& o,
                           rocksdb::IODebugContext* g) override {
    auto s = Check();
    return s.ok() ? target()->Append(d, o, g) : s;
  }
  rocksdb::IOStatus Append(const rocksdb::Slice& d, const rocksdb::IOOptions& o,
                           const rocksdb::DataVerificationInfo& v,
                           rocksdb::IODebugContext* g) override {
    auto s = Check();
    return s.ok() ? target()->Append(d, o, v, g) : s;
  }
  rocksdb::IOStatus PositionedAppend(const rocksdb::Slice& d, uint64_t at,
                                     const rocksdb::IOOptions& o,
                                     rocksdb::IODebugContext* g) override {
    auto s = Check();
    return s.ok() ? target()->PositionedAppend(d, at, o, g) : s;
  }
  rocksdb::IOStatus Sync(const rocksdb::IOOptions& o, rocksdb::IODebugContext* g) override {
    auto s = Check();
    return s.ok() ? target()->Sync(o, g) : s;
  }
  rocksdb::IOStatus Fsync(const rocksdb::IOOptions& o, rocksdb::IODebugContext* g) override {
    auto s = Check();
    return s.ok() ? target()->Fsync(o, g) : s;
  }

 private:
  rocksdb::IOStatus Check() const { return Injected((*fail_)(name_), name_); }
  std::string name_;
  const FailWrite* fail_;
};

class FaultFileSystem : public rocksdb::FileSystemWrapper {
 public:
  explicit FaultFileSystem(FailWrite fail)
      : FileSystemWrapper(rocksdb::FileSystem::Default()), fail_(std::move(fail)) {}
  const char* Name() const override { return "qcflow.FaultFileSystem"; }
  rocksdb::IOStatus NewWritableFile(const std::string& f, const rocksdb::FileOptions& o,
                                    std::unique_ptr<rocksdb::FSWritableFile>* r,
                                    rocksdb::IODebugContext* g) override {
    return Wrap(f, target()->NewWritableFile(f, o, r, g), r);
  }
  rocksdb::IOStatus ReopenWritableFile(const std::string& f, const rocksdb::FileOptions& o,
                                       std::unique_ptr<rocksdb::FSWritableFile>* r,
                                       rocksdb::IODebugContext* g) override {
    return Wrap(f, target()->ReopenWritableFile(f, o, r, g), r);
  }
  rocksdb::IOStatus ReuseWritableFile(const std::string& f, const std::string& old,
                                      const rocksdb::FileOptions& o,
                                      std::unique_ptr<rocksdb::FSWritableFile>* r,
                                      rocksdb::IODebugContext* g) override {
    return Wrap(f, target()->ReuseWritableFile(f, old, o, r, g), r);
  }

 private:
  rocksdb::IOStatus Wrap(const std::string& f, rocksdb::IOStatus opened,
                         std::unique_ptr<rocksdb::FSWritableFile>* r) {
    if (!opened.ok()) return opened;
    if (auto s = Injected(fail_(f), f); !s.ok()) {
      r->reset();
      return s;
    }
    *r = std::make_unique<FaultFile>(std::move(*r), f, &fail_);
    return opened;
  }
  FailWrite fail_;
};

}  // namespace

std::shared_ptr<rocksdb::Logger> NewStoreLogger(const std::string& path) {
  if (path.empty()) return std::make_shared<StoreLogger>(nullptr);
  std::error_code ec;
  if (std::filesystem::file_size(path, ec) > kMaxLogBytes && !ec) {
    std::filesystem::rename(path, path + ".old", ec);
  }
  return std::make_shared<StoreLogger>(std::fopen(path.c_str(), "ae"));
}

std::shared_ptr<rocksdb::EventListener> NewNoAutoRecoveryListener() {
  return std::make_shared<NoAutoRecovery>();
}

std::shared_ptr<rocksdb::FileSystem> NewFaultFileSystem(FailWrite fail_write) {
  return std::make_shared<FaultFileSystem>(std::move(fail_write));
}

DbCore::~DbCore() {
  {
    std::lock_guard<std::mutex> lock(syncer_mu);
    stopping = true;
  }
  syncer_cv.notify_all();
  if (syncer.joinable()) syncer.join();
  if (db && !read_only) (void)SyncWal();
  for (auto* h : handles) db->DestroyColumnFamilyHandle(h).PermitUncheckedError();
  handles.clear();
  if (db) db->Close().PermitUncheckedError();
}

void DbCore::StartGroupCommit(std::chrono::milliseconds interval) {
  syncer = std::thread([this, interval] {
    std::unique_lock<std::mutex> lock(syncer_mu);
    while (!syncer_cv.wait_for(lock, interval, [this] { return stopping; })) {
      lock.unlock();
      {
        auto use = Use();
        if (use.ok()) (void)SyncWal();  // a failure resurfaces on the next write
      }
      lock.lock();
    }
  });
}

Status DbCore::SyncWal() {
  std::unique_lock<std::shared_mutex> wal(wal_mu);
  if (failed.load()) return failure();
  rocksdb::Status s = db->FlushWAL(/*sync=*/true);
  Status out = FromRocks(s, "syncing the write-ahead log of the store at " + dir);
  if (s.IsIOError()) MarkFailed(out, s.IsNoSpace());
  return out;
}

Result<DbUse> DbCore::Use() {
  DbUse use(use_mu);
  if (!db) return failure().ok() ? Status::Unavailable("the store is closed") : failure();
  return use;
}

uint64_t DbCore::FreeBytes() const {
  struct statvfs v;
  if (::statvfs(dir.c_str(), &v) != 0) return 0;
  return uint64_t(v.f_bavail) * v.f_frsize;
}

bool DbCore::DiskFull() const {
  std::lock_guard<std::mutex> lock(failure_mu);
  return failed.load() && no_space;
}

Status DbCore::failure() const {
  std::lock_guard<std::mutex> lock(failure_mu);
  return failed.load() ? last_failure : Status::OK();
}

Status DbCore::Write(rocksdb::WriteBatch* batch, const std::string& what) {
  std::shared_lock<std::shared_mutex> wal(wal_mu);
  if (failed.load()) return failure();  // never through a poisoned WAL writer
  rocksdb::Status s = db->Write(write_options, batch);
  if (s.ok()) {
    if (backing_off.load()) {  // the reopen worked: the next failure starts the delay afresh
      std::lock_guard<std::mutex> lock(failure_mu);
      reopen_delay = std::chrono::milliseconds(0);
      backing_off = false;
    }
    return Status::OK();
  }
  if (!s.IsIOError()) return FromRocks(s, what);  // not the disk: the database is fine
  Status out;
  if (s.IsNoSpace()) {
    out = Status::IOError("store disk full at " + dir + ": " + std::to_string(FreeBytes()) +
                          " bytes free (" + what + " failed; nothing of it was written)");
  } else {
    out = Status::IOError("store write failed at " + dir + " (" + what + ": " + s.ToString() +
                          "; nothing of it was written); check the disk (dmesg)");
  }
  MarkFailed(out, s.IsNoSpace());
  return out;
}

void DbCore::MarkFailed(const Status& failure, bool disk_full) {
  std::lock_guard<std::mutex> lock(failure_mu);
  failed = true;
  backing_off = true;
  // A reopen that works but whose next write fails again keeps the delay
  // growing: a disk that stays full is not reopened twice a second.
  if (reopen_delay.count() == 0) reopen_delay = kFirstReopenDelay;
  next_reopen = Steady::now() + reopen_delay;
  last_failure = failure;
  no_space = disk_full;
}

Status DbCore::PrepareWrite() {
  if (!failed.load()) return Status::OK();
  {
    std::lock_guard<std::mutex> lock(failure_mu);
    if (Steady::now() < next_reopen) return last_failure;
    reopen_delay = std::min(reopen_delay * 2, kMaxReopenDelay);
    next_reopen = Steady::now() + reopen_delay;
  }
  // Bounded wait: a caller that itself holds a DbUse (a write inside a scan)
  // gets the failure back instead of waiting on itself.
  std::unique_lock<std::shared_timed_mutex> exclusive(use_mu, std::defer_lock);
  if (!exclusive.try_lock_for(std::chrono::milliseconds(500))) return failure();
  if (!failed.load()) return Status::OK();  // another writer reopened it
  if (db) {
    for (auto* h : handles) db->DestroyColumnFamilyHandle(h).PermitUncheckedError();
    handles.clear();
    db->Close().PermitUncheckedError();  // cannot sync the poisoned WAL; what it acknowledged is on disk
    db.reset();
  }
  Status opened = OpenDb();
  if (opened.ok() && reload) opened = reload();
  std::lock_guard<std::mutex> lock(failure_mu);
  if (!opened.ok()) {
    if (db) {  // reloading failed: keep it closed rather than half-known
      for (auto* h : handles) db->DestroyColumnFamilyHandle(h).PermitUncheckedError();
      handles.clear();
      db->Close().PermitUncheckedError();
      db.reset();
    }
    return last_failure;  // still what the write met; the next write retries later
  }
  failed = false;
  last_failure = Status::OK();
  return Status::OK();
}

}  // namespace qcflow
