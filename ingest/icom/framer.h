// Framer: splits a raw iCom byte stream into messages, incrementally.
//
// Boundary inference (the format has no length prefix, so this is a guess
// made as robust as the bytes allow): a message starts 8 bytes before a valid
// "YYYY-MM-DDhh:mm:ss" timestamp. Inside a message the framer walks the
// element chain with each element's length field; a boundary is accepted
// only where an element ends (so a timestamp inside an element's value is
// never taken for a boundary: the walk jumps over values). When the chain
// breaks (garbage, a message cut short, a bad length), the framer falls back
// to scanning byte by byte — starting again at the last element's value, in
// case that element was the one cut short — and accepts a timestamp only
// when a 12-byte element header (or another timestamp) follows the counter.
// An element whose value holds a NUL byte, or whose length would carry the
// message past max_message_size, is treated as cut short (values are ASCII;
// the next message's preamble is not), so the framer scans it for the next
// message's start instead of jumping over it. An element header and
// a message start cannot be confused: a plausible header's length field would
// be the timestamp's ASCII digits (> 0x30000000, above the size cap).
//
// Cost is linear in bytes: each byte is walked once, and scanned at most
// twice after a chain break. Memory is bounded by max_message_size.
//
// Thread-compatible; one Framer per connection or file.
#ifndef QCFLOW_INGEST_ICOM_FRAMER_H_
#define QCFLOW_INGEST_ICOM_FRAMER_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace qcflow::icom {

struct Frame {
  // Preamble through the byte before the next message's preamble: the raw
  // bytes to journal. Valid only during the sink call.
  std::string_view bytes;
  // Length of the prefix whose elements chain cleanly; equals bytes.size()
  // for a well-formed message. Bytes past it are kept (raw history can be
  // replayed by a better decoder) and counted in unchained_bytes.
  size_t chained_size = 0;
};

struct FramerStats {
  uint64_t messages = 0;
  uint64_t bytes_fed = 0;
  uint64_t skipped_bytes = 0;      // in no message: leading garbage, oversize drops
  uint64_t unchained_bytes = 0;    // inside emitted frames, after the element chain broke
  uint64_t oversize_dropped = 0;   // candidates larger than max_message_size
  uint64_t truncated_fragments = 0;  // trailing candidates dropped by Flush/Reset
  uint64_t truncated_bytes = 0;
};

struct FramerOptions {
  size_t max_message_size = 1 << 20;
};

class Framer {
 public:
  using Sink = std::function<void(const Frame&)>;

  explicit Framer(Sink sink, FramerOptions options = {});

  // Appends bytes; calls the sink for each message whose end is now known
  // (i.e. the next message's start has been seen).
  void Feed(std::string_view bytes);

  struct Trailing {
    size_t bytes = 0;             // size of the dropped candidate (0: none)
    bool chain_complete = false;  // its last element ended exactly at end of input
  };

  // End of a connection: the trailing candidate is never emitted (it may be
  // cut anywhere, even at an element boundary); it is counted as a truncated
  // fragment and returned. The framer is then ready for a new stream.
  Trailing Flush();

  // End of an archive file (whole messages back to back): the trailing
  // candidate is emitted when its element chain ends exactly at end of input,
  // otherwise handled as Flush does.
  Trailing FlushArchive();

  // Reconnect: same as Flush — a partial message never crosses connections.
  void Reset() { Flush(); }

  const FramerStats& stats() const { return stats_; }

 private:
  enum class Mode { kSeek, kChain, kScan };

  void Process();
  // Searches [scan_, end) for a message start at or after scan_; on success
  // stores it in *start. Leaves scan_ at the first position not yet decided.
  bool ScanForStart(size_t* start);
  void Emit(size_t end, size_t chained_end);
  void Compact();
  void Clear();

  Sink sink_;
  FramerOptions options_;
  FramerStats stats_;
  std::string buf_;
  Mode mode_ = Mode::kSeek;
  size_t msg_start_ = 0;      // kChain/kScan: start of the current message
  size_t garbage_from_ = 0;   // kSeek: first byte not yet counted as skipped
  size_t walk_ = 0;           // kChain: next element header position
  size_t last_elem_ = 0;      // start of the last element walked
  size_t chain_end_ = 0;      // kScan: where the chain broke
  size_t scan_ = 0;           // kSeek/kScan: next candidate start to test
};

}  // namespace qcflow::icom

#endif  // QCFLOW_INGEST_ICOM_FRAMER_H_
