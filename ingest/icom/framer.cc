#include "ingest/icom/framer.h"

#include <algorithm>
#include <cstring>

#include "ingest/icom/icom_format.h"

namespace qcflow::icom {
namespace {

// A candidate start is decided once its header and the next 12 bytes are in.
constexpr size_t kCandidateSpan = kHeaderSize + kElementHeaderSize;

inline bool HasNul(const char* p, size_t n) {
  // Most values are a few bytes: a plain loop beats a memchr call there.
  if (n > 32) return std::memchr(p, '\0', n) != nullptr;
  for (size_t i = 0; i < n; ++i) {
    if (p[i] == '\0') return true;
  }
  return false;
}

}  // namespace

Framer::Framer(Sink sink, FramerOptions options)
    : sink_(std::move(sink)), options_(options) {
  // Keeps "plausible element header" and "message start" exclusive (above).
  options_.max_message_size = std::min<size_t>(options_.max_message_size, 0x30000000);
}

void Framer::Feed(std::string_view bytes) {
  stats_.bytes_fed += bytes.size();
  buf_.append(bytes);
  Process();
  Compact();
}

bool Framer::ScanForStart(size_t* start) {
  const char* b = buf_.data();
  const size_t size = buf_.size();
  for (; scan_ + kCandidateSpan <= size; ++scan_) {
    if (b[scan_ + kTimestampOffset + 4] != '-') continue;  // fast reject
    if (!IsIcomTimestamp(b + scan_ + kTimestampOffset)) continue;
    uint32_t len;
    const char* next = b + scan_ + kHeaderSize;
    // What follows the counter must be an element (or, for an empty message,
    // the next message's timestamp, 14 bytes further).
    if (IsPlausibleElementHeader(next, &len) && len <= options_.max_message_size) {
      *start = scan_;
      return true;
    }
    // Not yet decidable: wait here rather than pass over it, so the frames do
    // not depend on how reads split the stream. (No later start can hide in
    // the wait: two timestamps never overlap at offsets 1-13.)
    if (scan_ + kHeaderSize + kTimestampOffset + kTimestampSize > size) return false;
    if (IsIcomTimestamp(next + kTimestampOffset)) {
      *start = scan_;
      return true;
    }
  }
  return false;
}

void Framer::Emit(size_t end, size_t chained_end) {
  Frame f;
  f.bytes = std::string_view(buf_.data() + msg_start_, end - msg_start_);
  f.chained_size = std::min(chained_end, end) - msg_start_;
  stats_.messages++;
  stats_.unchained_bytes += f.bytes.size() - f.chained_size;
  sink_(f);
}

void Framer::Process() {
  const char* b = buf_.data();
  const size_t size = buf_.size();
  // Bounded: every iteration advances walk_ or scan_, or returns.
  for (;;) {
    switch (mode_) {
      case Mode::kSeek: {
        size_t start;
        if (!ScanForStart(&start)) return;
        stats_.skipped_bytes += start - garbage_from_;
        msg_start_ = start;
        walk_ = last_elem_ = start + kHeaderSize;
        mode_ = Mode::kChain;
        continue;
      }
      case Mode::kChain: {
        if (walk_ - msg_start_ > options_.max_message_size) break;  // oversize, below
        // An element header first: it needs only 12 bytes, and a plausible
        // one cannot be a message start (its length field would hold the
        // timestamp's ASCII digits, > max_message_size). So the chain reaches
        // the end of the input without waiting for 26 more bytes.
        uint32_t len;
        if (walk_ + kElementHeaderSize <= size && IsPlausibleElementHeader(b + walk_, &len) &&
            len <= options_.max_message_size) {
          const size_t value = walk_ + kElementHeaderSize;
          // An element that would carry the message past max_message_size is
          // taken for one cut short (its length field is the original
          // element's, or garbage): the next start is sought inside it, as
          // for a NUL below. Decided from the header alone, before its value
          // is in, so frames do not depend on how reads split the stream;
          // and no wait ever holds more than max_message_size.
          const bool fits = value + len - msg_start_ <= options_.max_message_size;
          if (fits && value + len > size) return;  // wait for the whole value
          // Values are ASCII; a NUL means this element was probably cut short
          // and the next message (whose preamble holds NULs) begins inside
          // it. Rescan it rather than jump over the next message's start.
          if (fits && !HasNul(b + value, len)) {
            last_elem_ = walk_;
            walk_ = value + len;
            continue;
          }
          chain_end_ = walk_;
          mode_ = Mode::kScan;
          scan_ = walk_ + 1;
          continue;
        }
        if (walk_ + kTimestampOffset + kTimestampSize > size) {
          // Too few bytes to decide (the buffer holds at most 26 bytes past
          // walk_, and walk_ is within max_message_size: checked above).
          return;
        }
        if (IsIcomTimestamp(b + walk_ + kTimestampOffset)) {
          Emit(walk_, walk_);
          msg_start_ = walk_;
          walk_ = last_elem_ = msg_start_ + kHeaderSize;
          continue;
        }
        // Chain broken: rescan from the last element's value, which may be
        // the element that was cut short by the next message.
        chain_end_ = walk_;
        mode_ = Mode::kScan;
        scan_ = std::max(msg_start_ + kHeaderSize,
                         std::min(last_elem_ + kElementHeaderSize, walk_));
        continue;
      }
      case Mode::kScan: {
        size_t start;
        const bool found = ScanForStart(&start);
        // The message ends at the next start, which is at or after scan_.
        if ((found ? start : scan_) - msg_start_ > options_.max_message_size) break;  // oversize
        if (found) {
          // A start before the break point means the last element was cut.
          Emit(start, start < chain_end_ ? last_elem_ : chain_end_);
          msg_start_ = start;
          walk_ = last_elem_ = start + kHeaderSize;
          mode_ = Mode::kChain;
          continue;
        }
        return;  // wait: the buffer ends within a candidate span of scan_
      }
    }
    // Oversize candidate: drop it and seek the next start inside it.
    stats_.oversize_dropped++;
    mode_ = Mode::kSeek;
    garbage_from_ = msg_start_;
    scan_ = msg_start_ + 1;
  }
}

void Framer::Compact() {
  size_t keep_from;
  if (mode_ == Mode::kSeek) {
    // Bytes before scan_ were rejected as starts: count them now.
    stats_.skipped_bytes += scan_ - garbage_from_;
    garbage_from_ = scan_;
    keep_from = scan_;
  } else {
    keep_from = msg_start_;
  }
  // Erase only when it pays (half the buffer), so small reads into a large
  // message do not move the partial message each time: linear overall.
  if (keep_from == 0 || keep_from < buf_.size() / 2) return;
  buf_.erase(0, keep_from);
  auto shift = [keep_from](size_t& p) { p = p >= keep_from ? p - keep_from : 0; };
  shift(msg_start_);
  shift(garbage_from_);
  shift(walk_);
  shift(last_elem_);
  shift(chain_end_);
  shift(scan_);
}

void Framer::Clear() {
  buf_.clear();
  mode_ = Mode::kSeek;
  msg_start_ = garbage_from_ = walk_ = last_elem_ = chain_end_ = scan_ = 0;
}

Framer::Trailing Framer::Flush() {
  Trailing t;
  if (mode_ == Mode::kSeek) {
    stats_.skipped_bytes += buf_.size() - garbage_from_;
  } else {
    t.bytes = buf_.size() - msg_start_;
    t.chain_complete = mode_ == Mode::kChain && walk_ == buf_.size();
    stats_.truncated_fragments++;
    stats_.truncated_bytes += t.bytes;
  }
  Clear();
  return t;
}

Framer::Trailing Framer::FlushArchive() {
  if (mode_ == Mode::kChain && walk_ == buf_.size()) {
    Emit(walk_, walk_);
    Clear();
    return Trailing{};
  }
  return Flush();
}

}  // namespace qcflow::icom
