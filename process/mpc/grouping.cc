#include "process/mpc/grouping.h"

#include <algorithm>
#include <cstdio>

namespace qcflow::mpc {

Result<NaiveMicros> ToNaive(const CivilTime& t) { return CivilToUtc(t, "UTC"); }

CivilTime FromNaive(NaiveMicros t) {
  auto c = UtcToCivil(t, "UTC");  // cannot fail for the UTC zone
  return c.ok() ? *c : CivilTime{};
}

Result<NaiveMicros> WallClockNaive(MicrosUtc now, std::string_view zone) {
  auto c = UtcToCivil(now, zone);
  if (!c.ok()) return c.status();
  return ToNaive(*c);
}

std::string WindowKey(const CivilTime& t) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d-%02d-%02d", t.year, t.month, t.day, t.hour,
                t.minute);
  return buf;
}

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

MpcGrouper::MpcGrouper(GroupingOptions options) : options_(options) {}

std::map<NaiveMicros, MpcGrouper::Emitted>::iterator MpcGrouper::EmittedContaining(
    KeyState& ks, CheckType type, NaiveMicros t) {
  // All windows of a key have the same length, so only the latest window
  // opening at or before t can hold it.
  auto it = ks.emitted.upper_bound(t);
  if (it == ks.emitted.begin()) return ks.emitted.end();
  --it;
  return t <= it->first + WindowMicrosFor(type, options_) ? it : ks.emitted.end();
}

void MpcGrouper::RecordLate(const Key& key, NaiveMicros open, Emitted& e, NaiveMicros t,
                            const MpcRun& run) {
  LateRun late;
  late.run = run;
  late.window_key = WindowKey(FromNaive(open));
  late.user_key = RunGroup{key.serial, key.check_type, {}, late.window_key, 0, {}}.UserKey();
  late.amended = options_.late_policy == LatePolicy::kAmend;
  if (late.amended) {
    e.amend_pending.emplace(std::make_pair(t, run.seq), run);
  } else {
    e.seqs.push_back(run.seq);  // reported once; a restart will not report it again
  }
  late_.push_back(std::move(late));
}

Result<MpcGrouper::Added> MpcGrouper::Add(const MpcRun& run) {
  auto t = ToNaive(run.run_time);
  if (!t.ok()) {
    return t.status().WithContext("MPC run '" + run.folder + "' (seq " +
                                  std::to_string(run.seq) + ")");
  }
  if (!seen_.insert(run.seq).second) return Added::kDuplicate;
  Key key{run.serial, run.check_type};
  KeyState& ks = keys_[key];
  auto em = EmittedContaining(ks, run.check_type, *t);
  if (em != ks.emitted.end()) {
    RecordLate(key, em->first, em->second, *t, run);
    return Added::kLate;
  }
  ks.pending.emplace(std::make_pair(*t, run.seq), run);
  ++pending_runs_;
  return Added::kPending;
}

std::vector<MpcGrouper::Window> MpcGrouper::PendingWindows(const KeyState& ks,
                                                          CheckType type) const {
  const int64_t len = WindowMicrosFor(type, options_);
  std::vector<Window> windows;
  auto it = ks.pending.begin();
  while (it != ks.pending.end()) {
    const NaiveMicros open = it->first.first;
    // No window can take a run of a later emitted window E: such a run is in
    // [E.open, E.open + len] (else it would not belong to E), and
    // open < E.open, so it is beyond open + len. Windows may overlap in time
    // (a window opened by a run older than E), never in runs.
    Window w{it, std::next(it), open};  // the opening run, even if len < 0
    while (w.end != ks.pending.end() && w.end->first.first <= open + len) {
      w.newest = w.end->first.first;
      ++w.end;
    }
    windows.push_back(w);
    it = w.end;
  }
  return windows;
}

std::vector<RunGroup> MpcGrouper::TakeReady(NaiveMicros now) {
  std::vector<RunGroup> ready;
  for (auto& [key, ks] : keys_) {
    // (open, amendment) -> group; sorted per key, keys are visited in order.
    std::map<std::pair<NaiveMicros, int>, RunGroup> taken;
    auto take = [&](NaiveMicros open, int amendment, Pending::const_iterator b,
                    Pending::const_iterator e) {
      RunGroup& g = taken[{open, amendment}];
      g.serial = key.serial;
      g.check_type = key.check_type;
      g.open = FromNaive(open);
      g.window_key = WindowKey(g.open);
      g.amendment = amendment;
      for (auto i = b; i != e; ++i) g.runs.push_back(i->second);
    };
    // Amendments of emitted windows.
    for (auto& [open, em] : ks.emitted) {
      if (em.amend_pending.empty()) continue;
      if (std::prev(em.amend_pending.end())->first.first + options_.wait_micros > now) continue;
      ++em.amendments;
      for (const auto& [tk, run] : em.amend_pending) em.seqs.push_back(run.seq);
      take(open, em.amendments, em.amend_pending.begin(), em.amend_pending.end());
      em.amend_pending.clear();
    }
    // New windows. Readiness is monotone in time (a later window's newest run
    // is later), so the first window that is not ready ends the scan.
    for (const Window& w : PendingWindows(ks, key.check_type)) {
      if (w.newest + options_.wait_micros > now) break;
      const NaiveMicros open = w.begin->first.first;
      take(open, 0, w.begin, w.end);
      Emitted& em = ks.emitted[open];
      for (auto i = w.begin; i != w.end; ++i) {
        em.seqs.push_back(i->second.seq);
        --pending_runs_;
      }
      ks.pending.erase(w.begin, w.end);
    }
    for (auto& [order, g] : taken) ready.push_back(std::move(g));
  }
  return ready;
}

std::optional<NaiveMicros> MpcGrouper::NextReadyTime() const {
  std::optional<NaiveMicros> next;
  auto consider = [&](NaiveMicros t) {
    if (!next || t < *next) next = t;
  };
  for (const auto& [key, ks] : keys_) {
    for (const auto& [open, em] : ks.emitted) {
      if (!em.amend_pending.empty()) {
        consider(std::prev(em.amend_pending.end())->first.first + options_.wait_micros);
      }
    }
    // The first window of a key becomes ready first.
    if (!ks.pending.empty()) consider(PendingWindows(ks, key.check_type).front().newest +
                                      options_.wait_micros);
  }
  return next;
}

std::vector<LateRun> MpcGrouper::TakeLate() {
  std::vector<LateRun> out;
  out.swap(late_);
  return out;
}

Status MpcGrouper::RestoreEmitted(const EmittedWindow& w) {
  auto open = ToNaive(w.open);
  if (!open.ok()) {
    return open.status().WithContext("restoring MPC window of " + w.serial);
  }
  Key key{w.serial, w.check_type};
  KeyState& ks = keys_[key];
  Emitted& em = ks.emitted[*open];
  em.amendments = std::max(em.amendments, w.amendments);
  std::unordered_set<uint64_t> listed(w.seqs.begin(), w.seqs.end());
  for (uint64_t seq : w.seqs) {
    if (seen_.insert(seq).second) em.seqs.push_back(seq);
  }
  // Runs fed before the restore (seen_ had them, so they are not in em.seqs
  // yet): listed ones were emitted; other ones inside the window are late now.
  const NaiveMicros end = *open + WindowMicrosFor(w.check_type, options_);
  for (auto it = ks.pending.begin(); it != ks.pending.end();) {
    const auto& [tk, run] = *it;
    if (listed.count(run.seq) != 0) {
      em.seqs.push_back(run.seq);
    } else if (tk.first >= *open && tk.first <= end) {
      RecordLate(key, *open, em, tk.first, run);
    } else {
      ++it;
      continue;
    }
    it = ks.pending.erase(it);
    --pending_runs_;
  }
  return Status::OK();
}

std::vector<EmittedWindow> MpcGrouper::EmittedState() const {
  std::vector<EmittedWindow> out;
  for (const auto& [key, ks] : keys_) {
    for (const auto& [open, em] : ks.emitted) {
      EmittedWindow w;
      w.serial = key.serial;
      w.check_type = key.check_type;
      w.open = FromNaive(open);
      w.amendments = em.amendments;
      w.seqs = em.seqs;
      out.push_back(std::move(w));
    }
  }
  return out;
}

size_t MpcGrouper::pending_runs() const { return pending_runs_; }

}  // namespace qcflow::mpc
