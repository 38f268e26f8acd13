#include "cli/console/sessions_api.h"

#include "cli/console/api_json.h"
#include "cli/model/json_model.h"
#include "process/common/session_select.h"

namespace qcflow::console {
namespace {

// Years of daily QA are thousands of sessions; one answer reads at most this
// many (the earliest) and says when the range held more.
constexpr size_t kMaxRead = 20000;

}  // namespace

HttpAnswer Sessions(const ConsoleBackend& b, const ParsedTarget& t) {
  const Page p = ParsePage(t);
  if (!p.error.empty()) return ErrorAnswer(400, p.error);
  SessionFilter f;
  if (auto it = t.query.find("source"); it != t.query.end()) f.source_id = it->second;
  if (auto it = t.query.find("serial"); it != t.query.end()) f.machine = it->second;
  if (auto it = t.query.find("kind"); it != t.query.end()) f.source_kind = it->second;
  for (auto [name, bound] : {std::pair{"since", &f.from}, std::pair{"until", &f.until}}) {
    if (std::string e = ParseBound(t, name, b.zone, bound); !e.empty()) return ErrorAnswer(400, e);
  }
  f.max = kMaxRead;
  auto found = SelectSessions(b.sessions, f);
  if (!found.ok()) return ErrorAnswer(503, "cannot read sessions: " + found.status().message());
  nlohmann::json doc = PageOf(p, found->sessions, [&b](const QcSession& s) {
    return model::SessionJson(s, b.zone, /*file_contents=*/false);
  });
  doc["truncated"] = found->truncated;  // more than kMaxRead in range: narrow since/until
  return JsonAnswer(200, std::move(doc));
}

}  // namespace qcflow::console
