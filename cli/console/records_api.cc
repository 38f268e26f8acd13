#include "cli/console/records_api.h"

#include "cli/console/api_json.h"
#include "cli/model/json_model.h"

namespace qcflow::console {

HttpAnswer Records(const ConsoleBackend& b, const ParsedTarget& t) {
  const Page p = ParsePage(t);
  if (!p.error.empty()) return ErrorAnswer(400, p.error);
  auto kind_arg = t.query.find("kind");
  const std::optional<Kind> kind =
      kind_arg == t.query.end() ? std::nullopt : ParseKind(kind_arg->second);
  if (!kind) {
    return ErrorAnswer(400, "records need ?kind= one of icom, mpc, dqa3, files, event, trf "
                            "(as `qcflow query records --kind`)");
  }
  IndexQuery q;
  q.kind = *kind;
  if (auto it = t.query.find("source"); it != t.query.end() && !it->second.empty()) q.source_id = it->second;
  for (auto [name, bound] : {std::pair{"since", &q.from}, std::pair{"until", &q.until}}) {
    if (std::string e = ParseBound(t, name, b.zone, bound); !e.empty()) return ErrorAnswer(400, e);
  }
  q.limit = p.offset + p.limit + 1;  // one more than the page, only to know there are more
  nlohmann::json items = nlohmann::json::array();
  size_t seen = 0;
  bool more = false;
  Status read = b.journal()->Query(q, [&](uint64_t seq, const RecordView& r) {
    if (seen++ < p.offset) return true;
    if (items.size() == p.limit) {
      more = true;
      return false;
    }
    items.push_back(model::RecordJson(seq, r, b.zone));
    return true;
  });
  if (!read.ok()) return ErrorAnswer(503, "cannot read the journal: " + read.message());
  const size_t next = p.offset + items.size();
  return JsonAnswer(200, {{"total", nullptr},  // not counted: see records_api.h
                          {"offset", p.offset},
                          {"limit", p.limit},
                          {"next_offset", more ? nlohmann::json(next) : nlohmann::json(nullptr)},
                          {"kind", KindName(*kind)},
                          {"items", std::move(items)}});
}

}  // namespace qcflow::console
