#include "process/mpc/session_builder.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <unordered_set>

#include "ingest/mpc/quantity_name.h"
#include "process/common/slug.h"
#include "process/common/text_template.h"

namespace qcflow::mpc {

const std::vector<std::string>& MpcTemplateVariables() {
  static const std::vector<std::string> kVars = {"check_type", "serial"};
  return kVars;
}

Status ValidateSessionOptions(const SessionOptions& options) {
  QCFLOW_RETURN_IF_ERROR(CheckTemplate(options.test_list_template, MpcTemplateVariables())
                             .WithContext("MPC test list name"));
  QCFLOW_RETURN_IF_ERROR(CheckZone(options.site_zone).WithContext("MPC site time zone"));
  return Status::OK();
}

std::string TestComment(const ResultRow& row) {
  std::string threshold = "N/A";
  if (row.threshold && std::isfinite(*row.threshold)) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.3f", *row.threshold);
    threshold = buf;
  }
  return "Threshold: " + threshold + ",Result: " + row.evaluation;
}

namespace {

// The neutral description of a row: quantity, unit, threshold, verdict, beam.
TestResult DescribeTest(const ResultRow& row, const RunFolder& folder) {
  TestResult t;
  QuantityName q = SplitQuantityName(row.name);
  t.name = std::move(q.name);
  t.unit = std::move(q.unit);
  if (row.threshold && std::isfinite(*row.threshold)) t.tolerance = *row.threshold;
  t.evaluation = row.evaluation;
  t.parameters = {{"beam", folder.beam_label},
                  {"beam_type", folder.electron ? "electron" : "photon"}};
  if (!folder.energy.empty()) {
    t.parameters["energy"] = folder.energy + (folder.electron ? " MeV" : " MV");
  }
  if (folder.fff) t.parameters["fff"] = "true";
  if (folder.hdtse) t.parameters["hdtse"] = "true";
  return t;
}

}  // namespace

Result<QcSession> BuildMpcSession(const RunGroup& group, const std::vector<RunResults>& runs,
                                  const SessionOptions& options) {
  const std::string where = "MPC session " + group.UserKey();
  if (runs.empty()) return Status::InvalidArgument(where + ": no runs");
  std::unordered_set<uint64_t> members;
  for (const MpcRun& r : group.runs) members.insert(r.seq);

  // Run order decides which value wins: run time, then journal order.
  struct Ordered {
    NaiveMicros t;
    const RunResults* run;
  };
  std::vector<Ordered> ordered;
  ordered.reserve(runs.size());
  for (const RunResults& r : runs) {
    const std::string run_where = where + ": run '" + r.folder.name + "'";
    if (r.folder.serial != group.serial) {
      return Status::InvalidArgument(run_where + " has serial '" + r.folder.serial + "'");
    }
    if (r.folder.check_type != group.check_type) {
      return Status::InvalidArgument(run_where + " is a " + CheckTypeName(r.folder.check_type) +
                                     " run");
    }
    if (!members.empty() && members.count(r.seq) == 0) {
      return Status::InvalidArgument(run_where + " (seq " + std::to_string(r.seq) +
                                     ") is not in the group");
    }
    auto t = ToNaive(r.folder.run_time);
    if (!t.ok()) return t.status().WithContext(run_where);
    ordered.push_back({*t, &r});
  }
  std::stable_sort(ordered.begin(), ordered.end(), [](const Ordered& a, const Ordered& b) {
    return a.t != b.t ? a.t < b.t : a.run->seq < b.run->seq;
  });

  QcSession s;
  s.source_kind = "mpc";
  s.source_id = options.source_id;
  s.machine = {.serial = group.serial, .type = "linac", .manufacturer = "Varian"};
  s.procedure = CheckTypeName(group.check_type);
  s.zone = options.site_zone;
  s.user_key = group.UserKey();
  s.amendment = group.amendment > 0;

  // The template's inputs travel with the session: a sink renders the current
  // template at delivery, so a corrected template applies to queued items too.
  s.machine_names = {group.serial};
  s.test_list_vars = {{"check_type", CheckTypeName(group.check_type)}, {"serial", group.serial}};
  auto name = RenderTemplate(options.test_list_template, s.test_list_vars);
  if (!name.ok()) return name.status().WithContext(where + ": test list name");
  s.test_list_name = std::move(*name);

  // Times: wall clock of the site zone -> UTC instants.
  auto started = CivilToUtc(ordered.front().run->folder.run_time, options.site_zone);
  if (!started.ok()) return started.status().WithContext(where);
  auto latest = CivilToUtc(ordered.back().run->folder.run_time, options.site_zone);
  if (!latest.ok()) return latest.status().WithContext(where);
  s.work_started = *started;
  s.work_completed = std::max(*latest, *started + kMicrosPerMinute);

  std::map<std::string, TestResult> tests;  // by macro: sorted, one per macro
  for (const Ordered& o : ordered) {
    const RunResults& r = *o.run;
    for (const ResultRow& row : r.table.rows) {
      if (row.per_leaf || IsPerLeafRow(row.name)) continue;
      std::string macro = MacroSlug(row.name, r.folder.beam_label);
      if (macro.empty()) continue;  // nothing QATrack+ could match
      TestResult t = DescribeTest(row, r.folder);
      t.key = macro;
      if (row.value && std::isfinite(*row.value)) {
        t.number = *row.value;
      } else {
        t.skipped = true;
      }
      if (options.include_test_comments) t.comment = TestComment(row);
      auto [it, inserted] = tests.try_emplace(std::move(macro), t);
      // Later wins, except that a blank never replaces a measured value.
      if (!inserted && (t.number || !it->second.number)) it->second = std::move(t);
    }
    s.source_files.push_back(r.path);
    s.source_seqs.push_back(r.seq);
  }
  s.tests.reserve(tests.size());
  for (auto& [macro, t] : tests) s.tests.push_back(std::move(t));

  if (options.include_fileset_comment) {
    s.comment = "Fileset:";
    for (const std::string& path : s.source_files) s.comment += "\n\t" + path;
  }
  QCFLOW_RETURN_IF_ERROR(ValidateQcSession(s));
  return s;
}

}  // namespace qcflow::mpc
