// The read API's shared JSON vocabulary (internal to cli/console/): the answer
// envelope with "v", list paging, nullable fields, time bounds and instants.
// Each endpoint file builds its documents from these, so every list pages and
// every error reads the same.
#ifndef QCFLOW_CLI_CONSOLE_API_JSON_H_
#define QCFLOW_CLI_CONSOLE_API_JSON_H_

#include <nlohmann/json.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "cli/console/http_types.h"
#include "cli/model/json_values.h"
#include "store/time_util.h"

namespace qcflow::console {

// The document with "v": 1 added, as `status`.
HttpAnswer JsonAnswer(int status, nlohmann::json doc);

// Missing values, stored instants and stored JSON texts read as in every
// other document (cli/model/json_values.h).
using model::InstantOrNull;
using model::NumberOrNull;
using model::StoredField;
using model::StoredJson;
using model::TextOrNull;

// ?limit= (1..1000, default 100) and ?offset= (0 or more).
struct Page {
  size_t offset = 0, limit = 100;
  std::string error;  // "" = valid
};
Page ParsePage(const ParsedTarget& t);

// total, offset, limit and next_offset (null on the last page) beside `items`.
nlohmann::json PageJson(const Page& p, uint64_t total, nlohmann::json items);

// The page `p` of `all`, each element through `to_json`, in PageJson's envelope.
template <typename T, typename ToJson>
nlohmann::json PageOf(const Page& p, const std::vector<T>& all, ToJson to_json) {
  nlohmann::json items = nlohmann::json::array();
  for (size_t i = p.offset; i < all.size() && items.size() < p.limit; ++i) items.push_back(to_json(all[i]));
  return PageJson(p, all.size(), std::move(items));
}

// ?<name>= as `qcflow query` reads times ("2024-05-01", "...T07:30Z",
// "...T07:30+02:00"; in `zone` without an offset, so a day is the display
// zone's day) into *out; absent or "" leaves *out. The error sentence, or "".
std::string ParseBound(const ParsedTarget& t, const char* name, std::string_view zone, MicrosUtc* out);

}  // namespace qcflow::console

#endif  // QCFLOW_CLI_CONSOLE_API_JSON_H_
