#include "cli/model/json_values.h"

#include <nlohmann/json.hpp>

#include "store/time_util.h"

namespace qcflow::model {

using nlohmann::json;

json TextOrNull(const std::string& text) { return text.empty() ? json(nullptr) : json(text); }
json NumberOrNull(const std::optional<double>& n) { return n ? json(*n) : json(nullptr); }
json NumberOrNull(const std::optional<uint64_t>& n) { return n ? json(*n) : json(nullptr); }

json InstantOrNull(const std::string& utc_text, std::string_view zone) {
  return utc_text.empty() ? json(nullptr) : json(RezoneUtcText(utc_text, zone));
}

json StoredJson(std::string_view text) {
  if (text.empty()) return json(nullptr);
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  return j.is_discarded() ? json(std::string(text)) : j;
}

json ZonedIfInstant(json value, std::string_view zone) {
  if (value.is_string() && IsUtcIsoText(value.get_ref<const std::string&>())) {
    return RezoneUtcText(value.get_ref<const std::string&>(), zone);
  }
  return value;
}

json StoredField(std::string_view text, std::string_view zone) { return ZonedIfInstant(StoredJson(text), zone); }

}  // namespace qcflow::model
