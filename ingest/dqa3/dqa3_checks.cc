// `qcflow validate`: can each [[source.dqa3]] database be read, which schema
// does it have, and which of its machines have a QATrack+ unit in `units`? For
// the mapped machines, the newest row of each beam in the history window is
// built into the sessions it would become, with the transform's own code, so
// the routed sinks (their own checks) check the unit, the test lists and
// the macros that `qcflow run` will upload.
#include <algorithm>
#include <map>
#include <set>

#include "ingest/dqa3/dqa3_component.h"
#include "ingest/dqa3/dqa3_worker.h"  // UnmappedMachines
#include "process/common/session_mapping.h"
#include "process/dqa3/dqa3_row.h"
#include "process/dqa3/dqa3_session.h"
#include "store/record.h"

namespace qcflow::dqa3 {
namespace {

using component::Checklist;
using component::ExpectedUpload;

// (machine id, beam name) -> the newest row of that beam, as the transform parses it.
using NewestRows = std::map<std::pair<std::string, std::string>, std::pair<MicrosUtc, Dqa3Row>>;

// Reads the rows a poll would journal now, into no journal, and keeps the newest
// of each machine and beam. Rows the transform cannot read are left out (it
// reports them when it runs). *rows_read: every row read.
Result<NewestRows> ReadNewestRows(Dqa3Source& reader, size_t* rows_read) {
  NewestRows newest;
  auto report = reader.Read(NowMicros(), [&newest](Record r) {
    auto row = ParseDqa3Payload(r.payload);
    if (!row.ok()) return;
    auto [it, added] = newest.try_emplace({row->machine_id, row->beam_name}, r.event_time, *row);
    if (!added && r.event_time >= it->second.first) it->second = {r.event_time, std::move(*row)};
  });
  if (!report.ok()) return report.status();
  *rows_read = report->rows_read;
  return newest;
}

// The sessions `rows` (one machine's) would become, one upload per test list:
// single mode a session per beam, grouped one session of the selected beams.
std::vector<ExpectedUpload> UploadsOf(const Dqa3SourceSettings& source, std::vector<SeqRow> rows,
                                      const UnitRef& unit, const ExpectedUpload& base) {
  const Dqa3SessionOptions options = SessionOptionsFor(source.transform);
  std::vector<QcSession> sessions;
  if (source.transform.mode == Dqa3Mode::kSingle) {
    for (const SeqRow& row : rows) {
      auto s = BuildSingleSession(row, unit, options);
      if (s.ok()) sessions.push_back(std::move(*s));  // else never sent: the transform reports it
    }
  } else {
    std::erase_if(rows, [&](const SeqRow& r) {
      return !BeamSelected(source.transform.beam_filter, r.row.beam_type);
    });
    if (!rows.empty()) {
      auto s = BuildGroupedSession(std::move(rows), "validate", 0, unit, options);
      if (s.ok()) sessions.push_back(std::move(*s));
    }
  }
  std::map<std::string, ExpectedUpload> by_test_list;
  for (const QcSession& s : sessions) {
    auto [it, added] = by_test_list.try_emplace(s.test_list_name, base);
    it->second.test_list = s.test_list_name;
    for (const TestResult& t : s.tests) it->second.macros.insert(t.key);
  }
  std::vector<ExpectedUpload> out;
  for (auto& [name, up] : by_test_list) out.push_back(std::move(up));
  return out;
}

std::vector<ExpectedUpload> CheckDqa3Source(const Dqa3SourceSettings& source, Checklist* list) {
  const std::string who = "source '" + source.name + "': ";
  const std::string db = DescribeConnection(source.source.connection);
  Dqa3Source reader(source.source);
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
  size_t rows_read = 0;
  auto newest = ReadNewestRows(reader, &rows_read);
  const std::string window = "the last " + std::to_string(source.source.history_days) + " day(s)";
  if (!newest.ok()) {
    list->Fail(who + db + ": reading the rows of " + window + " failed (" + newest.status().message() +
               "), so their test lists were not checked.");
  } else {
    list->Ok(who + std::to_string(rows_read) + " row(s) in " + window +
             "; the newest of each machine and beam is checked against QATrack+");
  }
  std::vector<ExpectedUpload> uploads;
  for (const auto& m : *machines) {
    // As the transform matches: display name, machine name, then id.
    const std::optional<UnitRef> unit = FindUnit(source.transform.unit_map, {m.display_name, m.name, m.id});
    if (!unit) continue;
    const ExpectedUpload unit_only{unit->number ? "number" : "name",
                                   unit->number ? std::to_string(*unit->number) : unit->name, "", {},
                                   "DQA3 sessions of machine '" + m.display_name + "' from '" + source.name + "'"};
    std::vector<SeqRow> rows;
    if (newest.ok()) {
      for (const auto& [key, row] : *newest) {
        if (key.first == m.id) rows.push_back({rows.size() + 1, row.second});
      }
    }
    std::vector<ExpectedUpload> needed = UploadsOf(source, std::move(rows), *unit, unit_only);
    if (needed.empty()) {
      if (newest.ok()) {
        list->Ok(who + "machine '" + m.display_name + "' has no rows to upload in " + window +
                 ": only its unit is checked");
      }
      needed.push_back(unit_only);
    }
    uploads.insert(uploads.end(), needed.begin(), needed.end());
  }
  return uploads;
}

}  // namespace

void Dqa3Component::Check(component::CheckContext& ctx) const {
  ctx.uploads[name()] = CheckDqa3Source(settings_, ctx.list);
}

}  // namespace qcflow::dqa3
