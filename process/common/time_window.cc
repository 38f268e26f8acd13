#include "process/common/time_window.h"

#include <algorithm>
#include <cstdio>

namespace qcflow {

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

TimeWindowGrouper::TimeWindowGrouper(WindowFor window_for, int64_t wait_micros,
                                     LatePolicy late_policy)
    : window_for_(std::move(window_for)), wait_micros_(wait_micros), late_policy_(late_policy) {}

std::map<NaiveMicros, TimeWindowGrouper::Emitted>::iterator TimeWindowGrouper::EmittedContaining(
    const std::string& key, KeyState& ks, NaiveMicros t) {
  // All windows of a key have the same length, so only the latest window
  // opening at or before t can hold it.
  auto it = ks.emitted.upper_bound(t);
  if (it == ks.emitted.begin()) return ks.emitted.end();
  --it;
  return t <= it->first + window_for_(key) ? it : ks.emitted.end();
}

void TimeWindowGrouper::RecordLate(NaiveMicros open, Emitted& e, const WindowMember& m) {
  LateMember late{m, open, late_policy_ == LatePolicy::kAmend};
  if (late.amended) {
    e.amend_pending.emplace(std::make_pair(m.t, m.seq), m);
  } else {
    e.seqs.push_back(m.seq);  // reported once; a restart will not report it again
  }
  late_.push_back(std::move(late));
}

TimeWindowGrouper::Added TimeWindowGrouper::Add(const WindowMember& m) {
  if (!seen_.insert(m.seq).second) return Added::kDuplicate;
  KeyState& ks = keys_[m.key];
  auto em = EmittedContaining(m.key, ks, m.t);
  if (em != ks.emitted.end()) {
    RecordLate(em->first, em->second, m);
    return Added::kLate;
  }
  ks.pending.emplace(std::make_pair(m.t, m.seq), m);
  ++pending_;
  return Added::kPending;
}

std::vector<TimeWindowGrouper::Window> TimeWindowGrouper::PendingWindows(
    const std::string& key, const KeyState& ks) const {
  const int64_t len = window_for_(key);
  std::vector<Window> windows;
  auto it = ks.pending.begin();
  while (it != ks.pending.end()) {
    const NaiveMicros open = it->first.first;
    // No window can take a member of a later emitted window E: such a member
    // is in [E.open, E.open + len] (else it would not belong to E), and
    // open < E.open, so it is beyond open + len. Windows may overlap in time
    // (a window opened by a member older than E), never in members.
    Window w{it, std::next(it), open};  // the opening member, even if len < 0
    while (w.end != ks.pending.end() && w.end->first.first <= open + len) {
      w.newest = w.end->first.first;
      ++w.end;
    }
    windows.push_back(w);
    it = w.end;
  }
  return windows;
}

std::vector<WindowGroup> TimeWindowGrouper::TakeReady(NaiveMicros now, size_t max_groups) {
  std::vector<WindowGroup> ready;
  size_t budget = max_groups;
  for (auto& [key, ks] : keys_) {
    if (budget == 0) break;
    // (open, amendment) -> group; sorted per key, keys are visited in order.
    std::map<std::pair<NaiveMicros, int>, WindowGroup> taken;
    // key by init-capture: clang 14 (the fuzz build) cannot capture a structured binding.
    auto take = [&, &key = key](NaiveMicros open, int amendment, Pending::const_iterator b,
                                Pending::const_iterator e) {
      WindowGroup& g = taken[{open, amendment}];
      g.key = key;
      g.open = open;
      g.amendment = amendment;
      for (auto i = b; i != e; ++i) g.members.push_back(i->second);
      --budget;
    };
    // Amendments of emitted windows.
    for (auto& [open, em] : ks.emitted) {
      if (budget == 0) break;
      if (em.amend_pending.empty()) continue;
      if (std::prev(em.amend_pending.end())->first.first + wait_micros_ > now) continue;
      ++em.amendments;
      for (const auto& [tk, m] : em.amend_pending) em.seqs.push_back(m.seq);
      take(open, em.amendments, em.amend_pending.begin(), em.amend_pending.end());
      em.amend_pending.clear();
    }
    // New windows. Readiness is monotone in time (a later window's newest
    // member is later), so the first window that is not ready ends the scan.
    for (const Window& w : PendingWindows(key, ks)) {
      if (budget == 0 || w.newest + wait_micros_ > now) break;
      const NaiveMicros open = w.begin->first.first;
      take(open, 0, w.begin, w.end);
      Emitted& em = ks.emitted[open];
      for (auto i = w.begin; i != w.end; ++i) {
        em.seqs.push_back(i->second.seq);
        --pending_;
      }
      ks.pending.erase(w.begin, w.end);
    }
    for (auto& [order, g] : taken) ready.push_back(std::move(g));
  }
  return ready;
}

std::optional<NaiveMicros> TimeWindowGrouper::NextReadyTime() const {
  std::optional<NaiveMicros> next;
  auto consider = [&](NaiveMicros t) {
    if (!next || t < *next) next = t;
  };
  for (const auto& [key, ks] : keys_) {
    for (const auto& [open, em] : ks.emitted) {
      if (!em.amend_pending.empty()) {
        consider(std::prev(em.amend_pending.end())->first.first + wait_micros_);
      }
    }
    // The first window of a key becomes ready first.
    if (!ks.pending.empty()) consider(PendingWindows(key, ks).front().newest + wait_micros_);
  }
  return next;
}

std::vector<LateMember> TimeWindowGrouper::TakeLate() {
  std::vector<LateMember> out;
  out.swap(late_);
  return out;
}

void TimeWindowGrouper::RestoreEmitted(const WindowState& w) {
  KeyState& ks = keys_[w.key];
  Emitted& em = ks.emitted[w.open];
  em.amendments = std::max(em.amendments, w.amendments);
  std::unordered_set<uint64_t> listed(w.seqs.begin(), w.seqs.end());
  for (uint64_t seq : w.seqs) {
    if (seen_.insert(seq).second) em.seqs.push_back(seq);
  }
  // Members fed before the restore (seen_ had them, so they are not in
  // em.seqs yet): listed ones were emitted; other ones inside the window are late now.
  const NaiveMicros end = w.open + window_for_(w.key);
  for (auto it = ks.pending.begin(); it != ks.pending.end();) {
    const auto& [tk, m] = *it;
    if (listed.count(m.seq) != 0) {
      em.seqs.push_back(m.seq);
    } else if (tk.first >= w.open && tk.first <= end) {
      RecordLate(w.open, em, m);
    } else {
      ++it;
      continue;
    }
    it = ks.pending.erase(it);
    --pending_;
  }
}

std::vector<WindowState> TimeWindowGrouper::EmittedState() const {
  std::vector<WindowState> out;
  for (const auto& [key, ks] : keys_) {
    for (const auto& [open, em] : ks.emitted) {
      out.push_back(WindowState{key, open, em.amendments, em.seqs});
    }
  }
  return out;
}

}  // namespace qcflow
