#include "store/derived.h"

#include <memory>

#include "store/db_core.h"
#include "store/store_keys.h"

namespace qcflow {

Result<std::optional<std::string>> Derived::Get(std::string_view ns, std::string_view key) {
  auto use = core_->Use();
  if (!use.ok()) return use.status();
  std::string k = keys::DerivedPrefix(ns);
  k.append(key);
  std::string value;
  auto s = core_->db->Get(rocksdb::ReadOptions(), core_->derived, k, &value);
  if (s.IsNotFound()) return std::optional<std::string>();
  QCFLOW_RETURN_IF_ERROR(FromRocks(s, "reading a derived record"));
  return std::optional<std::string>(std::move(value));
}

Status Derived::Scan(std::string_view ns, std::string_view key_prefix, const Visitor& visit) {
  auto use = core_->Use();
  if (!use.ok()) return use.status();
  std::string prefix = keys::DerivedPrefix(ns);
  const size_t ns_len = prefix.size();
  prefix.append(key_prefix);
  std::unique_ptr<rocksdb::Iterator> it(core_->db->NewIterator({}, core_->derived));
  for (it->Seek(prefix); it->Valid(); it->Next()) {
    std::string_view k(it->key().data(), it->key().size());
    if (k.substr(0, prefix.size()) != prefix) break;
    if (!visit(k.substr(ns_len), std::string_view(it->value().data(), it->value().size()))) break;
  }
  return FromRocks(it->status(), "scanning derived records");
}

Status Derived::ScanIndex(std::string_view index, std::string_view from, std::string_view until,
                          const IndexVisitor& visit) {
  auto use = core_->Use();
  if (!use.ok()) return use.status();
  std::string prefix = keys::DerivedIndexPrefix(index);
  std::unique_ptr<rocksdb::Iterator> it(core_->db->NewIterator({}, core_->derived));
  for (it->Seek(prefix + std::string(from)); it->Valid(); it->Next()) {
    std::string_view k(it->key().data(), it->key().size());
    if (k.substr(0, prefix.size()) != prefix) break;
    std::string_view index_key = k.substr(prefix.size());
    if (!until.empty() && index_key >= until) break;
    std::string_view v(it->value().data(), it->value().size());
    size_t zero = v.find('\0');
    if (zero == std::string_view::npos) return Status::Corruption("derived index entry is garbled");
    if (!visit(index_key, v.substr(0, zero), v.substr(zero + 1))) break;
  }
  return FromRocks(it->status(), "scanning a derived index");
}

Status Derived::ScanIndexed(std::string_view index, std::string_view from, std::string_view until,
                            const IndexedVisitor& visit) {
  Status bad;
  QCFLOW_RETURN_IF_ERROR(ScanIndex(index, from, until, [&](std::string_view, std::string_view ns,
                                                         std::string_view key) {
    auto v = Get(ns, key);
    if (!v.ok() || !v->has_value()) {
      bad = v.ok() ? Status::Corruption("index " + std::string(index) + " points at a missing " +
                                        std::string(ns) + " record; run `qcflow status` and report it")
                   : v.status();
      return false;
    }
    return visit(**v);
  }));
  return bad;
}

}  // namespace qcflow
