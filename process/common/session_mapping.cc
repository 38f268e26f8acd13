#include "process/common/session_mapping.h"

#include "process/common/text_template.h"

namespace qcflow {

std::string UnitRef::Describe() const {
  return number ? "number " + std::to_string(*number) : "name '" + name + "'";
}

std::optional<UnitRef> FindUnit(const UnitMap& units, const std::vector<std::string>& machine_names) {
  for (const std::string& name : machine_names) {
    if (auto it = units.find(name); it != units.end()) return it->second;
  }
  return std::nullopt;
}

void SetSessionUnit(const UnitRef& unit, QcSession* session) {
  session->unit_number = unit.number;
  session->unit_name = unit.number ? std::string() : unit.name;
}

Status ApplySessionMapping(const SessionMapping& mapping, QcSession* s) {
  const std::string where = "session " + s->user_key + " of source '" + mapping.source + "'";
  if (mapping.maps_units && !s->machine_names.empty()) {
    auto unit = FindUnit(mapping.units, s->machine_names);
    if (!unit) {
      return Status::InvalidArgument(
          where + ": machine '" + s->machine_names.front() +
          "' is not in the source's units map any more; add it (\"" + s->machine_names.front() +
          "\" = \"<unit name>\" or = <unit number>), then run qcflow replay --dead-letters");
    }
    SetSessionUnit(*unit, s);
  }
  if (!mapping.test_list_template.empty() && !s->test_list_vars.empty()) {
    auto name = RenderTemplate(mapping.test_list_template, s->test_list_vars);
    if (!name.ok()) {
      return Status::InvalidArgument(where + ": the test list template '" +
                                     mapping.test_list_template + "' does not apply: " +
                                     name.status().message());
    }
    s->test_list_name = std::move(*name);
  }
  return Status::OK();
}

}  // namespace qcflow
