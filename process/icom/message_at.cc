#include "process/icom/message_at.h"

namespace qcflow::icom {

Result<std::optional<IcomMessageAt>> FindIcomMessageNear(Journal& journal, const std::string& linac, MicrosUtc at) {
  std::optional<IcomMessageAt> after, before;
  IndexQuery q;
  q.kind = Kind::kIcom;
  q.source_id = linac;
  q.from = at;
  q.limit = 1;
  QCFLOW_RETURN_IF_ERROR(journal.Query(q, [&](uint64_t seq, const RecordView& r) {
    after = IcomMessageAt{seq, r.event_time};
    return false;
  }));
  q.limit = std::numeric_limits<size_t>::max();
  constexpr MicrosUtc kMaxWindow = 1000000LL * 3600 * kMicrosPerSecond;  // ~114 years
  MicrosUtc upper = at;  // [upper, at) has been searched
  for (MicrosUtc window = kMicrosPerSecond; !before && window <= kMaxWindow; window *= 10) {
    if (after && at - upper > after->time - at) break;  // nothing before can be nearer
    q.from = at - window;
    q.until = upper;
    QCFLOW_RETURN_IF_ERROR(journal.Query(q, [&](uint64_t seq, const RecordView& r) {
      before = IcomMessageAt{seq, r.event_time};  // the last one visited is the nearest
      return true;
    }));
    upper = q.from;
  }
  if (before) {
    // Several messages share a second: of equally near ones, show the first.
    q.from = before->time;
    q.until = before->time + 1;
    q.limit = 1;
    QCFLOW_RETURN_IF_ERROR(journal.Query(q, [&](uint64_t seq, const RecordView& r) {
      before = IcomMessageAt{seq, r.event_time};
      return false;
    }));
  }
  if (!before) return after;
  if (!after) return before;
  return (at - before->time <= after->time - at) ? before : after;
}

}  // namespace qcflow::icom
