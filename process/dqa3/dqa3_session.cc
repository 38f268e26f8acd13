#include "process/dqa3/dqa3_session.h"

#include <algorithm>
#include <map>

#include "process/common/slug.h"
#include "process/common/text_template.h"
#include "process/common/time_window.h"

namespace qcflow::dqa3 {
namespace {

// The row columns that describe the session rather than measure the beam.
bool IsContextColumn(std::string_view name) {
  static constexpr std::string_view kContext[] = {"data_key",  "machine_name", "room_name",
                                                  "signature", "device",       "temperature",
                                                  "pressure"};
  return std::find(std::begin(kContext), std::end(kContext), name) != std::end(kContext);
}

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() > suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

const Dqa3Column* FindColumn(const Dqa3Row& row, std::string_view name) {
  for (const Dqa3Column& c : row.columns) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

// The column named `name` + `suffix`, without building that name (asked for
// every measured column of every row).
const Dqa3Column* FindColumn(const Dqa3Row& row, std::string_view name, std::string_view suffix) {
  for (const Dqa3Column& c : row.columns) {
    const std::string_view n = c.name;
    if (n.size() == name.size() + suffix.size() && n.starts_with(name) && n.ends_with(suffix)) {
      return &c;
    }
  }
  return nullptr;
}

// One column as a test. `key_of` turns a column name into its key (the column
// itself for single sessions, column + beam for grouped ones), so a baseline or
// diff names the key of the measure it belongs to.
template <typename KeyOf>
TestResult ToTest(const Dqa3Row& row, const Dqa3Column& c, const KeyOf& key_of) {
  TestResult t;
  t.key = key_of(c.name);
  t.name = c.name;
  if (c.number) {
    t.number = *c.number;
  } else if (c.text) {
    t.text = *c.text;
  } else {
    t.skipped = true;
  }
  if (IsContextColumn(c.name)) {
    t.role = TestRole::kContext;
    return t;
  }
  std::string_view measure = c.name;
  if (EndsWith(c.name, "_baseline")) {
    t.role = TestRole::kReference;
    measure.remove_suffix(9);
  } else if (EndsWith(c.name, "_diff")) {
    t.role = TestRole::kDeviation;
    measure.remove_suffix(5);
  }
  if (t.role == TestRole::kMeasured) {
    const Dqa3Column* baseline = FindColumn(row, c.name, "_baseline");
    if (baseline && baseline->number) t.reference = *baseline->number;
  } else {
    t.measure = key_of(std::string(measure));
  }
  for (const char* var : {"beam_name", "energy", "beam_type", "wedge_type", "wedge_angle",
                          "wedge_orient"}) {
    auto it = row.vars.find(var);
    if (it != row.vars.end() && !it->second.empty()) t.parameters[var] = it->second;
  }
  return t;
}

std::string ColumnText(const Dqa3Row& row, std::string_view name) {
  const Dqa3Column* c = FindColumn(row, name);
  return c && c->text ? *c->text : std::string();
}

// Row comments and race warnings, in row order, one per line.
std::string Comment(const std::vector<SeqRow>& rows) {
  std::string out;
  auto line = [&](const std::string& s) {
    if (s.empty()) return;
    if (!out.empty()) out += "\n";
    out += s;
  };
  for (const SeqRow& r : rows) {
    if (r.row.set_key_mismatch) line(RaceWarning(r.row));
  }
  for (const SeqRow& r : rows) line(r.row.comment);
  return out;
}

QcSession Base(const Dqa3Row& row, const UnitRef& unit, const Dqa3SessionOptions& options) {
  QcSession s;
  s.source_kind = "dqa3";
  s.source_id = options.source_id;
  s.machine = {.name = row.DisplayName(), .id = row.machine_id, .type = "linac"};
  s.device = {.type = "Daily QA 3", .serial = ColumnText(row, "device")};
  s.procedure = "Daily QA3";
  s.performer = ColumnText(row, "signature");
  s.zone = options.zone;
  SetSessionUnit(unit, &s);
  s.machine_names = MachineNamesOf(row);
  return s;
}

}  // namespace

std::string RaceWarning(const Dqa3Row& row) {
  return "WARNING (qcflow): DQA3 measurement " + row.data_key + " of beam '" + row.beam_name +
         "' was hit by the vendor's DATA_KEY race (data.SET_KEY differs from tr.SET_KEY); "
         "unit and beam are right, but temperature, pressure, comment, signature and device "
         "may belong to another measurement.";
}

std::vector<std::string> MachineNamesOf(const Dqa3Row& row) {
  return {row.DisplayName(), row.machine_name, row.machine_id};
}

std::string SingleUserKey(const Dqa3Row& row) {
  return "QCPump/DQA3/" + row.machine_id + "/" + FormatCivil(row.work_started) + "/" +
         row.data_key;
}

std::string GroupedUserKey(const std::string& machine_id, const std::string& window_key,
                           int amendment) {
  std::string key = "QCPump/DQA3/" + machine_id + "/" + window_key;
  if (amendment > 0) key += "/amend-" + std::to_string(amendment);
  return key;
}

Result<QcSession> BuildSingleSession(const SeqRow& r, const UnitRef& unit,
                                     const Dqa3SessionOptions& options) {
  const Dqa3Row& row = r.row;
  QcSession s = Base(row, unit, options);
  s.user_key = SingleUserKey(row);
  const std::string where = "DQA3 session " + s.user_key;
  s.test_list_vars = row.vars;
  auto name = RenderTemplate(options.test_list_template, s.test_list_vars);
  if (!name.ok()) return name.status().WithContext(where + ": test list name");
  s.test_list_name = std::move(*name);
  auto started = CivilToUtc(row.work_started, options.zone);
  if (!started.ok()) return started.status().WithContext(where);
  s.work_started = *started;
  s.work_completed = *started + kMicrosPerMinute;
  auto same_name = [](const std::string& column) { return column; };
  for (const Dqa3Column& c : row.columns) s.tests.push_back(ToTest(row, c, same_name));
  std::sort(s.tests.begin(), s.tests.end(),
            [](const TestResult& a, const TestResult& b) { return a.key < b.key; });
  s.comment = Comment({r});
  s.source_seqs.push_back(r.seq);
  QCFLOW_RETURN_IF_ERROR(ValidateQcSession(s));
  return s;
}

Result<QcSession> BuildGroupedSession(std::vector<SeqRow> rows, const std::string& window_key,
                                      int amendment, const UnitRef& unit,
                                      const Dqa3SessionOptions& options) {
  if (rows.empty()) return Status::InvalidArgument("DQA3 grouped session without rows");
  QcSession s = Base(rows.front().row, unit, options);
  s.user_key = GroupedUserKey(rows.front().row.machine_id, window_key, amendment);
  s.amendment = amendment > 0;
  const std::string where = "DQA3 session " + s.user_key;
  // Time order decides which measurement of a repeated beam wins.
  struct Ordered {
    NaiveMicros t;
    uint64_t seq;
    size_t index;
  };
  std::vector<Ordered> order;
  for (size_t i = 0; i < rows.size(); ++i) {
    if (rows[i].row.machine_id != rows.front().row.machine_id) {
      return Status::InvalidArgument(where + ": rows of machines " + rows.front().row.machine_id +
                                     " and " + rows[i].row.machine_id);
    }
    auto t = ToNaive(rows[i].row.work_started);
    if (!t.ok()) return t.status().WithContext(where);
    order.push_back({*t, rows[i].seq, i});
  }
  std::sort(order.begin(), order.end(), [](const Ordered& a, const Ordered& b) {
    return a.t != b.t ? a.t < b.t : a.seq < b.seq;
  });
  std::vector<SeqRow> sorted;
  sorted.reserve(rows.size());
  for (const Ordered& o : order) sorted.push_back(std::move(rows[o.index]));

  const Dqa3Row& first = sorted.front().row;
  s.performer = ColumnText(first, "signature");  // of the earliest row, as work_started
  s.device.serial = ColumnText(first, "device");
  s.test_list_vars = {{"machine_name", first.machine_name}, {"room_name", first.room_name}};
  auto name = RenderTemplate(options.test_list_template, s.test_list_vars);
  if (!name.ok()) return name.status().WithContext(where + ": test list name");
  s.test_list_name = std::move(*name);
  auto started = CivilToUtc(first.work_started, options.zone);
  if (!started.ok()) return started.status().WithContext(where);
  auto latest = CivilToUtc(sorted.back().row.work_started, options.zone);
  if (!latest.ok()) return latest.status().WithContext(where);
  s.work_started = *started;
  s.work_completed = std::max(*latest, *started + kMicrosPerMinute);

  std::map<std::string, TestResult> tests;  // by macro; a later row replaces
  for (const SeqRow& r : sorted) {
    auto with_beam = [&](const std::string& column) { return MacroSlug(column, r.row.beam_name); };
    for (const Dqa3Column& c : r.row.columns) {
      TestResult t = ToTest(r.row, c, with_beam);
      std::string key = t.key;
      tests.insert_or_assign(std::move(key), std::move(t));
    }
    s.source_seqs.push_back(r.seq);
  }
  for (auto& [macro, t] : tests) s.tests.push_back(std::move(t));
  s.comment = Comment(sorted);
  QCFLOW_RETURN_IF_ERROR(ValidateQcSession(s));
  return s;
}

}  // namespace qcflow::dqa3
