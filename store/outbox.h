// Outbox: per-sink delivery queues, durable in the store.
//
// Items are queued by Store::Commit (WriteSet::Enqueue) atomically with the
// derived record they deliver, in a global order that sinks follow. Each item
// carries its delivery state (attempts, next try, last error, dead letter).
// An item id is queued at most once per sink, ever: delivered items are
// remembered, so re-deriving a session cannot send it twice. The one way to
// send a delivered id again is an explicit WriteSet::Requeue (`qcflow replay`).
#ifndef QCFLOW_STORE_OUTBOX_H_
#define QCFLOW_STORE_OUTBOX_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "store/status.h"
#include "store/time_util.h"

namespace qcflow {

struct DbCore;

enum class OutboxState : uint8_t { kPending = 0, kDeadLetter = 1 };

struct OutboxItem {
  std::string sink;
  uint64_t order = 0;          // global enqueue order
  std::string item_id;         // unique per sink (e.g. the session's user_key)
  std::string ref_ns, ref_key; // the derived record to deliver
  std::string group;           // delivery order is kept within a group (e.g. a unit)
  OutboxState state = OutboxState::kPending;
  uint32_t attempts = 0;
  MicrosUtc enqueued_at = 0;
  MicrosUtc next_try_at = 0;   // 0: as soon as possible
  MicrosUtc updated_at = 0;
  std::string last_error;      // "" when none; never contains secrets
};

struct SinkCounters {
  uint64_t pending = 0;        // queued, not dead
  uint64_t in_backoff = 0;     // pending with next_try_at in the future
  MicrosUtc oldest_pending = 0;  // when the longest-waiting pending item was queued; 0: none (the lag)
  uint64_t dead_letters = 0;
  uint64_t delivered = 0;
  MicrosUtc last_success = 0;  // 0: never
  MicrosUtc last_error_at = 0;
  std::string last_error;
};

class Outbox {
 public:
  explicit Outbox(DbCore* core) : core_(core) {}

  // Queued items of `sink` in order; dead letters only when include_dead.
  Result<std::vector<OutboxItem>> List(const std::string& sink, size_t limit,
                                       bool include_dead = false);
  // Pending items of `sink` in order, for as long as `more(item)` returns true
  // after each item is added (the item that answers false is included). Lets a
  // sink look past items it cannot send yet without decoding the whole queue.
  Result<std::vector<OutboxItem>> ListWhile(
      const std::string& sink, const std::function<bool(const OutboxItem&)>& more);
  // Persists attempts / next try / error / state of a queued item.
  // REQUIRES: `item` came from List and has not been acked.
  Status Update(const OutboxItem& item);
  // Marks `item` delivered: removes it from the queue and counts the success.
  Status Ack(const OutboxItem& item, MicrosUtc when);
  // Records a sink-level error (e.g. "token rejected; sink paused").
  Status RecordSinkError(const std::string& sink, const std::string& error, MicrosUtc when);

  // Batched forms for a sink's delivery round: each is ONE atomic, synced write
  // (one WriteBatch) however many items it carries, and writes nothing at all when
  // any item is no longer queued (NotFound) or a sink's statistics cannot be read.
  // REQUIRES: every item came from List and has not been acked; an item appears at
  // most once across `updates` and `acks`.
  // Update for many items (e.g. the write-ahead attempts+1 of a whole round).
  Status UpdateMany(const std::vector<OutboxItem>& items);
  // Ack for many items: each one removed from the queue, remembered as delivered,
  // and counted once; each sink's statistics are read and written once.
  Status AckMany(const std::vector<std::pair<OutboxItem, MicrosUtc>>& acks);
  struct SinkError {
    std::string sink, error;
    MicrosUtc when = 0;
  };
  // UpdateMany + AckMany + RecordSinkError (in that order; the last error of a
  // sink wins) in one atomic write. A no-op (no write) when everything is empty.
  Status Settle(const std::vector<OutboxItem>& updates,
                const std::vector<std::pair<OutboxItem, MicrosUtc>>& acks,
                const std::vector<SinkError>& errors);

  // Synced writes this Outbox has issued (Update, Ack, the batched forms,
  // RecordSinkError, RequeueDeadLetters). For tests and benchmarks.
  uint64_t writes() const { return writes_.load(std::memory_order_relaxed); }
  // Moves every dead letter of `sink` back to pending. Returns how many.
  Result<size_t> RequeueDeadLetters(const std::string& sink, MicrosUtc now);
  // True once item_id was delivered by `sink`.
  Result<bool> WasDelivered(const std::string& sink, const std::string& item_id);

  Result<SinkCounters> Counters(const std::string& sink, MicrosUtc now);
  // Every sink that ever had an item queued.
  Result<std::vector<std::string>> Sinks();

 private:
  // Calls visit(item) for each queued item in order until it returns false.
  Status Visit(const std::string& sink, bool include_dead,
               const std::function<bool(OutboxItem)>& visit);

  DbCore* core_;
  std::atomic<uint64_t> writes_{0};
};

// INTERNAL (store/): value encodings shared with Store::Commit.
std::string EncodeOutboxItem(const OutboxItem& item);
Result<OutboxItem> DecodeOutboxItem(std::string_view sink, uint64_t order, std::string_view value);

}  // namespace qcflow

#endif  // QCFLOW_STORE_OUTBOX_H_
