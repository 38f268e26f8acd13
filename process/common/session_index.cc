#include "process/common/session_index.h"

#include <optional>
#include <set>
#include <utility>

#include "store/coding.h"
#include "store/derived.h"

namespace qcflow {

std::string SessionIndexKey(std::string_view source_id, MicrosUtc work_started,
                            std::string_view user_key) {
  std::string k(source_id);
  k.push_back('\0');
  coding::PutBigEndian64(&k, coding::OrderedFromSigned(work_started));
  k.push_back('\0');
  k.append(user_key);
  return k;
}

namespace {

// nullopt source: every source's sessions.
Status VisitSessions(Derived& derived, std::optional<std::string_view> source_id, MicrosUtc from,
                     const std::function<bool(const StoredSession&)>& visit) {
  std::set<std::pair<std::string, std::string>> seen;
  bool more = true;
  Status bad;
  auto offer = [&](std::string_view ns, std::string_view key, std::string_view value) {
    auto session = DecodeQcSession(value);
    if (!session.ok()) {
      bad = session.status().WithContext("session " + std::string(ns) + "/" + std::string(key));
      return more = false;
    }
    if ((source_id && session->source_id != *source_id) || session->work_started < from) return true;
    more = visit({std::string(ns), std::string(key), std::move(*session)});
    return more;
  };

  std::string lo, hi;
  if (source_id) {
    lo = hi = std::string(*source_id);
    lo.push_back('\0');
    coding::PutBigEndian64(&lo, coding::OrderedFromSigned(from));
    hi.push_back('\1');
  } else {
    hi = std::string(8, '\xff');  // past any source id's text
  }
  Status lookup;
  QCFLOW_RETURN_IF_ERROR(derived.ScanIndex(
      kSessionsBySource, lo, hi, [&](std::string_view, std::string_view ns, std::string_view key) {
        seen.emplace(ns, key);
        auto value = derived.Get(ns, key);
        if (!value.ok()) {
          lookup = value.status();
          return false;
        }
        return !value->has_value() || offer(ns, key, **value);
      }));
  QCFLOW_RETURN_IF_ERROR(lookup);
  QCFLOW_RETURN_IF_ERROR(bad);
  for (std::string_view ns : kUnindexedSessionNamespaces) {
    if (!more) break;
    QCFLOW_RETURN_IF_ERROR(derived.Scan(ns, "", [&](std::string_view key, std::string_view value) {
      return seen.count({std::string(ns), std::string(key)}) > 0 || offer(ns, key, value);
    }));
    QCFLOW_RETURN_IF_ERROR(bad);
  }
  return Status::OK();
}

}  // namespace

Status ForEachStoredSession(Derived& derived, std::string_view source_id, MicrosUtc from,
                            const std::function<bool(const StoredSession&)>& visit) {
  return VisitSessions(derived, source_id, from, visit);
}

Status ForEachSession(Derived& derived, MicrosUtc from,
                      const std::function<bool(const StoredSession&)>& visit) {
  return VisitSessions(derived, std::nullopt, from, visit);
}

}  // namespace qcflow
