// iCom capture: receive-only TCP clients, one per linac, all on one
// io_context, handing complete messages to a journal writer thread.
//
// Safety (shared/spec/icom.md, Transport): the receive path never waits on
// disk. Framed messages go into a bounded per-linac queue; a separate writer
// thread batches them into Journal::AppendBatch. When the queue is full (the
// journal stalls) capture keeps reading and drops, counting the loss (count +
// first/last timestamp); the loss is journaled as a Kind::kEvent record
// ("capture loss") once the writer catches up. Counter gaps within one
// connection become kEvent records too; they are never fatal. A batch the
// journal refuses (e.g. a full disk) is retried as it is, every 200 ms — new
// messages meanwhile fill the queue and then count as loss — and is given up
// (counted as dropped) only when the group stops with the journal still failing.
//
// EOF, errors, read timeouts and a peer sending only garbage (garbage_bytes or
// garbage_time of bytes the framer skips, with no message framed) close the
// socket and reconnect after a capped exponential backoff with jitter (no busy
// loop). The Framer is Reset on every
// reconnect, so a partial message is never carried across connections.
// Sockets are always closed with a FIN: shutdown(send), drain what the peer
// still sends (bounded), then close — closing with unread bytes would RST.
//
// Records: IcomMessageRecord (icom_record.h): kind icom, source_id = linac
// name, event_time = the message timestamp read in the linac's zone,
// dedup_key = "linac|timestamp|counter|hash" (so the re-sent bursts a linac
// sends after a reconnect append nothing), payload = the raw message bytes.
//
// Memory is bounded: queue capacity (messages and bytes), the framer's
// max_message_size, one read buffer per linac, a capped pending-gap list.
//
// Thread-safe: Add, Stop and Stats may be called from any thread.
#ifndef QCFLOW_INGEST_ICOM_CAPTURE_H_
#define QCFLOW_INGEST_ICOM_CAPTURE_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "ingest/icom/icom_record.h"  // IcomDedupKey, the record format
#include "store/status.h"
#include "store/time_util.h"

namespace qcflow {
class Journal;
}

namespace qcflow::icom {

struct IcomCaptureConfig {
  std::string linac;  // source_id of every record; unique within a group
  std::string host = "127.0.0.1";
  uint16_t port = 1706;
  std::string zone = "UTC";  // IANA zone of the linac's clock
  std::chrono::milliseconds read_timeout{30000};  // no bytes for this long: reconnect
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds backoff_initial{250};
  std::chrono::milliseconds backoff_max{30000};
  size_t queue_messages = 4096;     // hand-off capacity, messages
  size_t queue_bytes = 64u << 20;   // and bytes
  size_t max_message_size = 1u << 20;
  // A peer that sends this much, or for this long, bytes that frame no iCom
  // message (not a linac's iCom port, or a broken stream) is disconnected and
  // reconnected with backoff, counted in garbage_disconnects.
  size_t garbage_bytes = 64u << 20;
  std::chrono::milliseconds garbage_time{60000};
};

struct IcomCaptureStats {
  std::string linac;
  bool connected = false;
  uint64_t messages = 0;    // framed (queued or dropped)
  uint64_t bytes = 0;       // received from the socket
  uint64_t reconnects = 0;  // connections after the first
  uint64_t gaps = 0;        // counter discontinuities within a connection
  uint64_t dropped = 0;     // messages lost to a full queue or a failed write
  uint64_t journaled = 0;   // messages handed to the journal (duplicates included)
  uint64_t garbage_disconnects = 0;  // connections closed for sending only garbage
  MicrosUtc last_message_time = 0;  // capture time of the last framed message; 0: none
};

struct CaptureGroupOptions {
  size_t max_batch = 256;  // records per AppendBatch
  // Test hook: called by the writer thread before each batch is taken from
  // the queues (a test may block here to stall the journal).
  std::function<void()> before_batch;
  // Test hook: called before each AppendBatch attempt; a non-OK status stands
  // in for the journal failing that attempt (e.g. a full disk).
  std::function<Status()> fail_append;
};

class CaptureGroup {
 public:
  // REQUIRES: journal outlives the group.
  explicit CaptureGroup(Journal* journal, CaptureGroupOptions options = {});
  ~CaptureGroup();  // Stop()
  CaptureGroup(const CaptureGroup&) = delete;
  CaptureGroup& operator=(const CaptureGroup&) = delete;

  // Starts capturing from one linac. InvalidArgument for an empty or
  // duplicate name, an unknown zone or zero capacities; FailedPrecondition
  // after Stop().
  Status Add(IcomCaptureConfig config);

  // Closes every socket with a FIN, drains the queues to the journal, joins
  // the threads. Idempotent.
  void Stop();

  std::vector<IcomCaptureStats> Stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace qcflow::icom

#endif  // QCFLOW_INGEST_ICOM_CAPTURE_H_
