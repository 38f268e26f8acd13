#include "store/outbox.h"

#include <rocksdb/write_batch.h>

#include <algorithm>
#include <map>
#include <memory>

#include "store/db_core.h"
#include "store/write_set.h"
#include "store/store_keys.h"

namespace qcflow {
namespace {

constexpr uint8_t kItemVersion = 1;
constexpr uint8_t kIdQueued = 0;
constexpr uint8_t kIdDelivered = 1;

struct SinkStats {
  uint64_t delivered = 0;
  MicrosUtc last_success = 0, last_error_at = 0;
  std::string last_error;
};

std::string EncodeStats(const SinkStats& s) {
  std::string v;
  coding::PutFixed64(&v, s.delivered);
  coding::PutFixed64(&v, uint64_t(s.last_success));
  coding::PutFixed64(&v, uint64_t(s.last_error_at));
  coding::PutLengthPrefixed(&v, s.last_error);
  return v;
}

Result<SinkStats> ReadStats(DbCore* core, const std::string& sink) {
  std::string value;
  auto s = core->db->Get(rocksdb::ReadOptions(), core->outbox, keys::OutboxStats(sink), &value);
  SinkStats st;
  if (s.IsNotFound()) return st;
  QCFLOW_RETURN_IF_ERROR(FromRocks(s, "reading sink statistics"));
  std::string_view in(value), err;
  uint64_t a, b;
  if (!coding::GetFixed64(&in, &st.delivered) || !coding::GetFixed64(&in, &a) ||
      !coding::GetFixed64(&in, &b) || !coding::GetLengthPrefixed(&in, &err)) {
    return Status::Corruption("sink statistics for '" + sink + "' are garbled");
  }
  st.last_success = MicrosUtc(a);
  st.last_error_at = MicrosUtc(b);
  st.last_error = err;
  return st;
}

std::string IdValue(uint64_t order, uint8_t state) {
  std::string v;
  coding::PutBigEndian64(&v, order);
  v.push_back(char(state));
  return v;
}

}  // namespace

std::string EncodeOutboxItem(const OutboxItem& item) {
  std::string v;
  v.push_back(char(kItemVersion));
  coding::PutLengthPrefixed(&v, item.item_id);
  coding::PutLengthPrefixed(&v, item.ref_ns);
  coding::PutLengthPrefixed(&v, item.ref_key);
  coding::PutLengthPrefixed(&v, item.group);
  v.push_back(char(item.state));
  coding::PutVarint64(&v, item.attempts);
  coding::PutFixed64(&v, uint64_t(item.enqueued_at));
  coding::PutFixed64(&v, uint64_t(item.next_try_at));
  coding::PutFixed64(&v, uint64_t(item.updated_at));
  coding::PutLengthPrefixed(&v, item.last_error);
  return v;
}

Result<OutboxItem> DecodeOutboxItem(std::string_view sink, uint64_t order, std::string_view in) {
  OutboxItem item;
  item.sink = sink;
  item.order = order;
  uint8_t version = 0, state = 0;
  uint64_t attempts = 0, enq = 0, next = 0, upd = 0;
  std::string_view id, ns, key, group, err;
  if (!coding::GetByte(&in, &version)) return Status::Corruption("empty outbox item");
  if (version != kItemVersion) {
    return Status::Incompatible("outbox item has version " + std::to_string(version));
  }
  bool ok = coding::GetLengthPrefixed(&in, &id) && coding::GetLengthPrefixed(&in, &ns) &&
            coding::GetLengthPrefixed(&in, &key) && coding::GetLengthPrefixed(&in, &group) &&
            coding::GetByte(&in, &state) && coding::GetVarint64(&in, &attempts) &&
            coding::GetFixed64(&in, &enq) && coding::GetFixed64(&in, &next) &&
            coding::GetFixed64(&in, &upd) && coding::GetLengthPrefixed(&in, &err) && in.empty();
  if (!ok || state > uint8_t(OutboxState::kDeadLetter)) {
    return Status::Corruption("outbox item is garbled");
  }
  item.item_id = id;
  item.ref_ns = ns;
  item.ref_key = key;
  item.group = group;
  item.state = OutboxState(state);
  item.attempts = uint32_t(attempts);
  item.enqueued_at = MicrosUtc(enq);
  item.next_try_at = MicrosUtc(next);
  item.updated_at = MicrosUtc(upd);
  item.last_error = err;
  return item;
}

Result<std::vector<OutboxItem>> Outbox::List(const std::string& sink, size_t limit,
                                             bool include_dead) {
  std::vector<OutboxItem> out;
  if (limit == 0) return out;
  QCFLOW_RETURN_IF_ERROR(Visit(sink, include_dead, [&](OutboxItem item) {
    out.push_back(std::move(item));
    return out.size() < limit;
  }));
  return out;
}

Result<std::vector<OutboxItem>> Outbox::ListWhile(
    const std::string& sink, const std::function<bool(const OutboxItem&)>& more) {
  std::vector<OutboxItem> out;
  QCFLOW_RETURN_IF_ERROR(Visit(sink, /*include_dead=*/false, [&](OutboxItem item) {
    out.push_back(std::move(item));
    return more(out.back());
  }));
  return out;
}

Status Outbox::Visit(const std::string& sink, bool include_dead,
                     const std::function<bool(OutboxItem)>& visit) {
  auto use = core_->Use();
  if (!use.ok()) return use.status();
  std::string prefix = keys::OutboxQueuePrefix(sink);
  std::unique_ptr<rocksdb::Iterator> it(core_->db->NewIterator({}, core_->outbox));
  for (it->Seek(prefix); it->Valid(); it->Next()) {
    std::string_view k(it->key().data(), it->key().size());
    if (k.substr(0, prefix.size()) != prefix || k.size() != prefix.size() + 8) break;
    auto item = DecodeOutboxItem(sink, coding::GetBigEndian64(k.substr(prefix.size())),
                                 std::string_view(it->value().data(), it->value().size()));
    if (!item.ok()) return item.status();
    if (item->state == OutboxState::kDeadLetter && !include_dead) continue;
    if (!visit(std::move(*item))) return Status::OK();
  }
  return FromRocks(it->status(), "listing the outbox of " + sink);
}

Status Outbox::Update(const OutboxItem& item) {
  QCFLOW_RETURN_IF_ERROR(core_->PrepareWrite());
  auto use = core_->Use();  // before commit_mu: the lock order of db_core.h
  if (!use.ok()) return use.status();
  std::lock_guard<std::mutex> lock(core_->commit_mu);
  std::string key = keys::OutboxQueue(item.sink, item.order), existing;
  auto s = core_->db->Get(rocksdb::ReadOptions(), core_->outbox, key, &existing);
  if (s.IsNotFound()) return Status::NotFound("outbox item " + item.item_id + " is not queued");
  QCFLOW_RETURN_IF_ERROR(FromRocks(s, "reading an outbox item"));
  writes_.fetch_add(1, std::memory_order_relaxed);
  rocksdb::WriteBatch batch;
  batch.Put(core_->outbox, key, EncodeOutboxItem(item));
  return core_->Write(&batch, "updating an outbox item");
}

Status Outbox::Ack(const OutboxItem& item, MicrosUtc when) {
  QCFLOW_RETURN_IF_ERROR(core_->PrepareWrite());
  auto use = core_->Use();  // before commit_mu: the lock order of db_core.h
  if (!use.ok()) return use.status();
  std::lock_guard<std::mutex> lock(core_->commit_mu);
  auto stats = ReadStats(core_, item.sink);
  if (!stats.ok()) return stats.status();
  ++stats->delivered;
  stats->last_success = when;
  rocksdb::WriteBatch batch;
  batch.Delete(core_->outbox, keys::OutboxQueue(item.sink, item.order));
  batch.Put(core_->outbox, keys::OutboxItemId(item.sink, item.item_id),
            IdValue(item.order, kIdDelivered));
  batch.Put(core_->outbox, keys::OutboxStats(item.sink), EncodeStats(*stats));
  writes_.fetch_add(1, std::memory_order_relaxed);
  return core_->Write(&batch, "acknowledging a delivery");
}

Status Outbox::UpdateMany(const std::vector<OutboxItem>& items) {
  return Settle(items, {}, {});
}

Status Outbox::AckMany(const std::vector<std::pair<OutboxItem, MicrosUtc>>& acks) {
  return Settle({}, acks, {});
}

Status Outbox::Settle(const std::vector<OutboxItem>& updates,
                      const std::vector<std::pair<OutboxItem, MicrosUtc>>& acks,
                      const std::vector<SinkError>& errors) {
  if (updates.empty() && acks.empty() && errors.empty()) return Status::OK();
  QCFLOW_RETURN_IF_ERROR(core_->PrepareWrite());
  auto use = core_->Use();  // before commit_mu: the lock order of db_core.h
  if (!use.ok()) return use.status();
  std::lock_guard<std::mutex> lock(core_->commit_mu);
  auto queued = [&](const OutboxItem& item) -> Status {
    std::string existing;
    auto s = core_->db->Get(rocksdb::ReadOptions(), core_->outbox,
                            keys::OutboxQueue(item.sink, item.order), &existing);
    if (s.IsNotFound()) return Status::NotFound("outbox item " + item.item_id + " is not queued");
    return FromRocks(s, "reading an outbox item");
  };
  // Statistics of every sink touched, read once and written once.
  std::map<std::string, SinkStats> stats;
  auto stats_of = [&](const std::string& sink) -> Result<SinkStats*> {
    auto it = stats.find(sink);
    if (it == stats.end()) {
      auto read = ReadStats(core_, sink);
      if (!read.ok()) return read.status();
      it = stats.emplace(sink, std::move(*read)).first;
    }
    return &it->second;
  };
  rocksdb::WriteBatch batch;
  for (const OutboxItem& item : updates) {
    QCFLOW_RETURN_IF_ERROR(queued(item));
    batch.Put(core_->outbox, keys::OutboxQueue(item.sink, item.order), EncodeOutboxItem(item));
  }
  for (const auto& [item, when] : acks) {
    QCFLOW_RETURN_IF_ERROR(queued(item));
    auto st = stats_of(item.sink);
    if (!st.ok()) return st.status();
    ++(*st)->delivered;
    (*st)->last_success = when;  // as Ack one by one: the last wins
    batch.Delete(core_->outbox, keys::OutboxQueue(item.sink, item.order));
    batch.Put(core_->outbox, keys::OutboxItemId(item.sink, item.item_id),
              IdValue(item.order, kIdDelivered));
  }
  for (const SinkError& e : errors) {
    auto st = stats_of(e.sink);
    if (!st.ok()) return st.status();
    (*st)->last_error = e.error;
    (*st)->last_error_at = e.when;
  }
  for (const auto& [sink, st] : stats) batch.Put(core_->outbox, keys::OutboxStats(sink), EncodeStats(st));
  writes_.fetch_add(1, std::memory_order_relaxed);
  return core_->Write(&batch, "settling outbox items");
}

Status Outbox::RecordSinkError(const std::string& sink, const std::string& error, MicrosUtc when) {
  QCFLOW_RETURN_IF_ERROR(core_->PrepareWrite());
  auto use = core_->Use();  // before commit_mu: the lock order of db_core.h
  if (!use.ok()) return use.status();
  std::lock_guard<std::mutex> lock(core_->commit_mu);
  auto stats = ReadStats(core_, sink);
  if (!stats.ok()) return stats.status();
  stats->last_error = error;
  stats->last_error_at = when;
  writes_.fetch_add(1, std::memory_order_relaxed);
  rocksdb::WriteBatch batch;
  batch.Put(core_->outbox, keys::OutboxStats(sink), EncodeStats(*stats));
  return core_->Write(&batch, "recording a sink error");
}

Result<size_t> Outbox::RequeueDeadLetters(const std::string& sink, MicrosUtc now) {
  QCFLOW_RETURN_IF_ERROR(core_->PrepareWrite());
  auto use = core_->Use();  // before commit_mu: the lock order of db_core.h
  if (!use.ok()) return use.status();
  // List under the commit lock: an item acknowledged between the listing and
  // this write must not be put back in the queue (it would be sent again).
  std::lock_guard<std::mutex> lock(core_->commit_mu);
  auto items = List(sink, SIZE_MAX, /*include_dead=*/true);
  if (!items.ok()) return items.status();
  rocksdb::WriteBatch batch;
  size_t n = 0;
  for (OutboxItem& item : *items) {
    if (item.state != OutboxState::kDeadLetter) continue;
    item.state = OutboxState::kPending;
    item.attempts = 0;
    item.next_try_at = 0;
    item.updated_at = now;
    batch.Put(core_->outbox, keys::OutboxQueue(sink, item.order), EncodeOutboxItem(item));
    ++n;
  }
  if (n > 0) {
    writes_.fetch_add(1, std::memory_order_relaxed);
    QCFLOW_RETURN_IF_ERROR(core_->Write(&batch, "re-queueing dead letters"));
  }
  return n;
}

Result<bool> Outbox::WasDelivered(const std::string& sink, const std::string& item_id) {
  auto use = core_->Use();
  if (!use.ok()) return use.status();
  std::string value;
  auto s = core_->db->Get(rocksdb::ReadOptions(), core_->outbox,
                          keys::OutboxItemId(sink, item_id), &value);
  if (s.IsNotFound()) return false;
  QCFLOW_RETURN_IF_ERROR(FromRocks(s, "reading an outbox item id"));
  return value.size() == 9 && uint8_t(value[8]) == kIdDelivered;
}

Result<SinkCounters> Outbox::Counters(const std::string& sink, MicrosUtc now) {
  auto use = core_->Use();
  if (!use.ok()) return use.status();
  auto items = List(sink, SIZE_MAX, /*include_dead=*/true);
  if (!items.ok()) return items.status();
  auto stats = ReadStats(core_, sink);
  if (!stats.ok()) return stats.status();
  SinkCounters c;
  for (const OutboxItem& item : *items) {
    if (item.state == OutboxState::kDeadLetter) {
      ++c.dead_letters;
    } else {
      ++c.pending;
      if (item.next_try_at > now) ++c.in_backoff;
      if (item.enqueued_at > 0 && (c.oldest_pending == 0 || item.enqueued_at < c.oldest_pending)) {
        c.oldest_pending = item.enqueued_at;
      }
    }
  }
  c.delivered = stats->delivered;
  c.last_success = stats->last_success;
  c.last_error_at = stats->last_error_at;
  c.last_error = stats->last_error;
  return c;
}

Result<std::vector<std::string>> Outbox::Sinks() {
  auto use = core_->Use();
  if (!use.ok()) return use.status();
  std::vector<std::string> out;
  std::unique_ptr<rocksdb::Iterator> it(core_->db->NewIterator({}, core_->outbox));
  for (it->Seek("s"); it->Valid(); it->Next()) {
    std::string_view k(it->key().data(), it->key().size());
    if (k.empty() || k[0] != 's') break;
    out.emplace_back(k.substr(1));
  }
  QCFLOW_RETURN_IF_ERROR(FromRocks(it->status(), "listing sinks"));
  return out;
}

}  // namespace qcflow

namespace qcflow {

Status LoadOutboxOrder(DbCore* core) {
  std::string value;
  auto s = core->db->Get(rocksdb::ReadOptions(), core->outbox, keys::kOutboxNextOrder, &value);
  if (s.IsNotFound()) return Status::OK();
  QCFLOW_RETURN_IF_ERROR(FromRocks(s, "reading the outbox order"));
  std::string_view in(value);
  if (!coding::GetFixed64(&in, &core->next_outbox_order)) {
    return Status::Corruption("outbox order counter is garbled");
  }
  return Status::OK();
}

Status StageEnqueue(DbCore* core, const std::string& sink, const std::string& item_id,
                    const std::string& ref_ns, const std::string& ref_key,
                    const std::string& group, MicrosUtc now, rocksdb::WriteBatch* batch,
                    CommitResult* result, bool requeue) {
  if (sink.empty() || sink.find('\0') != std::string::npos || item_id.empty()) {
    return Status::InvalidArgument("outbox sink name and item id must be non-empty");
  }
  std::string id_key = keys::OutboxItemId(sink, item_id), value;
  auto s = core->db->Get(rocksdb::ReadOptions(), core->outbox, id_key, &value);
  const bool delivered = s.ok() && value.size() == 9 && uint8_t(value[8]) == kIdDelivered;
  if (s.ok() && !(requeue && delivered)) {
    ++result->enqueue_duplicates;
    return Status::OK();
  }
  if (!s.ok() && !s.IsNotFound()) return FromRocks(s, "checking an outbox item id");
  uint64_t order = core->next_outbox_order++;
  OutboxItem item;
  item.sink = sink;
  item.order = order;
  item.item_id = item_id;
  item.ref_ns = ref_ns;
  item.ref_key = ref_key;
  item.group = group;
  item.enqueued_at = now;
  item.updated_at = now;
  batch->Put(core->outbox, keys::OutboxQueue(sink, order), EncodeOutboxItem(item));
  batch->Put(core->outbox, id_key, IdValue(order, kIdQueued));
  std::string order_value;
  coding::PutFixed64(&order_value, core->next_outbox_order);
  batch->Put(core->outbox, keys::kOutboxNextOrder, order_value);
  auto stats = core->db->Get(rocksdb::ReadOptions(), core->outbox, keys::OutboxStats(sink), &value);
  if (stats.IsNotFound()) batch->Put(core->outbox, keys::OutboxStats(sink), EncodeStats({}));
  ++result->enqueued;
  return Status::OK();
}

}  // namespace qcflow
