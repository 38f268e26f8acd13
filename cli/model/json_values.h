// The values every qcflow JSON document is built of (cli/model/json_model.h
// builds the objects from them, cli/console/ and the CLI's status too), so a
// missing value, a stored instant or a stored JSON text reads the same
// everywhere. Names no component kind.
#ifndef QCFLOW_CLI_MODEL_JSON_VALUES_H_
#define QCFLOW_CLI_MODEL_JSON_VALUES_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

namespace qcflow::model {

// The version every document carries as "v".
inline constexpr int kVersion = 1;

// The values every document is built of, so a missing one reads the same
// everywhere: null for "" or nullopt.
nlohmann::json TextOrNull(const std::string& text);
nlohmann::json NumberOrNull(const std::optional<double>& n);
nlohmann::json NumberOrNull(const std::optional<uint64_t>& n);
// A stored UTC text ("...Z", as FormatUtcIso writes) as RFC 3339 in `zone`;
// null for "" (a time that never happened).
nlohmann::json InstantOrNull(const std::string& utc_text, std::string_view zone);
// A JSON text a component stored (a record's meta, a state's fields) as a
// value; null for ""; text that is not JSON (an old or foreign record) is
// kept as that text rather than dropped.
nlohmann::json StoredJson(std::string_view text);
// `value`, or when it is a stored UTC instant (a string of FormatUtcIso's
// shape: a component's kind-specific "last_message") that instant in `zone`
// like every instant, so no kind needs to say which of its fields are times.
nlohmann::json ZonedIfInstant(nlohmann::json value, std::string_view zone);
// ZonedIfInstant(StoredJson(text), zone).
nlohmann::json StoredField(std::string_view text, std::string_view zone);

}  // namespace qcflow::model

#endif  // QCFLOW_CLI_MODEL_JSON_VALUES_H_
