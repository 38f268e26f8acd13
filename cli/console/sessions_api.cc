#include "cli/console/sessions_api.h"

#include <algorithm>
#include <limits>

#include "cli/console/api_json.h"
#include "cli/model/json_model.h"
#include "process/common/trend.h"

namespace qcflow::console {
namespace {

// Years of daily QA are thousands of sessions; one answer reads at most this
// many (sorted by time) and says when the range held more.
constexpr size_t kMaxRead = 20000;

}  // namespace

HttpAnswer Sessions(const ConsoleBackend& b, const ParsedTarget& t) {
  const Page p = ParsePage(t);
  if (!p.error.empty()) return ErrorAnswer(400, p.error);
  std::string source, machine;
  if (auto it = t.query.find("source"); it != t.query.end()) source = it->second;
  if (auto it = t.query.find("serial"); it != t.query.end()) machine = it->second;
  MicrosUtc since = std::numeric_limits<MicrosUtc>::min(), until = std::numeric_limits<MicrosUtc>::max();
  for (auto [name, bound] : {std::pair{"since", &since}, std::pair{"until", &until}}) {
    if (std::string e = ParseBound(t, name, b.zone, bound); !e.empty()) return ErrorAnswer(400, e);
  }
  std::vector<QcSession> found;
  bool cut = false;
  Status read = b.sessions(since, [&](const StoredSession& s) {
    const QcSession& q = s.session;
    if (q.work_started >= until || (!source.empty() && q.source_id != source) ||
        (!machine.empty() && TrendMachine(q) != machine)) {
      return true;
    }
    if (found.size() == kMaxRead) {
      cut = true;
      return false;
    }
    found.push_back(q);
    return true;
  });
  if (!read.ok()) return ErrorAnswer(503, "cannot read sessions: " + read.message());
  std::stable_sort(found.begin(), found.end(), [](const QcSession& a, const QcSession& c) {
    return a.work_started < c.work_started;
  });
  nlohmann::json doc = PageOf(p, found, [&b](const QcSession& s) {
    return model::SessionJson(s, b.zone, /*file_contents=*/false);
  });
  doc["truncated"] = cut;  // more than kMaxRead in range: narrow since/until
  return JsonAnswer(200, std::move(doc));
}

}  // namespace qcflow::console
