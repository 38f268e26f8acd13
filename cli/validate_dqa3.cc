// `qcflow validate`: can each [[source.dqa3]] database be read, which schema
// does it have, and which of its machines have a QATrack+ unit in `units`? The
// mapped machines' units are then looked up on the routed sinks
// (validate_qatrack.cc); their test lists are not, as that needs the rows' beams.
#include <algorithm>
#include <map>
#include <set>

#include "cli/daemon_dqa3.h"  // UnmappedMachines
#include "cli/validate_checks.h"
#include "process/common/session_mapping.h"

namespace qcflow::cli {

std::vector<ExpectedUpload> CheckDqa3Source(const config::Dqa3Source& source, Checklist* list) {
  const std::string who = "source '" + source.name + "': ";
  const std::string db = dqa3::DescribeConnection(source.source.connection);
  dqa3::Dqa3Source reader(source.source);
  auto schema = reader.DetectSchema();
  if (!schema.ok()) {
    // Messages come redacted from the source: no password in them.
    if (schema.status().code() == Status::Code::kFailedPrecondition) {
      list->Fail(who + db + ": " + schema.status().message() +
                 " (qcflow reads DQA3 01.03, 01.04, 01.06 and Atlas 1.5).");
    } else {
      list->Fail(who + db + " cannot be read (" + schema.status().message() +
                 "): check the connection keys, the password, that the database server runs "
                 "and the firewall (qcflow run keeps retrying by itself).");
    }
    return {};
  }
  auto machines = reader.DiscoverMachines();
  if (!machines.ok()) {
    list->Fail(who + db + " (schema " + *schema +
               "): listing the machines failed: " + machines.status().message() + ".");
    return {};
  }
  std::string names;
  for (const auto& m : *machines) names += (names.empty() ? "" : ", ") + m.display_name;
  list->Ok(who + db + " answers: schema " + *schema + ", " + std::to_string(machines->size()) +
           " machine" + (machines->size() == 1 ? "" : "s") +
           (names.empty() ? "" : " (" + names + ")"));
  const std::vector<std::string> unmapped = UnmappedMachines(*machines, source.transform.unit_map);
  if (!unmapped.empty()) {
    std::string list_text;
    for (const std::string& m : unmapped) list_text += (list_text.empty() ? "" : ", ") + m;
    list->Warn(who + "machine(s) " + list_text +
               " have no QATrack+ unit in units: their rows "
               "are journaled but not uploaded until units names them (\"<room>/<machine>\" = "
               "\"<unit>\").");
  }
  std::set<std::string> known;
  for (const auto& m : *machines) known.insert({m.display_name, m.name, m.id});
  for (const auto& [machine, unit] : source.transform.unit_map) {
    if (!known.count(machine)) {
      list->Warn(who + "units names '" + machine +
                 "', which the database does not have; "
                 "check the spelling (\"<room>/<machine>\", the machine name or its id).");
    }
  }
  for (const std::string& m : source.source.machines) {
    if (!known.count(m)) {
      list->Warn(who + "machines lists '" + m + "', which the database does not have.");
    }
  }
  std::vector<ExpectedUpload> uploads;
  for (const auto& m : *machines) {
    // As the transform matches: display name, machine name, then id.
    const std::optional<UnitRef> unit = FindUnit(source.transform.unit_map, {m.display_name, m.name, m.id});
    if (!unit) continue;
    uploads.push_back({unit->number ? "number" : "name",
                       unit->number ? std::to_string(*unit->number) : unit->name, "", {},
                       "DQA3 sessions of machine '" + m.display_name + "' from '" + source.name + "'"});
  }
  return uploads;
}

}  // namespace qcflow::cli
