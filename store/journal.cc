#include "store/journal.h"

#include <rocksdb/write_batch.h>

#include <algorithm>

#include "store/coding.h"
#include "store/db_core.h"
#include "store/store.h"
#include "store/store_keys.h"

namespace qcflow {

Journal::Journal(DbCore* core) : core_(core) {}

Status Journal::Load() {
  std::unique_ptr<rocksdb::Iterator> it(core_->db->NewIterator({}, core_->journal));
  it->SeekToLast();
  QCFLOW_RETURN_IF_ERROR(FromRocks(it->status(), "reading the journal's last record"));
  if (it->Valid()) {
    if (it->key().size() != 8) return Status::Corruption("journal key of unexpected size");
    last_seq_ = coding::GetBigEndian64(std::string_view(it->key().data(), 8));
  }
  std::unique_ptr<rocksdb::Iterator> m(core_->db->NewIterator({}, core_->meta));
  for (m->Seek(rocksdb::Slice(keys::kCountPrefix.data(), keys::kCountPrefix.size())); m->Valid(); m->Next()) {
    std::string_view key(m->key().data(), m->key().size());
    if (key.substr(0, keys::kCountPrefix.size()) != keys::kCountPrefix) break;
    std::string_view value(m->value().data(), m->value().size());
    Count c;
    if (key.size() <= keys::kCountPrefix.size() || !coding::GetFixed64(&value, &c.records) ||
        !coding::GetFixed64(&value, &c.quarantined)) {
      return Status::Corruption("journal counter entry is garbled");
    }
    counts_[{uint8_t(key[keys::kCountPrefix.size()]), std::string(key.substr(keys::kCountPrefix.size() + 1))}] =
        c;
  }
  return FromRocks(m->status(), "reading journal counters");
}

Status Journal::Reload() {
  std::lock_guard<std::mutex> lock(mu_);
  last_seq_ = 0;
  counts_.clear();
  return Load();
}

Status Journal::Validate(const Record& r) const {
  if (core_->read_only) return Status::FailedPrecondition("the store is open read-only");
  if (r.source_id.size() >= 65536) return Status::InvalidArgument("source id longer than 64 KiB");
  if (!IsKnownKind(r.kind)) {
    return Status::InvalidArgument("record kind " + std::to_string(int(r.kind)) +
                                   " is neither built in nor registered (Store::RegisterKind)");
  }
  return Status::OK();
}

Result<AppendResult> Journal::Append(const Record& record) {
  auto r = AppendBatch(std::vector<Record>{record});
  if (!r.ok()) return r.status();
  return r->front();
}

Result<std::vector<AppendResult>> Journal::AppendBatch(const std::vector<Record>& records) {
  for (const Record& r : records) QCFLOW_RETURN_IF_ERROR(Validate(r));
  const size_t n = records.size();
  std::vector<AppendResult> results(n);
  if (n == 0) return results;

  constexpr size_t kNone = SIZE_MAX;
  // Dedup keys of the batch, all in one buffer (no allocation per record).
  size_t batch_bytes = 64;  // WriteBatch size estimate, to allocate it once
  size_t key_bytes = 0;
  for (const Record& r : records) {
    if (!r.dedup_key.empty()) key_bytes += 1 + r.dedup_key.size();
    batch_bytes += 128 + 2 * r.source_id.size() + r.event_time_text.size() +
                   2 * r.dedup_key.size() + r.meta.size() + r.payload.size();
  }
  std::string key_buffer;
  key_buffer.reserve(key_bytes);  // never reallocates below: the views stay valid
  std::vector<std::string_view> dedup_keys(n);
  for (size_t i = 0; i < n; ++i) {
    const Record& r = records[i];
    if (r.dedup_key.empty()) continue;
    const size_t at = key_buffer.size();
    keys::AppendDedup(&key_buffer, r.kind, r.dedup_key);
    dedup_keys[i] = std::string_view(key_buffer).substr(at);
  }
  // Records with a dedup key, in key order (ties in input order). Sorted, the
  // keys make one efficient MultiGet, repeats within the batch are neighbours,
  // and the new dedup entries reach the memtable in key order: inserting sorted
  // runs into the skiplist is far cheaper than inserting keys of interleaved
  // sources in arrival order.
  std::vector<size_t> order;
  order.reserve(n);
  for (size_t i = 0; i < n; ++i)
    if (!dedup_keys[i].empty()) order.push_back(i);
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    int c = dedup_keys[a].compare(dedup_keys[b]);
    return c != 0 ? c < 0 : a < b;
  });
  // first_of[i]: for a repeat within the batch, the first record with its key.
  std::vector<size_t> first_of(n, kNone);
  std::vector<size_t> heads;  // `order` without repeats
  heads.reserve(order.size());
  for (size_t j = 0; j < order.size(); ++j) {
    if (j > 0 && dedup_keys[order[j]] == dedup_keys[order[j - 1]]) {
      const size_t prev = order[j - 1];
      first_of[order[j]] = first_of[prev] == kNone ? prev : first_of[prev];
    } else {
      heads.push_back(order[j]);
    }
  }

  QCFLOW_RETURN_IF_ERROR(core_->PrepareWrite());
  auto use = core_->Use();  // before mu_: the lock order of db_core.h
  if (!use.ok()) return use.status();
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<rocksdb::Slice> keys;
  keys.reserve(heads.size());
  for (size_t i : heads) keys.emplace_back(dedup_keys[i].data(), dedup_keys[i].size());
  std::vector<rocksdb::PinnableSlice> values(heads.size());
  std::vector<rocksdb::Status> statuses(heads.size());
  if (!heads.empty()) {
    core_->db->MultiGet(rocksdb::ReadOptions(), core_->dedup, heads.size(), keys.data(),
                        values.data(), statuses.data(), /*sorted_input=*/true);
  }
  std::vector<bool> known(n, false);
  for (size_t j = 0; j < heads.size(); ++j) {
    if (statuses[j].IsNotFound()) continue;
    QCFLOW_RETURN_IF_ERROR(FromRocks(statuses[j], "checking a dedup key"));
    std::string_view v(values[j].data(), values[j].size());
    uint64_t seq = 0;
    if (!coding::GetFixed64(&v, &seq)) return Status::Corruption("dedup entry is garbled");
    results[heads[j]] = {seq, true};
    known[heads[j]] = true;
  }

  rocksdb::WriteBatch batch(batch_bytes);
  std::map<CountKey, Count> touched;
  uint64_t seq = last_seq_;
  std::string envelope, index_key, seq_value;
  for (size_t i = 0; i < n; ++i) {
    if (known[i]) continue;
    if (first_of[i] != kNone) {  // repeats a record earlier in this batch
      results[i] = {results[first_of[i]].seq, true};
      continue;
    }
    const Record& r = records[i];
    ++seq;
    results[i] = {seq, false};
    EncodeEnvelope(r, &envelope);
    batch.Put(core_->journal, keys::Seq(seq), envelope);
    keys::SetIndex(&index_key, r.kind, r.source_id, r.event_time, seq);
    batch.Put(core_->index, index_key, rocksdb::Slice());
    keys::SetKindSeq(&index_key, r.kind, seq);
    batch.Put(core_->index, index_key, rocksdb::Slice());
    CountKey ck{uint8_t(r.kind), r.source_id};
    auto t = touched.find(ck);
    if (t == touched.end()) {
      auto base = counts_.find(ck);
      t = touched.emplace(ck, base == counts_.end() ? Count{} : base->second).first;
    }
    ++t->second.records;
    if (r.quarantined()) ++t->second.quarantined;
  }
  if (seq == last_seq_) return results;  // all duplicates: nothing to write
  for (size_t i : heads) {  // dedup entries of the new records, in key order
    if (known[i]) continue;
    seq_value.clear();
    coding::PutFixed64(&seq_value, results[i].seq);
    batch.Put(core_->dedup, rocksdb::Slice(dedup_keys[i].data(), dedup_keys[i].size()), seq_value);
  }
  for (const auto& [ck, c] : touched) {
    std::string v;
    coding::PutFixed64(&v, c.records);
    coding::PutFixed64(&v, c.quarantined);
    batch.Put(core_->meta, keys::Count(std::get<0>(ck), std::get<1>(ck)), v);
  }
  QCFLOW_RETURN_IF_ERROR(core_->Write(&batch, "appending to the journal"));
  last_seq_ = seq;
  for (auto& [ck, c] : touched) counts_[ck] = c;
  appended_.notify_all();
  return results;
}

Result<Record> Journal::Get(uint64_t seq) {
  auto use = core_->Use();
  if (!use.ok()) return use.status();
  std::string value;
  auto s = core_->db->Get(rocksdb::ReadOptions(), core_->journal, keys::Seq(seq), &value);
  if (s.IsNotFound()) return Status::NotFound("no journal record with seq " + std::to_string(seq));
  QCFLOW_RETURN_IF_ERROR(FromRocks(s, "reading journal record " + std::to_string(seq)));
  auto view = DecodeEnvelope(value);
  if (!view.ok()) return view.status().WithContext("journal record " + std::to_string(seq));
  return view->ToRecord();
}

Result<std::vector<std::optional<Record>>> Journal::GetMany(const std::vector<uint64_t>& seqs) {
  auto use = core_->Use();
  if (!use.ok()) return use.status();
  std::vector<size_t> order(seqs.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return seqs[a] < seqs[b]; });
  std::vector<std::string> key_bytes(seqs.size());
  std::vector<rocksdb::Slice> keys(seqs.size());
  for (size_t j = 0; j < order.size(); ++j) {
    key_bytes[j] = keys::Seq(seqs[order[j]]);
    keys[j] = rocksdb::Slice(key_bytes[j]);
  }
  std::vector<rocksdb::PinnableSlice> values(seqs.size());
  std::vector<rocksdb::Status> statuses(seqs.size());
  if (!seqs.empty()) {
    core_->db->MultiGet(rocksdb::ReadOptions(), core_->journal, keys.size(), keys.data(),
                        values.data(), statuses.data(), /*sorted_input=*/true);
  }
  std::vector<std::optional<Record>> out(seqs.size());
  for (size_t j = 0; j < order.size(); ++j) {
    const uint64_t seq = seqs[order[j]];
    if (statuses[j].IsNotFound()) continue;
    QCFLOW_RETURN_IF_ERROR(FromRocks(statuses[j], "reading journal record " + std::to_string(seq)));
    auto view = DecodeEnvelope(std::string_view(values[j].data(), values[j].size()));
    if (!view.ok()) return view.status().WithContext("journal record " + std::to_string(seq));
    out[order[j]] = view->ToRecord();
    values[j].Reset();  // a copied value is not held twice
  }
  return out;
}

Result<uint64_t> Journal::Scan(uint64_t from_seq, size_t limit, const Visitor& visit) {
  auto use = core_->Use();
  if (!use.ok()) return use.status();
  rocksdb::ReadOptions ro;
  ro.readahead_size = 2 << 20;
  std::unique_ptr<rocksdb::Iterator> it(core_->db->NewIterator(ro, core_->journal));
  uint64_t next = from_seq;
  size_t visited = 0;
  for (it->Seek(keys::Seq(from_seq)); it->Valid() && visited < limit; it->Next()) {
    uint64_t seq = coding::GetBigEndian64(std::string_view(it->key().data(), 8));
    auto view = DecodeEnvelope(std::string_view(it->value().data(), it->value().size()));
    if (!view.ok()) return view.status().WithContext("journal record " + std::to_string(seq));
    next = seq + 1;
    ++visited;
    if (!visit(seq, *view)) break;
  }
  QCFLOW_RETURN_IF_ERROR(FromRocks(it->status(), "scanning the journal"));
  return next;
}

Result<uint64_t> Journal::ScanKinds(uint64_t from_seq, size_t limit, const std::vector<Kind>& kinds,
                                    const Visitor& visit) {
  if (core_->kind_index) return ScanKindsByIndex(from_seq, limit, kinds, visit);
  return ScanKindsByJournal(from_seq, limit, kinds, visit);
}

Result<uint64_t> Journal::ScanKindsByIndex(uint64_t from_seq, size_t limit,
                                           const std::vector<Kind>& kinds, const Visitor& visit) {
  auto use = core_->Use();
  if (!use.ok()) return use.status();
  // Every seq up to `end` is committed (last_seq_ moves after the write), so
  // the iterators below, made after, see all of them; later ones are left for
  // the next scan, which keeps the returned position exact.
  const uint64_t end = last_seq();
  if (from_seq > end || limit == 0) return from_seq;
  // One index iterator per kind, merged by seq (a transform reads one or two kinds).
  struct Cursor {
    std::unique_ptr<rocksdb::Iterator> it;
    std::string prefix;
    uint64_t seq = 0;  // of the current entry; 0: exhausted
  };
  std::vector<Cursor> cursors(kinds.size());
  auto advance = [&](Cursor& c) -> Status {
    c.seq = 0;
    if (!c.it->Valid()) return FromRocks(c.it->status(), "reading the journal's kind index");
    std::string_view key(c.it->key().data(), c.it->key().size());
    if (key.size() != c.prefix.size() + 8 || key.substr(0, c.prefix.size()) != c.prefix) return Status::OK();
    const uint64_t seq = coding::GetBigEndian64(key.substr(c.prefix.size()));
    if (seq <= end) c.seq = seq;
    return Status::OK();
  };
  for (size_t i = 0; i < kinds.size(); ++i) {
    Cursor& c = cursors[i];
    c.prefix = keys::KindSeqPrefix(kinds[i]);
    c.it.reset(core_->db->NewIterator({}, core_->index));
    c.it->Seek(keys::KindSeq(kinds[i], from_seq));
    QCFLOW_RETURN_IF_ERROR(advance(c));
  }
  rocksdb::ReadOptions ro;
  ro.readahead_size = 2 << 20;
  std::unique_ptr<rocksdb::Iterator> records(core_->db->NewIterator(ro, core_->journal));
  size_t visited = 0;
  uint64_t last = 0;  // the last record read
  while (visited < limit) {
    Cursor* next = nullptr;
    for (Cursor& c : cursors)
      if (c.seq != 0 && (!next || c.seq < next->seq)) next = &c;
    if (!next) return end + 1;  // every record of the kinds up to `end` was visited
    const uint64_t seq = next->seq;
    // Neighbouring records are one Next() apart; others need a seek.
    if (last != 0 && seq == last + 1 && records->Valid()) {
      records->Next();
    } else {
      records->Seek(keys::Seq(seq));
    }
    if (!records->Valid() || records->key().size() != 8 ||
        coding::GetBigEndian64(std::string_view(records->key().data(), 8)) != seq) {
      QCFLOW_RETURN_IF_ERROR(FromRocks(records->status(), "scanning the journal"));
      return Status::Corruption("the kind index points at missing journal record " + std::to_string(seq));
    }
    auto view = DecodeEnvelope(std::string_view(records->value().data(), records->value().size()));
    if (!view.ok()) return view.status().WithContext("journal record " + std::to_string(seq));
    last = seq;
    ++visited;
    if (!visit(seq, *view)) break;
    next->it->Next();
    QCFLOW_RETURN_IF_ERROR(advance(*next));
  }
  return last + 1;
}

Result<uint64_t> Journal::ScanKindsByJournal(uint64_t from_seq, size_t limit,
                                             const std::vector<Kind>& kinds, const Visitor& visit) {
  auto use = core_->Use();
  if (!use.ok()) return use.status();
  const uint64_t end = last_seq();  // as in ScanKindsByIndex
  if (from_seq > end || limit == 0) return from_seq;
  rocksdb::ReadOptions ro;
  ro.readahead_size = 2 << 20;
  std::unique_ptr<rocksdb::Iterator> it(core_->db->NewIterator(ro, core_->journal));
  size_t visited = 0;
  for (it->Seek(keys::Seq(from_seq)); it->Valid(); it->Next()) {
    const uint64_t seq = coding::GetBigEndian64(std::string_view(it->key().data(), 8));
    if (seq > end) break;
    auto view = DecodeEnvelope(std::string_view(it->value().data(), it->value().size()));
    if (!view.ok()) return view.status().WithContext("journal record " + std::to_string(seq));
    if (std::find(kinds.begin(), kinds.end(), view->kind) == kinds.end()) continue;
    if (!visit(seq, *view) || ++visited == limit) return seq + 1;
  }
  QCFLOW_RETURN_IF_ERROR(FromRocks(it->status(), "scanning the journal"));
  return end + 1;
}

Result<uint64_t> Journal::BuildKindIndex(const std::function<void(uint64_t)>& progress) {
  auto use = core_->Use();
  if (!use.ok()) return use.status();
  std::unique_ptr<rocksdb::Iterator> it(core_->db->NewIterator({}, core_->journal));
  rocksdb::WriteBatch batch;
  std::string key;
  uint64_t indexed = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    if (it->key().size() != 8) return Status::Corruption("journal key of unexpected size");
    const uint64_t seq = coding::GetBigEndian64(std::string_view(it->key().data(), 8));
    auto view = DecodeEnvelope(std::string_view(it->value().data(), it->value().size()));
    if (!view.ok()) return view.status().WithContext("journal record " + std::to_string(seq));
    keys::SetKindSeq(&key, view->kind, seq);
    batch.Put(core_->index, key, rocksdb::Slice());
    if (++indexed % 65536 == 0) {
      QCFLOW_RETURN_IF_ERROR(core_->Write(&batch, "indexing the journal by kind"));
      batch.Clear();
      if (progress) progress(indexed);
    }
  }
  QCFLOW_RETURN_IF_ERROR(FromRocks(it->status(), "reading the journal to index it"));
  if (batch.Count() > 0) QCFLOW_RETURN_IF_ERROR(core_->Write(&batch, "indexing the journal by kind"));
  return indexed;
}

Status Journal::Query(const IndexQuery& q, const Visitor& visit) {
  std::vector<std::string> sources;
  if (q.source_id) {
    sources.push_back(*q.source_id);
  } else {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [ck, c] : counts_)
      if (std::get<0>(ck) == uint8_t(q.kind)) sources.push_back(std::get<1>(ck));
  }
  auto use = core_->Use();
  if (!use.ok()) return use.status();
  // Collect (time, seq) hits per source, then merge by time: the index orders by
  // time only within one source.
  std::vector<std::pair<MicrosUtc, uint64_t>> hits;
  for (const std::string& source : sources) {
    std::string prefix = keys::IndexPrefix(q.kind, source);
    std::string start = prefix;
    coding::PutBigEndian64(&start, coding::OrderedFromSigned(q.from));
    std::unique_ptr<rocksdb::Iterator> it(core_->db->NewIterator({}, core_->index));
    size_t taken = 0;
    for (it->Seek(start); it->Valid() && taken < q.limit; it->Next()) {
      std::string_view key(it->key().data(), it->key().size());
      if (key.size() != prefix.size() + 16 || key.substr(0, prefix.size()) != prefix) break;
      MicrosUtc t = coding::SignedFromOrdered(coding::GetBigEndian64(key.substr(prefix.size())));
      if (t >= q.until) break;
      hits.emplace_back(t, coding::GetBigEndian64(key.substr(prefix.size() + 8)));
      ++taken;
    }
    QCFLOW_RETURN_IF_ERROR(FromRocks(it->status(), "reading the journal index"));
  }
  std::sort(hits.begin(), hits.end());
  if (hits.size() > q.limit) hits.resize(q.limit);
  std::string value;
  for (const auto& [t, seq] : hits) {
    auto s = core_->db->Get(rocksdb::ReadOptions(), core_->journal, keys::Seq(seq), &value);
    if (s.IsNotFound()) {
      return Status::Corruption("index points at missing journal record " + std::to_string(seq));
    }
    QCFLOW_RETURN_IF_ERROR(FromRocks(s, "reading journal record " + std::to_string(seq)));
    auto view = DecodeEnvelope(value);
    if (!view.ok()) return view.status().WithContext("journal record " + std::to_string(seq));
    if (!visit(seq, *view)) break;
  }
  return Status::OK();
}

Result<std::optional<uint64_t>> Journal::FindDedup(Kind kind, const std::string& dedup_key) {
  auto use = core_->Use();
  if (!use.ok()) return use.status();
  std::string value;
  auto s = core_->db->Get(rocksdb::ReadOptions(), core_->dedup, keys::Dedup(kind, dedup_key), &value);
  if (s.IsNotFound()) return std::optional<uint64_t>();
  QCFLOW_RETURN_IF_ERROR(FromRocks(s, "reading a dedup key"));
  std::string_view v(value);
  uint64_t seq = 0;
  if (!coding::GetFixed64(&v, &seq)) return Status::Corruption("dedup entry is garbled");
  return std::optional<uint64_t>(seq);
}

uint64_t Journal::last_seq() const {
  std::lock_guard<std::mutex> lock(mu_);
  return last_seq_;
}

bool Journal::WaitForAppend(uint64_t after_seq, std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  return appended_.wait_for(lock, timeout, [&] { return last_seq_ > after_seq; });
}

std::vector<SourceCount> Journal::Counts() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<SourceCount> out;
  for (const auto& [ck, c] : counts_) {
    out.push_back({Kind(std::get<0>(ck)), std::get<1>(ck), c.records, c.quarantined});
  }
  return out;
}

}  // namespace qcflow
