#include "process/mpc/grouping.h"

namespace qcflow::mpc {

Status ValidateGroupingOptions(const GroupingOptions& o) {
  if (o.window_micros < 0) {
    return Status::InvalidArgument("MPC grouping window must not be negative");
  }
  if (o.wait_micros < 0) {
    return Status::InvalidArgument("MPC wait for results must not be negative");
  }
  return Status::OK();
}

int64_t WindowMicrosFor(CheckType type, const GroupingOptions& options) {
  return type == CheckType::kBeamAndGeometry ? options.window_micros : 0;
}

std::string RunGroup::UserKey() const {
  std::string key = "QCPump/MPC/" + serial + "/" + window_key + "/" + CheckTypeName(check_type);
  if (amendment > 0) key += "/amend-" + std::to_string(amendment);
  return key;
}

std::string MpcGrouper::GroupKey(const std::string& serial, CheckType type) {
  std::string key = serial;
  key.push_back('\0');
  key.push_back(char('0' + int(type)));
  return key;
}

CheckType MpcGrouper::TypeOfKey(std::string_view key) {
  return key.empty() ? CheckType::kBeamAndGeometry : CheckType(key.back() - '0');
}

MpcGrouper::MpcGrouper(GroupingOptions options)
    : options_(options),
      grouper_([o = options](std::string_view key) { return WindowMicrosFor(TypeOfKey(key), o); },
               options.wait_micros, options.late_policy) {}

Result<MpcGrouper::Added> MpcGrouper::Add(const MpcRun& run) {
  auto t = ToNaive(run.run_time);
  if (!t.ok()) {
    return t.status().WithContext("MPC run '" + run.folder + "' (seq " +
                                  std::to_string(run.seq) + ")");
  }
  switch (grouper_.Add({GroupKey(run.serial, run.check_type), *t, run.seq})) {
    case TimeWindowGrouper::Added::kDuplicate:
      return Added::kDuplicate;
    case TimeWindowGrouper::Added::kLate:
      runs_.emplace(run.seq, run);
      return Added::kLate;
    case TimeWindowGrouper::Added::kPending:
      break;
  }
  runs_.emplace(run.seq, run);
  return Added::kPending;
}

std::vector<RunGroup> MpcGrouper::TakeReady(NaiveMicros now, size_t max_groups) {
  std::vector<RunGroup> ready;
  for (WindowGroup& w : grouper_.TakeReady(now, max_groups)) {
    RunGroup& g = ready.emplace_back();
    g.serial = w.key.substr(0, w.key.size() - 2);
    g.check_type = TypeOfKey(w.key);
    g.open = FromNaive(w.open);
    g.window_key = WindowKey(g.open);
    g.amendment = w.amendment;
    for (const WindowMember& m : w.members) {
      auto it = runs_.find(m.seq);
      if (it == runs_.end()) continue;  // cannot happen: every member was added here
      g.runs.push_back(std::move(it->second));
      runs_.erase(it);
    }
  }
  return ready;
}

std::optional<NaiveMicros> MpcGrouper::NextReadyTime() const { return grouper_.NextReadyTime(); }

LateRun MpcGrouper::ToLateRun(const LateMember& late) {
  LateRun l;
  if (auto it = runs_.find(late.member.seq); it != runs_.end()) {
    l.run = it->second;
    // Reported only: nothing will ask for the run again.
    if (!late.amended) runs_.erase(it);
  }
  l.window_key = WindowKey(FromNaive(late.open));
  l.user_key = RunGroup{l.run.serial, l.run.check_type, {}, l.window_key, 0, {}}.UserKey();
  l.amended = late.amended;
  return l;
}

std::vector<LateRun> MpcGrouper::TakeLate() {
  std::vector<LateRun> out;
  for (const LateMember& late : grouper_.TakeLate()) out.push_back(ToLateRun(late));
  return out;
}

Status MpcGrouper::RestoreEmitted(const EmittedWindow& w) {
  auto open = ToNaive(w.open);
  if (!open.ok()) {
    return open.status().WithContext("restoring MPC window of " + w.serial);
  }
  grouper_.RestoreEmitted({GroupKey(w.serial, w.check_type), *open, w.amendments, w.seqs});
  // Pending runs the window listed are now emitted: forget them.
  for (uint64_t seq : w.seqs) runs_.erase(seq);
  return Status::OK();
}

std::vector<EmittedWindow> MpcGrouper::EmittedState() const {
  std::vector<EmittedWindow> out;
  for (WindowState& s : grouper_.EmittedState()) {
    EmittedWindow w;
    w.serial = s.key.substr(0, s.key.size() - 2);
    w.check_type = TypeOfKey(s.key);
    w.open = FromNaive(s.open);
    w.amendments = s.amendments;
    w.seqs = std::move(s.seqs);
    out.push_back(std::move(w));
  }
  return out;
}

size_t MpcGrouper::pending_runs() const { return grouper_.pending(); }

}  // namespace qcflow::mpc
