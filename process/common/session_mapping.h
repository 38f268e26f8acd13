// SessionMapping: where a source's sessions go — the test list template and
// the units map of its current config — applied by a sink at delivery time.
//
// A session keeps *what* to upload (machine names, the test list template's
// inputs, values); the unit and test list are resolved again from the current
// config when it is delivered, so fixing the config and retrying dead letters
// (`qcflow replay --dead-letters`) or restarting is enough. The user_key never
// changes: it is the session's identity on the server.
#ifndef QCFLOW_PROCESS_COMMON_SESSION_MAPPING_H_
#define QCFLOW_PROCESS_COMMON_SESSION_MAPPING_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "process/common/qc_session.h"
#include "store/status.h"

namespace qcflow {

// A QATrack+ unit as a units map names it: a TOML string is a name, an integer
// the unit's number.
struct UnitRef {
  std::string name;               // when number is unset
  std::optional<int64_t> number;

  static UnitRef Named(std::string name) { return {std::move(name), std::nullopt}; }
  static UnitRef Numbered(int64_t number) { return {"", number}; }
  // "number 12" or "name 'Bunker 2'", for messages.
  std::string Describe() const;
  bool operator==(const UnitRef& o) const { return name == o.name && number == o.number; }
};

// Machine key -> unit (e.g. DQA3 "<room>/<machine>" = "TB1").
using UnitMap = std::map<std::string, UnitRef>;

// The unit of the first of `machine_names` the map holds (match order is the
// caller's: e.g. display name, then machine name, then id), or nullopt.
std::optional<UnitRef> FindUnit(const UnitMap& units, const std::vector<std::string>& machine_names);

// Sets session->unit_name / unit_number from `unit` (machine.serial is untouched).
void SetSessionUnit(const UnitRef& unit, QcSession* session);

struct SessionMapping {
  std::string source;              // the source's name, for messages
  std::string test_list_template;  // "" keeps the session's test_list_name
  bool maps_units = false;         // the source resolves units through `units`
  UnitMap units;
};

// Re-resolves the unit (when mapping.maps_units) and the test list name (when
// a template is set) of a session that carries their inputs; a version 1
// session (no machine_names / test_list_vars) is left as it was built.
// InvalidArgument says what to fix in the config (a machine no longer in the
// units map, a template variable the session does not have).
Status ApplySessionMapping(const SessionMapping& mapping, QcSession* session);

}  // namespace qcflow

#endif  // QCFLOW_PROCESS_COMMON_SESSION_MAPPING_H_
