// Store::RegisterKind and the registered kinds' names (store.h): a component
// kind that journals records of its own gets a code without an edit of the
// Kind enum. The codes live in the meta family ("kind/<name>"), so every build
// reading the store agrees on them.
#include <rocksdb/db.h>
#include <rocksdb/iterator.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <cstdlib>
#include <memory>

#include "store/db_core.h"
#include "store/store.h"
#include "store/store_keys.h"
#include "store/record.h"

namespace qcflow {

namespace {

rocksdb::Slice AsSlice(std::string_view s) { return rocksdb::Slice(s.data(), s.size()); }

}  // namespace

int Store::format_version() const {
  std::string version;
  auto s = core_->db->Get(rocksdb::ReadOptions(), core_->meta, AsSlice(keys::kFormatVersionKey), &version);
  return s.ok() ? std::atoi(version.c_str()) : kStoreFormatVersionBuiltInKinds;
}

Status Store::LoadRegisteredKinds() {
  std::unique_ptr<rocksdb::Iterator> it(core_->db->NewIterator(rocksdb::ReadOptions(), core_->meta));
  for (it->Seek(AsSlice(keys::kKindPrefix)); it->Valid() && it->key().starts_with(AsSlice(keys::kKindPrefix));
       it->Next()) {
    if (it->value().size() != 1 || uint8_t(it->value()[0]) < kFirstRegisteredKind) {
      return Status::Corruption("the store at " + dir_ + " has a damaged record kind entry '" +
                                it->key().ToString() + "'");
    }
    NoteRegisteredKind(Kind(uint8_t(it->value()[0])),
                       it->key().ToString().substr(keys::kKindPrefix.size()));
  }
  return FromRocks(it->status(), "reading the registered record kinds");
}

Result<Kind> Store::RegisterKind(const std::string& name) {
  if (auto k = BuiltInKind(name)) return *k;
  if (name.empty() || name.find_first_of(std::string("/\0", 2)) != std::string::npos) {
    return Status::InvalidArgument("a record kind name must be non-empty, without '/' or NUL: '" +
                                   name + "'");
  }
  if (!core_->read_only) QCFLOW_RETURN_IF_ERROR(core_->PrepareWrite());
  auto use = core_->Use();
  if (!use.ok()) return use.status();
  std::lock_guard<std::mutex> lock(core_->commit_mu);  // one registration at a time
  const std::string key = std::string(keys::kKindPrefix) + name;
  std::string code;
  auto s = core_->db->Get(rocksdb::ReadOptions(), core_->meta, key, &code);
  if (s.ok() && code.size() == 1) return Kind(uint8_t(code[0]));
  if (!s.IsNotFound()) {
    QCFLOW_RETURN_IF_ERROR(FromRocks(s, "reading a registered record kind"));
    return Status::Corruption("the store at " + dir_ + " has a damaged record kind entry '" + key + "'");
  }
  if (core_->read_only) {
    return Status::FailedPrecondition("the store at " + dir_ + " has no record kind '" + name +
                                      "' and is open read-only; run qcflow run once to register it");
  }
  // The next free code: one past the highest registered.
  unsigned next = kFirstRegisteredKind;
  std::unique_ptr<rocksdb::Iterator> it(core_->db->NewIterator(rocksdb::ReadOptions(), core_->meta));
  for (it->Seek(AsSlice(keys::kKindPrefix)); it->Valid() && it->key().starts_with(AsSlice(keys::kKindPrefix));
       it->Next()) {
    if (it->value().size() == 1) next = std::max(next, unsigned(uint8_t(it->value()[0])) + 1);
  }
  QCFLOW_RETURN_IF_ERROR(FromRocks(it->status(), "reading the registered record kinds"));
  if (next > 255) {
    return Status::FailedPrecondition("the store at " + dir_ + " has no record kind code left for '" +
                                     name + "' (" + std::to_string(256 - kFirstRegisteredKind) +
                                     " registered)");
  }
  rocksdb::WriteBatch batch;
  batch.Put(core_->meta, key, std::string(1, char(next)));
  batch.Put(core_->meta, AsSlice(keys::kFormatVersionKey), std::to_string(kStoreFormatVersion));
  QCFLOW_RETURN_IF_ERROR(core_->Write(&batch, "registering the record kind '" + name + "'"));
  NoteRegisteredKind(Kind(uint8_t(next)), name);
  return Kind(uint8_t(next));
}

}  // namespace qcflow
