// Store::Open's format upgrades (store.h, kStoreFormatVersion): each reads the
// journal once, writes what the newer format adds in batches, then raises the
// persisted version. Every step is idempotent, so a crash midway only repeats it.
#include "store/format_upgrade.h"

#include <rocksdb/write_batch.h>

#include "store/content_hash.h"
#include "store/db_core.h"
#include "store/journal.h"
#include "store/store.h"
#include "store/store_keys.h"

namespace qcflow {

namespace {

constexpr uint64_t kUpgradeBatch = 16384;  // records per write and per progress report

bool IsLowerHex(std::string_view s) {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace

std::optional<std::string> Xxh3DedupAlias(std::string_view dedup_key, std::string_view payload) {
  constexpr size_t kHex = 16;
  if (dedup_key.size() <= kHex || dedup_key[dedup_key.size() - kHex - 1] != '|') return std::nullopt;
  if (!IsLowerHex(dedup_key.substr(dedup_key.size() - kHex))) return std::nullopt;
  std::string alias(dedup_key.substr(0, dedup_key.size() - kHex));
  alias += HashHex(Xxh3_64(payload));
  return alias;
}

Status Store::RaiseFormat(int version) {
  rocksdb::WriteBatch batch;
  batch.Put(core_->meta, rocksdb::Slice(keys::kFormatVersionKey.data(), keys::kFormatVersionKey.size()),
            std::to_string(version));
  auto use = core_->Use();
  if (!use.ok()) return use.status();
  return core_->Write(&batch, "raising the store format to " + std::to_string(version));
}

Status Store::UseKindIndex(const StoreOptions& options) {
  if (format_version() >= kStoreFormatVersionKindIndex) {
    core_->kind_index = true;
    return Status::OK();
  }
  if (core_->read_only) return Status::OK();  // ScanKinds reads the journal instead
  StoreUpgradeProgress p{.to_version = kStoreFormatVersionKindIndex, .total = journal_->last_seq()};
  auto report = [&](uint64_t done, bool finished) {
    if (!options.on_upgrade) return;
    p.done = done;
    p.finished = finished;
    options.on_upgrade(p);
  };
  report(0, false);
  auto indexed = journal_->BuildKindIndex([&](uint64_t done) { report(done, false); });
  if (!indexed.ok()) return indexed.status().WithContext("upgrading the store at " + dir_ + " to format 3");
  QCFLOW_RETURN_IF_ERROR(RaiseFormat(kStoreFormatVersionKindIndex));
  report(*indexed, true);
  core_->kind_index = true;
  return Status::OK();
}

Status Store::UseXxh3Keys(const StoreOptions& options) {
  if (format_version() >= kStoreFormatVersionXxh3Keys || core_->read_only) return Status::OK();
  const std::string what = "upgrading the store at " + dir_ + " to format 4";
  StoreUpgradeProgress p{.to_version = kStoreFormatVersionXxh3Keys, .total = journal_->last_seq()};
  auto report = [&](bool finished) {
    p.finished = finished;
    if (options.on_upgrade) options.on_upgrade(p);
  };
  report(false);
  {
    auto use = core_->Use();
    if (!use.ok()) return use.status();
    rocksdb::ReadOptions read;
    read.fill_cache = false;          // one pass: keep the cache for what runs next
    read.readahead_size = 4u << 20;   // the journal is read in key order
    std::unique_ptr<rocksdb::Iterator> it(core_->db->NewIterator(read, core_->journal));
    rocksdb::WriteBatch batch;
    std::string key, seq_value;
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      if (it->key().size() != 8) return Status::Corruption("journal key of unexpected size").WithContext(what);
      const uint64_t seq = coding::GetBigEndian64(std::string_view(it->key().data(), 8));
      auto view = DecodeEnvelope(std::string_view(it->value().data(), it->value().size()));
      if (!view.ok()) return view.status().WithContext("journal record " + std::to_string(seq)).WithContext(what);
      if (view->kind == Kind::kIcom) {
        if (auto alias = Xxh3DedupAlias(view->dedup_key, view->payload)) {
          key.clear();
          keys::AppendDedup(&key, Kind::kIcom, *alias);
          seq_value.clear();
          coding::PutFixed64(&seq_value, seq);
          batch.Put(core_->dedup, key, seq_value);
        }
      }
      if (++p.done % kUpgradeBatch == 0) {
        QCFLOW_RETURN_IF_ERROR(core_->Write(&batch, "adding XXH3 dedup keys").WithContext(what));
        batch.Clear();
        report(false);
      }
    }
    QCFLOW_RETURN_IF_ERROR(FromRocks(it->status(), "reading the journal").WithContext(what));
    if (batch.Count() > 0) QCFLOW_RETURN_IF_ERROR(core_->Write(&batch, "adding XXH3 dedup keys").WithContext(what));
  }
  QCFLOW_RETURN_IF_ERROR(RaiseFormat(kStoreFormatVersionXxh3Keys));
  report(true);
  return Status::OK();
}

}  // namespace qcflow
