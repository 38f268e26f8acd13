#include "store/write_set.h"

namespace qcflow {

// Op field use: kPutDerived/kReplaceDerived a=ns b=key c=value; kDeleteDerived a=ns b=key;
// kPutIndex a=index b=index_key c=ns d=key; kSetCursor a=consumer n=seq;
// kEnqueue/kRequeue a=sink b=item_id c=ref_ns d=ref_key e=group.
void WriteSet::PutDerived(std::string ns, std::string key, std::string value) {
  ops_.push_back({OpType::kPutDerived, std::move(ns), std::move(key), std::move(value), {}, {}});
}

void WriteSet::ReplaceDerived(std::string ns, std::string key, std::string value) {
  ops_.push_back(
      {OpType::kReplaceDerived, std::move(ns), std::move(key), std::move(value), {}, {}});
}

void WriteSet::DeleteDerived(std::string ns, std::string key) {
  ops_.push_back({OpType::kDeleteDerived, std::move(ns), std::move(key), {}, {}, {}});
}

void WriteSet::PutDerivedIndex(std::string index, std::string index_key, std::string ns,
                               std::string key) {
  ops_.push_back({OpType::kPutIndex, std::move(index), std::move(index_key), std::move(ns),
                  std::move(key), {}});
}

void WriteSet::SetCursor(std::string consumer, uint64_t next_seq) {
  Op op{OpType::kSetCursor, std::move(consumer), {}, {}, {}, {}};
  op.n = next_seq;
  ops_.push_back(std::move(op));
}

void WriteSet::Enqueue(std::string sink, std::string item_id, std::string ref_ns,
                       std::string ref_key, std::string group) {
  ops_.push_back({OpType::kEnqueue, std::move(sink), std::move(item_id), std::move(ref_ns),
                  std::move(ref_key), std::move(group)});
}

void WriteSet::Requeue(std::string sink, std::string item_id, std::string ref_ns,
                       std::string ref_key, std::string group) {
  ops_.push_back({OpType::kRequeue, std::move(sink), std::move(item_id), std::move(ref_ns),
                  std::move(ref_key), std::move(group)});
}

}  // namespace qcflow
