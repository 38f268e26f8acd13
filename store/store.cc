#include "store/store.h"

#include <rocksdb/write_buffer_manager.h>
#include <rocksdb/cache.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/slice_transform.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>

#include "store/derived.h"
#include "store/journal.h"
#include "store/outbox.h"
#include "store/db_core.h"
#include "store/store_keys.h"

namespace qcflow {

namespace fs = std::filesystem;

const char* const kColumnFamilies[6] = {"journal", "dedup", "index", "derived", "outbox", "meta"};

Status FromRocks(const rocksdb::Status& s, const std::string& what) {
  if (s.ok()) return Status::OK();
  std::string msg = what + ": " + s.ToString();
  if (s.IsNotFound()) return Status::NotFound(msg);
  if (s.IsCorruption()) return Status::Corruption(msg);
  if (s.IsInvalidArgument()) return Status::InvalidArgument(msg);
  if (s.IsIOError()) return Status::IOError(msg);
  return Status::Internal(msg);
}

namespace {

// The index family's keys start with kind u8 | be16 source length | source
// (store_keys.h). Per (kind, source), event times mostly arrive in order, so
// the memtable keeps an insert hint per such prefix: inserting a record's index
// entry next to that source's previous one is much cheaper than a fresh
// skiplist search when several sources interleave. Memtable-only; it does not
// change what is stored.
class IndexSourcePrefix : public rocksdb::SliceTransform {
 public:
  const char* Name() const override { return "qcflow.IndexSourcePrefix"; }
  rocksdb::Slice Transform(const rocksdb::Slice& key) const override {
    return rocksdb::Slice(key.data(), PrefixLength(key));
  }
  bool InDomain(const rocksdb::Slice& key) const override {
    return key.size() >= 3 && key.size() >= PrefixLength(key);
  }

 private:
  // Time index: kind, source; kind-seq index (store_keys.h): tag, kind.
  static size_t PrefixLength(const rocksdb::Slice& key) {
    if (key[0] == keys::kKindSeqTag) return 2;
    return 3 + ((size_t(uint8_t(key[1])) << 8) | uint8_t(key[2]));
  }
};

// The meta family holds few keys (counters, cursors) that are overwritten on
// every append or commit: a hint per key puts each new version straight next to
// the previous one. The number of hints is the number of such keys (tens).
class WholeKey : public rocksdb::SliceTransform {
 public:
  const char* Name() const override { return "qcflow.WholeKey"; }
  rocksdb::Slice Transform(const rocksdb::Slice& key) const override { return key; }
  bool InDomain(const rocksdb::Slice&) const override { return true; }
};

rocksdb::ColumnFamilyOptions FamilyOptions(const std::string& name,
                                           std::shared_ptr<rocksdb::Cache> cache,
                                           size_t memtable_budget) {
  rocksdb::ColumnFamilyOptions cf;
  // The small families' write buffers are a quarter of the shared budget, not
  // RocksDB's 64 MiB: a memtable's arena grows in blocks of an eighth of
  // write_buffer_size and the dedup family's memtable bloom filter takes a
  // tenth of it up front (6.7 MiB per memtable, zeroed, seen with heaptrack in
  // a 10k-folder MPC backfill). The journal keeps 64 MiB: smaller journal
  // memtables made that backfill slower (more flushes), and the write buffer
  // manager flushes at the budget anyway.
  const size_t budget = std::max<size_t>(memtable_budget, 1 << 20);
  cf.write_buffer_size = std::min<size_t>(budget / 4, 64 << 20);
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = cache;
  // Index and filter blocks live in the (bounded) block cache instead of
  // beside it: otherwise they grow with every SST file and a daemon's memory
  // creeps with the journal's size (seen: ~1 MiB/min over a 10-linac hour).
  // L0's stay pinned so the hot files never miss.
  table.cache_index_and_filter_blocks = true;
  table.pin_l0_filter_and_index_blocks_in_cache = true;
  if (name == "journal") {
    // Payloads are mostly text (iCom is ASCII, CSV, JSON): ZSTD (level 3) on
    // every level. Measured on 20 000 simulator iCom messages of 10 linacs
    // (8 595 B each; bench/icom_e2e_bench compression/*, docs/benchmarks.md):
    // bytes on disk per message none 8 786, LZ4 2 824, ZSTD 1 107 (7.8x);
    // ZSTD with a 16 KiB dictionary 945 but +50 % write+compaction time.
    // Before, LZ4 on upper levels and ZSTD only at the bottom: the same 1 107
    // once compacted, but 2 824 for everything still in L0..Ln-1, for the
    // same total write+compaction time. Existing stores need nothing: each
    // SST records its own compression.
    cf.compression = rocksdb::kZSTD;
    table.block_size = 32 * 1024;
    cf.write_buffer_size = 64 << 20;
  } else if (name == "dedup") {
    // Every append probes this family; most probes miss. Bloom filters (SST and
    // memtable) make a miss cheap.
    table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
    table.whole_key_filtering = true;
    cf.memtable_prefix_bloom_size_ratio = 0.1;
    cf.memtable_whole_key_filtering = true;
    cf.compression = rocksdb::kLZ4Compression;
  } else if (name == "index") {
    cf.compression = rocksdb::kLZ4Compression;
    cf.memtable_insert_with_hint_prefix_extractor = std::make_shared<IndexSourcePrefix>();
  } else if (name == "meta") {
    cf.compression = rocksdb::kLZ4Compression;
    cf.memtable_insert_with_hint_prefix_extractor = std::make_shared<WholeKey>();
  } else {
    cf.compression = rocksdb::kLZ4Compression;
  }
  cf.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  return cf;
}

bool LooksLikeRocksDb(const fs::path& dir) { return fs::exists(dir / "CURRENT"); }

// Written when a store is complete (the creating marker, renamed). Older stores
// are recognised by RocksDB's OPTIONS file naming all of qcflow's families.
constexpr const char* kStoreMarker = "QCFLOW-STORE";

bool NamesOurFamilies(const fs::path& options_file) {
  std::ifstream in(options_file);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (const char* name : kColumnFamilies) {
    if (text.find("[CFOptions \"" + std::string(name) + "\"]") == std::string::npos) return false;
  }
  return true;
}

// Traces that this directory was a qcflow store, whatever state RocksDB's
// files are in: then a failure to open it is damage, not a wrong --store.
bool WasQcflowStore(const fs::path& dir) {
  std::error_code ec;
  if (fs::exists(dir / kStoreMarker, ec)) return true;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->path().filename().string().rfind("OPTIONS-", 0) == 0 && NamesOurFamilies(it->path())) {
      return true;
    }
  }
  return false;
}

Status DamagedStore(const std::string& dir, const std::string& what) {
  return Status::Corruption("the qcflow store at " + dir + " is damaged (" + what +
                            "); qcflow changed nothing. Restore it from a backup: see "
                            "\"Damaged store\" in docs/operations.md");
}

// A store being created holds this file until its format marker is durable. A
// creation interrupted by a crash (RocksDB files, some column families, no
// format marker yet) is finished by the next Open instead of being refused as
// "not a qcflow store" forever.
constexpr const char* kCreatingMarker = "QCFLOW-CREATING";

Status SyncDir(const fs::path& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  int rc = fd < 0 ? -1 : ::fsync(fd);
  int err = errno;
  if (fd >= 0) ::close(fd);
  if (rc != 0) return Status::IOError("cannot sync directory " + dir.string() + ": " + std::strerror(err));
  return Status::OK();
}

Status WriteCreatingMarker(const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Status::IOError("cannot create " + dir.string() + ": " + ec.message());
  const fs::path marker = dir / kCreatingMarker;
  int fd = ::open(marker.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  int rc = fd < 0 ? -1 : ::fsync(fd);
  int err = errno;
  if (fd >= 0) ::close(fd);
  if (rc != 0) return Status::IOError("cannot create " + marker.string() + ": " + std::strerror(err));
  return SyncDir(dir);
}

// Checks the directory before RocksDB touches it, so a wrong --store never
// turns someone's folder into a database.
Status CheckDirectory(const fs::path& dir, const StoreOptions& options, bool* is_new) {
  std::error_code ec;
  *is_new = false;
  if (!fs::exists(dir, ec)) {
    if (!options.create_if_missing || options.read_only) {
      return Status::NotFound("no qcflow store at " + dir.string() +
                              " (run a backfill or `qcflow run` first, or pass --store)");
    }
    *is_new = true;
    return Status::OK();
  }
  if (!fs::is_directory(dir, ec)) {
    return Status::InvalidArgument(dir.string() + " is a file, not a store directory; pass --store DIR");
  }
  if (fs::exists(dir / kCreatingMarker, ec)) {
    if (options.read_only) {
      return Status::NotFound("the qcflow store at " + dir.string() +
                              " was never completely created (its creation was interrupted); "
                              "open it once for writing, e.g. `qcflow run`, to finish it");
    }
    *is_new = true;  // finish the interrupted creation
    return Status::OK();
  }
  if (LooksLikeRocksDb(dir)) return Status::OK();
  if (WasQcflowStore(dir)) return DamagedStore(dir.string(), "its CURRENT file is missing");
  if (fs::directory_iterator(dir, ec) != fs::directory_iterator()) {
    return Status::InvalidArgument(dir.string() +
                                   " is not a qcflow store (it holds other files); refusing to "
                                   "write into it. Pass --store with a new or empty directory.");
  }
  if (options.read_only) return Status::NotFound("no qcflow store at " + dir.string());
  *is_new = true;
  return Status::OK();
}

Status CheckFormat(DbCore* core, bool is_new, const std::string& dir, bool read_only) {
  rocksdb::DB* db = core->db.get();
  rocksdb::ColumnFamilyHandle* meta = core->meta;
  std::string format, version;
  auto s = db->Get(rocksdb::ReadOptions(), meta, rocksdb::Slice(keys::kFormatKey.data(), keys::kFormatKey.size()), &format);
  if (s.IsNotFound()) {
    if (!is_new || read_only) {
      return Status::InvalidArgument(dir + " is a RocksDB database but not a qcflow store");
    }
    rocksdb::WriteBatch batch;
    batch.Put(meta, rocksdb::Slice(keys::kFormatKey.data(), keys::kFormatKey.size()),
              rocksdb::Slice(keys::kFormatValue.data(), keys::kFormatValue.size()));
    batch.Put(meta, rocksdb::Slice(keys::kFormatVersionKey.data(), keys::kFormatVersionKey.size()),
              std::to_string(kStoreFormatVersion));
    return core->Write(&batch, "initialising the store");  // synced: see Store::Open
  }
  QCFLOW_RETURN_IF_ERROR(FromRocks(s, "reading the store format"));
  if (format != keys::kFormatValue) {
    return Status::InvalidArgument(dir + " is a RocksDB database but not a qcflow store");
  }
  QCFLOW_RETURN_IF_ERROR(FromRocks(
      db->Get(rocksdb::ReadOptions(), meta,
              rocksdb::Slice(keys::kFormatVersionKey.data(), keys::kFormatVersionKey.size()),
              &version),
      "reading the store format version"));
  int v = std::atoi(version.c_str());
  if (v > kStoreFormatVersion) {
    return Status::Incompatible("the store at " + dir + " has format version " + version +
                                ", newer than this qcflow understands (" +
                                std::to_string(kStoreFormatVersion) +
                                "); upgrade qcflow to read it");
  }
  if (v < kStoreFormatVersionBuiltInKinds) {
    return Status::Incompatible("the store at " + dir + " has format version " + version +
                                ", which no qcflow release wrote; is it damaged?");
  }
  return Status::OK();
}

Status OpenError(const rocksdb::Status& s, const std::string& dir) {
  std::string msg = s.ToString();
  if (s.IsIOError() && (msg.find("lock") != std::string::npos || msg.find("LOCK") != std::string::npos)) {
    return Status::Unavailable("the store at " + dir +
                               " is in use by another qcflow process; stop it, or use a "
                               "read-only command (status, query)");
  }
  if (s.IsCorruption() || (WasQcflowStore(dir) && !s.IsIOError())) return DamagedStore(dir, msg);
  if (s.IsInvalidArgument() && msg.find("Column famil") != std::string::npos) {
    return Status::InvalidArgument(dir + " is a RocksDB database but not a qcflow store (" + msg + ")");
  }
  return FromRocks(s, "opening the store at " + dir);
}

}  // namespace

Result<std::unique_ptr<Store>> Store::Open(const std::string& dir, const StoreOptions& options) {
  bool is_new = false;
  QCFLOW_RETURN_IF_ERROR(CheckDirectory(dir, options, &is_new));
  if (!is_new) {
    std::vector<std::string> families;
    auto s = rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), dir, &families);
    if (!s.ok()) return OpenError(s, dir);
    std::set<std::string> have(families.begin(), families.end());
    for (const char* name : kColumnFamilies) {
      if (!have.count(name) && WasQcflowStore(dir)) {
        return DamagedStore(dir, "its MANIFEST lists no '" + std::string(name) + "' column family");
      }
      if (!have.count(name)) {
        return Status::InvalidArgument(dir + " is a RocksDB database but not a qcflow store "
                                       "(no '" + std::string(name) + "' column family)");
      }
    }
  }

  if (is_new) QCFLOW_RETURN_IF_ERROR(WriteCreatingMarker(dir));  // is_new implies writable

  auto core = std::make_unique<DbCore>();
  core->dir = dir;
  core->read_only = options.read_only;
  rocksdb::DBOptions& db_options = core->db_options;
  db_options.create_if_missing = is_new;
  db_options.create_missing_column_families = is_new;
  db_options.max_background_jobs = 2;
  db_options.write_buffer_manager =
      std::make_shared<rocksdb::WriteBufferManager>(options.memtable_budget_bytes);
  db_options.bytes_per_sync = 1 << 20;
  // The small families (dedup, index, meta) fill their write buffers slowly;
  // without a cap their memtables are only flushed when the WAL reaches
  // RocksDB's default (4 x the write buffers, ~4 GiB here): gigabytes of WAL
  // on disk, memory held, and a long replay after a crash. 256 MiB keeps all
  // three small.
  db_options.max_total_wal_size = 256u << 20;
  // Replaying the WAL into SST files at open needs free space: after a full
  // disk that would keep the store from reopening. The WAL stays until the
  // memtables flush normally.
  db_options.avoid_flush_during_recovery = true;
  // A full disk must be an error value, never an abort (db_core.h): our LOG
  // writer, and no resume behind DbCore's back.
  db_options.info_log = NewStoreLogger(options.read_only ? "" : dir + "/LOG");
  db_options.listeners.push_back(NewNoAutoRecoveryListener());
  if (options.fail_write) {
    core->env = rocksdb::NewCompositeEnv(NewFaultFileSystem(options.fail_write));
    db_options.env = core->env.get();
  }
  auto cache = rocksdb::NewLRUCache(options.block_cache_bytes);
  core->descriptors.emplace_back(rocksdb::kDefaultColumnFamilyName, rocksdb::ColumnFamilyOptions());
  for (const char* name : kColumnFamilies) core->descriptors.emplace_back(name, FamilyOptions(name, cache, options.memtable_budget_bytes));
  QCFLOW_RETURN_IF_ERROR(core->OpenDb());
  db_options.create_if_missing = db_options.create_missing_column_families = false;  // for a reopen
  core->write_options.sync = true;  // the format marker is durable before creation completes
  QCFLOW_RETURN_IF_ERROR(CheckFormat(core.get(), is_new, dir, options.read_only));
  if (is_new) {  // the format marker is durable (synced write): creation is complete
    std::error_code ec;
    fs::rename(fs::path(dir) / kCreatingMarker, fs::path(dir) / kStoreMarker, ec);
    if (ec) return Status::IOError("cannot rename " + (fs::path(dir) / kCreatingMarker).string() + ": " + ec.message());
    QCFLOW_RETURN_IF_ERROR(SyncDir(dir));
  }
  QCFLOW_RETURN_IF_ERROR(LoadOutboxOrder(core.get()));
  core->write_options.sync = options.durability == Durability::kSyncEveryWrite;
  if (options.durability == Durability::kGroupCommit && !options.read_only) {
    core->StartGroupCommit(options.group_commit_interval);
  }
  std::unique_ptr<Store> store(new Store(dir, std::move(core)));
  QCFLOW_RETURN_IF_ERROR(store->LoadRegisteredKinds());
  QCFLOW_RETURN_IF_ERROR(store->journal_->Load());
  QCFLOW_RETURN_IF_ERROR(store->UseKindIndex(options));
  QCFLOW_RETURN_IF_ERROR(store->UseXxh3Keys(options));
  DbCore* c = store->core_.get();
  Journal* journal = store->journal_.get();
  c->reload = [c, journal] {
    QCFLOW_RETURN_IF_ERROR(journal->Reload());
    std::lock_guard<std::mutex> lock(c->commit_mu);
    return LoadOutboxOrder(c);
  };
  return store;
}

Status DbCore::OpenDb() {
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s =
      read_only ? rocksdb::DB::OpenForReadOnly(db_options, dir, descriptors, &handles, &raw)
                : rocksdb::DB::Open(db_options, dir, descriptors, &handles, &raw);
  if (!s.ok()) return OpenError(s, dir);
  db.reset(raw);
  journal = handles[1];
  dedup = handles[2];
  index = handles[3];
  derived = handles[4];
  outbox = handles[5];
  meta = handles[6];
  return Status::OK();
}

Store::Store(std::string dir, std::unique_ptr<DbCore> core)
    : dir_(std::move(dir)),
      core_(std::move(core)),
      journal_(std::make_unique<Journal>(core_.get())),
      derived_(std::make_unique<Derived>(core_.get())),
      outbox_(std::make_unique<Outbox>(core_.get())) {}

Store::~Store() {
  // Users of the core go first; the core closes RocksDB last.
  journal_.reset();
  derived_.reset();
  outbox_.reset();
  core_.reset();
}

Result<CommitResult> Store::Commit(const WriteSet& ws) {
  if (core_->read_only) return Status::FailedPrecondition("the store is open read-only");
  QCFLOW_RETURN_IF_ERROR(core_->PrepareWrite());
  auto use = core_->Use();
  if (!use.ok()) return use.status();
  std::lock_guard<std::mutex> lock(core_->commit_mu);
  const uint64_t order_before = core_->next_outbox_order;
  auto result = StageAndWrite(ws);
  if (!result.ok()) core_->next_outbox_order = order_before;  // nothing was written
  return result;
}

Result<CommitResult> Store::StageAndWrite(const WriteSet& ws) {
  CommitResult result;
  // Reserved up front: a step's batch holds megabytes of session JSON, which
  // growing by doubling copied several times over (and faulted in anew).
  size_t bytes = 0;
  for (const WriteSet::Op& op : ws.ops()) {
    bytes += op.a.size() + op.b.size() + op.c.size() + op.d.size() + 48;
  }
  rocksdb::WriteBatch batch(bytes);
  // Derived keys written by this WriteSet -> their value (in `ws`, which outlives this).
  std::map<std::string, const std::string*> staged;
  std::set<std::string> enqueued;
  const MicrosUtc now = NowMicros();
  for (const WriteSet::Op& op : ws.ops()) {
    switch (op.type) {
      case WriteSet::OpType::kPutDerived:
      case WriteSet::OpType::kReplaceDerived: {
        if (op.a.empty() || op.a.find('\0') != std::string::npos) {
          return Status::InvalidArgument("derived namespace must be non-empty, without NUL");
        }
        std::string key = keys::DerivedPrefix(op.a) + op.b;
        if (op.type == WriteSet::OpType::kPutDerived) {
          std::string existing;
          bool found = false;
          if (auto st = staged.find(key); st != staged.end()) {
            existing = *st->second;
            found = true;
          } else {
            auto s = core_->db->Get(rocksdb::ReadOptions(), core_->derived, key, &existing);
            if (!s.IsNotFound()) {
              QCFLOW_RETURN_IF_ERROR(FromRocks(s, "reading a derived record"));
              found = true;
            }
          }
          if (found) {
            if (existing == op.c) {
              ++result.derived_unchanged;
            } else {
              result.derived_conflicts.push_back(op.a + "/" + op.b);
            }
            continue;
          }
        }
        ++result.derived_created;
        batch.Put(core_->derived, key, op.c);
        staged[std::move(key)] = &op.c;
        break;
      }
      case WriteSet::OpType::kDeleteDerived: {
        if (op.a.empty() || op.a.find('\0') != std::string::npos) {
          return Status::InvalidArgument("derived namespace must be non-empty, without NUL");
        }
        std::string key = keys::DerivedPrefix(op.a) + op.b;
        staged.erase(key);
        batch.Delete(core_->derived, key);
        break;
      }
      case WriteSet::OpType::kPutIndex:
        batch.Put(core_->derived, keys::DerivedIndexPrefix(op.a) + op.b, op.c + '\0' + op.d);
        break;
      case WriteSet::OpType::kSetCursor: {
        std::string v;
        coding::PutFixed64(&v, op.n);
        batch.Put(core_->meta, keys::Cursor(op.a), v);
        break;
      }
      case WriteSet::OpType::kEnqueue:
      case WriteSet::OpType::kRequeue:
        if (!enqueued.insert(op.a + '\0' + op.b).second) {
          ++result.enqueue_duplicates;
          break;
        }
        QCFLOW_RETURN_IF_ERROR(StageEnqueue(core_.get(), op.a, op.b, op.c, op.d, op.e, now, &batch,
                                            &result, op.type == WriteSet::OpType::kRequeue));
        break;
    }
  }
  if (batch.Count() == 0) return result;
  QCFLOW_RETURN_IF_ERROR(core_->Write(&batch, "committing derived records"));
  return result;
}

Result<uint64_t> Store::GetCursor(const std::string& consumer) {
  auto use = core_->Use();
  if (!use.ok()) return use.status();
  std::string value;
  auto s = core_->db->Get(rocksdb::ReadOptions(), core_->meta, keys::Cursor(consumer), &value);
  if (s.IsNotFound()) return uint64_t(0);
  QCFLOW_RETURN_IF_ERROR(FromRocks(s, "reading cursor " + consumer));
  std::string_view in(value);
  uint64_t seq = 0;
  if (!coding::GetFixed64(&in, &seq)) return Status::Corruption("cursor " + consumer + " is garbled");
  return seq;
}

Result<StoreStats> Store::Stats() {
  StoreStats stats;
  stats.sources = journal_->Counts();
  stats.last_seq = journal_->last_seq();
  // increment(ec), not a range-for: compaction deletes files meanwhile, and the
  // throwing ++ would end the process from the metrics thread.
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir_, ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code file_ec;
    if (it->is_regular_file(file_ec)) {
      const uintmax_t size = it->file_size(file_ec);
      if (!file_ec) stats.bytes_on_disk += size;
    }
  }
  return stats;
}

StoreHealth Store::Health() const {
  StoreHealth h;
  Status f = core_->failure();
  h.writable = f.ok();
  h.error = f.message();
  h.disk_full = core_->DiskFull();
  h.free_bytes = core_->FreeBytes();
  return h;
}

Status Store::Sync() {
  if (core_->read_only) return Status::OK();
  // After a failed write there is nothing unsynced to save: under
  // kSyncEveryWrite every acknowledged write was synced; a reopen resyncs.
  if (Status f = core_->failure(); !f.ok()) {
    return core_->write_options.sync ? Status::OK() : f;
  }
  auto use = core_->Use();
  if (!use.ok()) return use.status();
  return core_->SyncWal();
}

}  // namespace qcflow
