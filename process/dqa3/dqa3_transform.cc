// One Step: read a chunk of journal records after the cursor, parse the dqa3
// payloads in parallel (oneTBB; TBB stays inside this file), then, serially in
// journal order, map units, build single sessions or feed the window grouper,
// emit ready windows, and commit everything with the cursor in one WriteSet.
#include "process/dqa3/dqa3_transform.h"

#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/parallel_for.h>

#include <algorithm>
#include <cctype>
#include <exception>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <unordered_map>

#include "process/common/qc_session.h"
#include "process/common/session_stage.h"
#include "process/common/step_loop.h"
#include "process/common/text_template.h"
#include "process/dqa3/dqa3_records.h"
#include "process/dqa3/dqa3_row.h"
#include "process/dqa3/dqa3_session.h"
#include "store/coding.h"
#include "store/derived.h"
#include "store/journal.h"
#include "store/store.h"
#include "store/write_set.h"

namespace qcflow::dqa3 {
namespace {

using internal::DecodeRowMember;
using internal::DecodeWindowState;
using internal::EncodeRowMember;
using internal::EncodeWindowState;
using internal::DecodeMachineNames;
using internal::EncodeMachineNames;
using internal::kRowNs;
using internal::kUnmappedNs;
using internal::MachineNames;
using internal::kWindowNs;
using internal::SeqKey;
using internal::WindowStateKey;

std::string LowerAscii(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = char(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// One journal record of this transform's source, parsed off the serial path.
struct Work {
  uint64_t seq = 0;
  std::string payload;
  std::optional<Result<Dqa3Row>> row;
};

std::string Describe(uint64_t seq, const Dqa3Row& row) {
  return "DQA3 measurement " + row.data_key + " (" + row.DisplayName() + ", " + row.beam_name +
         ", journal seq " + std::to_string(seq) + ")";
}

}  // namespace

bool BeamSelected(BeamFilter filter, const std::string& beam_type) {
  const std::string t = LowerAscii(beam_type);
  switch (filter) {
    case BeamFilter::kAll: return true;
    case BeamFilter::kPhotons: return t == "photon" || t == "fff";
    case BeamFilter::kElectrons: return t == "electron";
  }
  return true;
}

Dqa3SessionOptions SessionOptionsFor(const Dqa3TransformConfig& config) {
  Dqa3SessionOptions options;
  options.test_list_template = config.test_list_template.empty()
                                   ? DefaultTestListTemplate(config.mode)
                                   : config.test_list_template;
  options.zone = config.zone;
  options.source_id = config.source_id;
  return options;
}

std::string DefaultTestListTemplate(Dqa3Mode mode) {
  return mode == Dqa3Mode::kSingle ? "Daily QA3 Results: {{ beam_name }}" : "Daily QA3 Results";
}

const std::vector<std::string>& Dqa3TemplateVariables(Dqa3Mode mode) {
  static const std::vector<std::string> kSingleVars = {
      "beam_name", "energy", "beam_type", "wedge_type", "wedge_angle",
      "wedge_orient", "device", "machine_name", "room_name"};
  static const std::vector<std::string> kGroupedVars = {"machine_name", "room_name"};
  return mode == Dqa3Mode::kSingle ? kSingleVars : kGroupedVars;
}

Result<Dqa3Mode> ParseDqa3Mode(std::string_view text) {
  const std::string t = LowerAscii(text);
  if (t == "single") return Dqa3Mode::kSingle;
  if (t == "grouped") return Dqa3Mode::kGrouped;
  return Status::InvalidArgument("DQA3 mode '" + std::string(text) +
                                 "' is not known; use \"single\" (one beam per test list) or "
                                 "\"grouped\" (multiple beams per test list)");
}

Result<BeamFilter> ParseBeamFilter(std::string_view text) {
  const std::string t = LowerAscii(text);
  if (t == "all") return BeamFilter::kAll;
  if (t == "photons") return BeamFilter::kPhotons;
  if (t == "electrons") return BeamFilter::kElectrons;
  return Status::InvalidArgument("DQA3 beam types '" + std::string(text) +
                                 "' is not known; use \"all\", \"photons\" (Photon and FFF) or "
                                 "\"electrons\"");
}

Status ValidateDqa3TransformConfig(const Dqa3TransformConfig& c) {
  const std::string tmpl =
      c.test_list_template.empty() ? DefaultTestListTemplate(c.mode) : c.test_list_template;
  QCFLOW_RETURN_IF_ERROR(
      CheckTemplate(tmpl, Dqa3TemplateVariables(c.mode)).WithContext("DQA3 test list name"));
  QCFLOW_RETURN_IF_ERROR(CheckZone(c.zone).WithContext("DQA3 database time zone"));
  if (c.window_micros < 0) return Status::InvalidArgument("DQA3 grouping window must not be negative");
  if (c.wait_micros < 0) return Status::InvalidArgument("DQA3 wait for results must not be negative");
  return Status::OK();
}

void StepReport::Add(const StepReport& s) {
  records_read += s.records_read;
  rows_read += s.rows_read;
  rows_unreadable += s.rows_unreadable;
  rows_unmapped += s.rows_unmapped;
  rows_filtered += s.rows_filtered;
  rows_raced += s.rows_raced;
  sessions_emitted += s.sessions_emitted;
  amendments_emitted += s.amendments_emitted;
  late_rows += s.late_rows;
  pending_rows = s.pending_rows;
  caught_up = s.caught_up;
  problems.insert(problems.end(), s.problems.begin(), s.problems.end());
}

struct Dqa3Transform::Impl {
  Store* store;
  Dqa3TransformConfig config;
  Dqa3SessionOptions options;
  TimeWindowGrouper grouper;
  std::string scope;        // source id \0: prefix of this transform's own records
  std::string cursor_name;
  SessionTarget target;     // where sessions go (derived, index, outboxes)
  bool restored = false;
  std::set<std::string> unmapped_reported;  // machines named once per lifetime
  // Rows held back for want of a unit whose machine the unit map now names
  // (found by Restore); the next step sends them before reading on.
  std::vector<Work> held;

  Impl(Store* s, Dqa3TransformConfig c)
      : store(s), config(std::move(c)), grouper(NewGrouper(config)) {
    if (config.records_per_step == 0) config.records_per_step = 1;
    if (config.groups_per_step == 0) config.groups_per_step = 1;
    options = SessionOptionsFor(config);
    scope = config.source_id + '\0';
    cursor_name = config.source_id.empty() ? std::string(kCursorName)
                                           : std::string(kCursorName) + "/" + config.source_id;
    target = SessionTarget{kSessionNs, kSessionByMachine, config.sinks};
  }

  static TimeWindowGrouper NewGrouper(const Dqa3TransformConfig& c) {
    const int64_t window = c.window_micros;
    return TimeWindowGrouper([window](std::string_view) { return window; }, c.wait_micros,
                             c.late_policy);
  }
  bool grouped() const { return config.mode == Dqa3Mode::kGrouped; }
  bool InScope(std::string_view source_id) const {
    return config.source_id.empty() || source_id == config.source_id;
  }
  // A failed step forgets in-memory state; the next Step restores it.
  void Reset() {
    grouper = NewGrouper(config);
    restored = false;
  }

  static MachineNames NamesOf(const Dqa3Row& row) {
    return {row.DisplayName(), row.machine_name, row.machine_id};
  }
  std::optional<UnitRef> UnitFor(const MachineNames& m) const {
    return FindUnit(config.unit_map, {m.display, m.name, m.id});
  }
  std::optional<UnitRef> UnitFor(const Dqa3Row& row) const {
    return FindUnit(config.unit_map, MachineNamesOf(row));
  }

  Status Restore();
  // Finds held rows whose machine is mapped now (see `held`).
  Status RestoreHeld();
  Result<StepReport> Step(MicrosUtc now);
  // Reads records after `cursor`; returns the next cursor. *read: records
  // visited; *at_end: the journal has nothing after them.
  Result<uint64_t> Read(uint64_t cursor, std::vector<Work>* work, size_t* read, bool* at_end);
  // "DQA3 measurement <data key> (...)" for a late row, re-read from the journal.
  std::string DescribeSeq(uint64_t seq);
  // Data problems are reported and skip the row; an error (the store failed) fails the step.
  Status Consume(Work& w, WriteSet* ws, std::set<std::string>* keys, StepReport* report);
  // A ready window's session, built in parallel with the step's other windows
  // from `records` (the members' journal records, read in one batch).
  struct BuiltGroup {
    Status error;                      // a member is missing: the step fails
    std::vector<std::string> problems;
    std::optional<QcSession> session;  // nullopt: nothing to emit
    std::string machine;
    std::string encoded;
  };
  BuiltGroup BuildGroup(const WindowGroup& g,
                        const std::unordered_map<uint64_t, Record>& records) const;
  // Serial, in window order: stages the built sessions.
  Status EmitGroups(const std::vector<WindowGroup>& groups, WriteSet* ws,
                    std::set<std::string>* keys, StepReport* report);
  // `encoded`: EncodeQcSession(s) when the caller has it, else "".
  Status Emit(QcSession s, const std::string& machine, WriteSet* ws, std::set<std::string>* keys,
              StepReport* report, std::string encoded = "");
};

Status Dqa3Transform::Impl::Restore() {
  grouper = NewGrouper(config);
  if (grouped()) {
    Derived& derived = store->derived();
    Status failed;
    QCFLOW_RETURN_IF_ERROR(derived.Scan(kWindowNs, scope, [&](std::string_view k, std::string_view v) {
      WindowState w;
      failed = DecodeWindowState(k.substr(scope.size()), v, &w);
      if (failed.ok()) grouper.RestoreEmitted(w);
      return failed.ok();
    }));
    QCFLOW_RETURN_IF_ERROR(failed);
    QCFLOW_RETURN_IF_ERROR(derived.Scan(kRowNs, scope, [&](std::string_view k, std::string_view v) {
      WindowMember m;
      failed = DecodeRowMember(k.substr(scope.size()), v, &m);
      if (failed.ok()) grouper.Add(m);
      return failed.ok();
    }));
    QCFLOW_RETURN_IF_ERROR(failed.WithContext("restoring the DQA3 transform"));
    grouper.TakeLate();  // late again here: reported (dqa3.late) when first seen
  }
  QCFLOW_RETURN_IF_ERROR(RestoreHeld().WithContext("restoring the DQA3 transform"));
  restored = true;
  return Status::OK();
}

Status Dqa3Transform::Impl::RestoreHeld() {
  held.clear();
  std::vector<uint64_t> mapped;
  Status failed;
  QCFLOW_RETURN_IF_ERROR(store->derived().Scan(
      kUnmappedNs, scope, [&](std::string_view k, std::string_view v) {
        MachineNames m;
        failed = DecodeMachineNames(v, &m);
        if (failed.ok() && k.size() == scope.size() + 8 && UnitFor(m)) {
          mapped.push_back(coding::GetBigEndian64(k.substr(scope.size())));
        }
        return failed.ok();
      }));
  QCFLOW_RETURN_IF_ERROR(failed);
  // The record stays (the store never deletes); a row sent before is a
  // no-op the second time: its session exists, or the grouper knows its seq.
  for (uint64_t seq : mapped) {
    auto rec = store->journal().Get(seq);
    if (!rec.ok()) return rec.status();
    Work w{seq, "", ParseDqa3Payload(rec->payload)};
    if (!grouped() && w.row->ok()) {
      auto stored = store->derived().Get(kSessionNs, SingleUserKey(**w.row));
      if (!stored.ok()) return stored.status();
      if (*stored) continue;
    }
    held.push_back(std::move(w));
  }
  return Status::OK();
}

Result<uint64_t> Dqa3Transform::Impl::Read(uint64_t cursor, std::vector<Work>* work,
                                           size_t* read, bool* at_end) {
  auto next = store->journal().ScanKinds(cursor, config.records_per_step, {Kind::kDqa3},
                                    [&](uint64_t seq, const RecordView& rec) {
                                      ++*read;
                                      if (rec.kind == Kind::kDqa3 && !rec.quarantined() &&
                                          InScope(rec.source_id)) {
                                        work->push_back({seq, std::string(rec.payload), {}});
                                      }
                                      return true;
                                    });
  if (!next.ok()) return next.status().WithContext("reading the journal for the DQA3 transform");
  *at_end = *read < config.records_per_step;
  return *next;
}

std::string Dqa3Transform::Impl::DescribeSeq(uint64_t seq) {
  auto rec = store->journal().Get(seq);
  auto row = rec.ok() ? ParseDqa3Payload(rec->payload) : Result<Dqa3Row>(rec.status());
  return row.ok() ? Describe(seq, *row) : "DQA3 journal record " + std::to_string(seq);
}

Status Dqa3Transform::Impl::Emit(QcSession s, const std::string& machine, WriteSet* ws,
                                 std::set<std::string>* keys, StepReport* report,
                                 std::string encoded) {
  // A taken key can only come from a window shorter than a minute (two windows
  // of one machine in the same minute): StageSession keeps both.
  const std::string base = s.user_key;
  if (encoded.empty()) encoded = EncodeQcSession(s);
  auto staged = StageSession(store->derived(), target, machine, &s, std::move(encoded), keys, ws);
  if (!staged.ok()) return staged.status();
  if (staged->renamed) {
    report->problems.push_back("DQA3 session " + base + " was already taken by another "
                               "session; stored and queued under " +
                               (staged->user_key.empty() ? "no free key" : staged->user_key));
  }
  if (staged->user_key.empty()) return Status::OK();
  ++(s.amendment ? report->amendments_emitted : report->sessions_emitted);
  return Status::OK();
}

Status Dqa3Transform::Impl::Consume(Work& w, WriteSet* ws, std::set<std::string>* keys,
                                    StepReport* report) {
  ++report->rows_read;
  if (!w.row->ok()) {
    ++report->rows_unreadable;
    report->problems.push_back("DQA3 journal record " + std::to_string(w.seq) +
                               " skipped: " + w.row->status().message());
    return Status::OK();
  }
  Dqa3Row& row = **w.row;
  if (grouped() && !BeamSelected(config.beam_filter, row.beam_type)) {
    ++report->rows_filtered;
    return Status::OK();
  }
  auto unit = UnitFor(row);
  if (!unit) {
    ++report->rows_unmapped;
    ws->PutDerived(kUnmappedNs, scope + SeqKey(w.seq), EncodeMachineNames(NamesOf(row)));
    if (unmapped_reported.insert(row.DisplayName()).second) {
      report->problems.push_back(
          "DQA3 machine '" + row.DisplayName() + "' (id " + row.machine_id +
          ") has no QATrack+ unit in the unit map; its measurements are held, not sent. Add "
          "it to the source's units (by that name or id) and restart qcflow to send them");
    }
    return Status::OK();
  }
  for (const std::string& p : row.problems) {
    report->problems.push_back(Describe(w.seq, row) + ": " + p);
  }
  if (row.set_key_mismatch) {
    ++report->rows_raced;
    report->problems.push_back(Describe(w.seq, row) +
                               " was hit by the vendor's DATA_KEY race: its values are uploaded "
                               "as measured (temperature, pressure, comment, signature and device "
                               "may be another measurement's). The warning is the first line of "
                               "the session comment, which QATrack+ receives only with "
                               "include_comments = true; `qcflow status` counts it (race_flagged) "
                               "and `qcflow query sessions --format json` shows it");
  }
  if (!grouped()) {
    auto s = BuildSingleSession({w.seq, row}, *unit, options);
    if (!s.ok()) {  // the row's own data (e.g. an impossible time): it stays in the journal
      report->problems.push_back(Describe(w.seq, row) + " not sent: " + s.status().message());
      return Status::OK();
    }
    return Emit(std::move(*s), row.DisplayName(), ws, keys, report);
  }
  auto t = ToNaive(row.work_started);
  if (!t.ok()) {
    ++report->rows_unreadable;
    report->problems.push_back(Describe(w.seq, row) + " skipped: " + t.status().message());
    return Status::OK();
  }
  WindowMember m{row.machine_id, *t, w.seq};
  if (grouper.Add(m) != TimeWindowGrouper::Added::kDuplicate) {
    ws->PutDerived(kRowNs, scope + SeqKey(w.seq), EncodeRowMember(m));
  }
  return Status::OK();
}

Dqa3Transform::Impl::BuiltGroup Dqa3Transform::Impl::BuildGroup(
    const WindowGroup& g, const std::unordered_map<uint64_t, Record>& records) const {
  BuiltGroup b;
  const std::string window_key = WindowKey(FromNaive(g.open));
  const std::string user_key = GroupedUserKey(g.key, window_key, g.amendment);
  std::vector<SeqRow> rows;
  for (const WindowMember& m : g.members) {
    auto rec = records.find(m.seq);
    if (rec == records.end()) {
      b.error = Status::Corruption("DQA3 row " + std::to_string(m.seq) + " of " + user_key +
                                   " is missing from the journal");
      return b;
    }
    auto row = ParseDqa3Payload(rec->second.payload);
    if (!row.ok()) {  // it parsed when it was added: only a changed parser gets here
      b.problems.push_back("DQA3 journal record " + std::to_string(m.seq) + " left out of " +
                           user_key + ": " + row.status().message());
      continue;
    }
    rows.push_back({m.seq, std::move(*row)});
  }
  if (rows.empty()) return b;
  auto unit = UnitFor(rows.front().row);
  if (!unit) {
    b.problems.push_back("DQA3 session " + user_key + " not sent: machine '" +
                         rows.front().row.DisplayName() + "' left the unit map");
    return b;
  }
  b.machine = rows.front().row.DisplayName();
  auto s = BuildGroupedSession(std::move(rows), window_key, g.amendment, *unit, options);
  if (!s.ok()) {
    b.problems.push_back("DQA3 session " + user_key + " not built: " + s.status().message());
    return b;
  }
  b.encoded = EncodeQcSession(*s);
  b.session = std::move(*s);
  return b;
}

Status Dqa3Transform::Impl::EmitGroups(const std::vector<WindowGroup>& groups, WriteSet* ws,
                                       std::set<std::string>* keys, StepReport* report) {
  // The members of every window of the step in one batched read, then the
  // sessions (parse, build, encode: the costly part) on every core.
  std::vector<uint64_t> seqs;
  for (const WindowGroup& g : groups) {
    for (const WindowMember& m : g.members) seqs.push_back(m.seq);
  }
  auto read = store->journal().GetMany(seqs);
  if (!read.ok()) return read.status().WithContext("re-reading DQA3 rows");
  std::unordered_map<uint64_t, Record> records;
  for (size_t i = 0; i < seqs.size(); ++i) {
    if ((*read)[i]) records.emplace(seqs[i], std::move(*(*read)[i]));
  }
  std::vector<BuiltGroup> built(groups.size());
  try {
    oneapi::tbb::parallel_for(oneapi::tbb::blocked_range<size_t>(0, groups.size(), 8),
                              [&](const oneapi::tbb::blocked_range<size_t>& r) {
                                for (size_t i = r.begin(); i != r.end(); ++i) {
                                  built[i] = BuildGroup(groups[i], records);
                                }
                              });
  } catch (const std::exception& e) {
    return Status::Internal(std::string("building DQA3 sessions failed: ") + e.what());
  }
  for (BuiltGroup& b : built) {
    QCFLOW_RETURN_IF_ERROR(b.error);
    for (std::string& p : b.problems) report->problems.push_back(std::move(p));
    if (!b.session) continue;
    QCFLOW_RETURN_IF_ERROR(
        Emit(std::move(*b.session), b.machine, ws, keys, report, std::move(b.encoded)));
  }
  return Status::OK();
}

Result<StepReport> Dqa3Transform::Impl::Step(MicrosUtc now) {
  if (!restored) QCFLOW_RETURN_IF_ERROR(Restore());
  auto now_naive = WallClockNaive(now, config.zone);
  if (!now_naive.ok()) return now_naive.status().WithContext("DQA3 transform clock");
  auto cursor = store->GetCursor(cursor_name);
  if (!cursor.ok()) return cursor.status();

  StepReport report;
  std::vector<Work> work;
  bool at_end = false;
  auto next = Read(*cursor, &work, &report.records_read, &at_end);
  if (!next.ok()) return next.status();
  try {  // JSON parsing is the per-record cost: spread it over the cores
    oneapi::tbb::parallel_for(oneapi::tbb::blocked_range<size_t>(0, work.size(), 64),
                              [&](const oneapi::tbb::blocked_range<size_t>& r) {
                                for (size_t i = r.begin(); i != r.end(); ++i) {
                                  work[i].row = ParseDqa3Payload(work[i].payload);
                                }
                              });
  } catch (const std::exception& e) {
    return Status::Internal(std::string("parsing DQA3 rows failed: ") + e.what());
  }

  WriteSet ws;
  std::set<std::string> keys;  // session keys used in this step
  auto fail = [&](Status s) {
    Reset();
    return s;
  };
  for (std::vector<Work>* batch : {&held, &work}) {
    for (Work& w : *batch) {
      if (Status st = Consume(w, &ws, &keys, &report); !st.ok()) return fail(st);
    }
  }
  // Windows close only once every journaled row was seen (journal order is
  // not measurement order after a backfill).
  const bool caught_up = at_end || *next > store->journal().last_seq();
  bool more_ready = false;
  if (grouped()) {
    std::vector<WindowGroup> groups;
    if (caught_up) groups = grouper.TakeReady(*now_naive, config.groups_per_step);
    // More windows ready than one step builds: not caught up until they are out.
    const auto next_ready = grouper.NextReadyTime();
    more_ready = caught_up && next_ready && *next_ready <= *now_naive;
    if (Status s = EmitGroups(groups, &ws, &keys, &report); !s.ok()) return fail(s);
    std::vector<LateMember> late = grouper.TakeLate();
    std::set<std::pair<std::string, NaiveMicros>> touched;
    for (const WindowGroup& g : groups) touched.insert({g.key, g.open});
    for (const LateMember& l : late) {
      touched.insert({l.member.key, l.open});
      const std::string window_key = WindowKey(FromNaive(l.open));
      const std::string user_key = GroupedUserKey(l.member.key, window_key, 0);
      nlohmann::ordered_json j = {{"machine_id", l.member.key},
                                  {"measured", FormatCivil(FromNaive(l.member.t))},
                                  {"window_key", window_key},
                                  {"user_key", user_key},
                                  {"amended", l.amended}};
      ws.PutDerived(kLateNs, scope + SeqKey(l.member.seq),
                    j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
      if (!l.amended) {
        report.problems.push_back(DescribeSeq(l.member.seq) + " measured at " +
                                  FormatCivil(FromNaive(l.member.t)) +
                                  " arrived after session " + user_key +
                                  " was emitted; recorded in dqa3.late, not uploaded");
      }
    }
    report.late_rows = late.size();
    if (!touched.empty()) {
      for (const WindowState& w : grouper.EmittedState()) {
        if (touched.count({w.key, w.open}) == 0) continue;
        ws.ReplaceDerived(kWindowNs, scope + WindowStateKey(w), EncodeWindowState(w));
      }
    }
  }
  if (*next != *cursor) ws.SetCursor(cursor_name, *next);
  if (!ws.empty()) {
    auto committed = store->Commit(ws);
    if (!committed.ok()) return fail(committed.status().WithContext("committing DQA3 sessions"));
    for (const std::string& c : committed->derived_conflicts) {
      report.problems.push_back("derived record " + c +
                                " was already stored with different content; kept the stored one");
    }
  }
  held.clear();
  report.pending_rows = grouper.pending();
  report.caught_up = caught_up && !more_ready;
  return report;
}

Dqa3Transform::Dqa3Transform(Store* store, Dqa3TransformConfig config)
    : impl_(std::make_unique<Impl>(store, std::move(config))) {}

Dqa3Transform::~Dqa3Transform() = default;

Status Dqa3Transform::Restore() { return impl_->Restore(); }

Result<StepReport> Dqa3Transform::Step(MicrosUtc now) { return impl_->Step(now); }

Result<StepReport> Dqa3Transform::RunUntilCaughtUp(MicrosUtc now) {
  return StepUntilCaughtUp<StepReport>([&] { return impl_->Step(now); });
}

}  // namespace qcflow::dqa3
