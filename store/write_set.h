// WriteSet: a list of updates to derived records, cursors and outboxes that
// Store::Commit applies atomically — so a transform's output and its cursor
// advance, or a sink's outbox entry and the session it delivers, never disagree.
#ifndef QCFLOW_STORE_WRITE_SET_H_
#define QCFLOW_STORE_WRITE_SET_H_

#include <cstdint>
#include <string>
#include <vector>

namespace qcflow {

class WriteSet {
 public:
  // Stores a derived record under (ns, key) unless it already exists.
  // REQUIRES: ns non-empty and without '\0'.
  void PutDerived(std::string ns, std::string key, std::string value);
  // Stores or overwrites a derived record (for records that legitimately grow,
  // e.g. a delivery still in progress).
  void ReplaceDerived(std::string ns, std::string key, std::string value);
  // Removes a derived record (a missing one is fine): for work lists that
  // shrink as the work is done, e.g. files waiting to be moved after their
  // upload. Sessions and what sinks deliver are never removed.
  void DeleteDerived(std::string ns, std::string key);
  // Adds a secondary-index entry `index_key` under `index` pointing at (ns, key).
  // Entries are kept in bytewise order of index_key; use coding.h to build keys.
  void PutDerivedIndex(std::string index, std::string index_key, std::string ns, std::string key);
  // Moves `consumer`'s cursor to `next_seq` (the next journal seq to read).
  void SetCursor(std::string consumer, uint64_t next_seq);
  // Queues (ref_ns, ref_key) for delivery by `sink` unless `item_id` was ever
  // queued for that sink before. `group` orders delivery (e.g. one unit).
  void Enqueue(std::string sink, std::string item_id, std::string ref_ns, std::string ref_key,
               std::string group);
  // Queues (ref_ns, ref_key) for `sink` again even if `item_id` was delivered
  // before (e.g. the QATrack+ server was restored from a backup); a no-op while
  // the id is still queued (pending or dead letter). Counted like Enqueue.
  void Requeue(std::string sink, std::string item_id, std::string ref_ns, std::string ref_key,
               std::string group);

  bool empty() const { return ops_.empty(); }
  size_t size() const { return ops_.size(); }

  enum class OpType { kPutDerived, kReplaceDerived, kDeleteDerived, kPutIndex, kSetCursor, kEnqueue, kRequeue };
  struct Op {
    OpType type;
    std::string a, b, c, d, e;  // meaning depends on type; see write_set.cc
    uint64_t n = 0;
  };
  const std::vector<Op>& ops() const { return ops_; }

 private:
  std::vector<Op> ops_;
};

struct CommitResult {
  int derived_created = 0;
  int derived_unchanged = 0;
  std::vector<std::string> derived_conflicts;  // "ns/key" left untouched
  int enqueued = 0;
  int enqueue_duplicates = 0;
};

}  // namespace qcflow

#endif  // QCFLOW_STORE_WRITE_SET_H_
