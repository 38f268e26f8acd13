#include "ingest/file_mover/mover.h"

#include <algorithm>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "store/content_hash.h"
#include "store/journal.h"
#include "store/text_util.h"
#include "store/time_util.h"

namespace qcflow::file_mover {
namespace {

namespace fs = std::filesystem;

constexpr size_t kBatch = 256;  // transfers per journal write (and directory sync)

std::string Join(const std::string& dir, const std::string& rel) { return (fs::path(dir) / rel).string(); }

std::string Parent(const std::string& path) { return fs::path(path).parent_path().string(); }

std::string Trimmed(const fs::path& p) {
  std::string t = p.string();
  while (t.size() > 1 && t.back() == '/') t.pop_back();
  return t;
}

// `inner` is inside `outer` (both absolute and normal).
bool Inside(const fs::path& inner, const fs::path& outer) {
  const std::string o = Trimmed(outer), i = Trimmed(inner);
  return i.rfind(o == "/" ? o : o + "/", 0) == 0 && i != o;
}

fs::path Normal(const std::string& p) {
  std::error_code ec;
  fs::path abs = fs::absolute(p, ec);
  return (ec ? fs::path(p) : abs).lexically_normal();
}

fs::path Resolved(const std::string& p) {
  std::error_code ec;
  fs::path r = fs::weakly_canonical(p, ec);
  return ec ? Normal(p) : r.lexically_normal();
}

}  // namespace

const CountField kCountFields[8] = {
    {"moved", &MoverCounts::moved},         {"copied", &MoverCounts::copied},
    {"identical", &MoverCounts::identical}, {"replaced", &MoverCounts::replaced},
    {"renamed", &MoverCounts::renamed},     {"bytes", &MoverCounts::bytes},
    {"conflicts", &MoverCounts::conflicts}, {"errors", &MoverCounts::errors},
};

void MoverCounts::Add(const MoverCounts& o) {
  for (const CountField& f : kCountFields) this->*f.count += o.*f.count;
}

std::string DirectoriesProblem(const MoverSettings& s) {
  for (const auto& [src, dst] : {std::pair{Normal(s.source), Normal(s.destination)},
                                 std::pair{Resolved(s.source), Resolved(s.destination)}}) {
    if (Trimmed(src) == Trimmed(dst)) {
      return "source and destination are the same directory (" + Trimmed(src) +
             "): name another destination";
    }
    if (s.recursive && Inside(dst, src)) {
      return "destination " + Trimmed(dst) + " is inside the source " + Trimmed(src) +
             " and recursive = true, so the mover would take its own output: put the "
             "destination outside the source, or set recursive = false";
    }
  }
  return "";
}

FileMover::FileMover(MoverSettings settings, Store* store, Kind kind)
    : s_(std::move(settings)), store_(store), kind_(kind) {}

Result<size_t> FileMover::CleanUpTemporaries() {
  size_t removed = 0;
  std::error_code ec;
  if (!fs::is_directory(s_.destination, ec)) return removed;
  auto opts = fs::directory_options::skip_permission_denied;
  for (fs::recursive_directory_iterator it(s_.destination, opts, ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code e2;
    if (!IsTempName(it->path().filename().string()) || !it->is_regular_file(e2)) continue;
    QCFLOW_RETURN_IF_ERROR(RemoveFile(it->path().string()));
    QCFLOW_RETURN_IF_ERROR(SyncDir(it->path().parent_path().string()));
    ++removed;
  }
  if (ec) return Status::IOError("cannot list " + s_.destination + ": " + ec.message());
  return removed;
}

bool FileMover::Matches(const std::string& name, const std::string& rel) const {
  if (MatchesAnyGlob(s_.ignore, name) || MatchesAnyGlob(s_.ignore, rel)) return false;
  return MatchesAnyGlob(s_.pattern, name);
}

void FileMover::ReportOnce(const std::string& key, std::string problem, PassReport* report) {
  if (reported_.insert(key).second) report->problems.push_back(std::move(problem));
}

void FileMover::List(const std::string& dir, const std::string& rel, std::vector<Candidate>* out,
                     PassReport* report) {
  std::error_code ec;
  fs::directory_iterator it(dir, ec), end;
  if (ec) {
    if (reported_.insert("dir|" + rel).second) {
      ++report->counts.errors;
      report->problems.push_back("cannot list directory " + dir + " (" + ec.message() +
                                 "): its files are left where they are; grant read access");
    }
    return;
  }
  for (; it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    const std::string sub = rel.empty() ? name : rel + "/" + name;
    std::error_code e2;
    fs::file_status st = it->symlink_status(e2);
    if (e2 || IsTempName(name)) continue;
    if (fs::is_directory(st)) {  // never a file to transfer
      const bool ignored = MatchesAnyGlob(s_.ignore, name) || MatchesAnyGlob(s_.ignore, sub);
      if (s_.recursive && !ignored) List(it->path().string(), sub, out, report);
      continue;
    }
    if (!fs::is_regular_file(st) || !Matches(name, sub)) continue;
    auto stat = StatRegular(it->path().string());
    if (stat.ok()) out->push_back({sub, *stat});
  }
}

bool FileMover::Settled(const Candidate& c, MicrosUtc now) {
  auto prev = last_look_.find(c.rel);
  const bool changed = prev != last_look_.end() &&
                       (prev->second.size != c.stat.size || prev->second.mtime_ns != c.stat.mtime_ns);
  if (s_.settle.count() == 0) return true;
  const int64_t age_ns = now * 1000 - c.stat.mtime_ns;
  return !changed && age_ns >= int64_t(s_.settle.count()) * 1'000'000;
}

std::string FileMover::DedupKey(const Candidate& c) const {
  return s_.name + "|" + std::to_string(c.stat.size) + "|" + std::to_string(c.stat.mtime_ns) + "|" + c.rel;
}

Result<bool> FileMover::AlreadyCopied(const Candidate& c) {
  auto hit = copied_.find(c.rel);
  if (hit != copied_.end() && hit->second.size == c.stat.size && hit->second.mtime_ns == c.stat.mtime_ns) {
    return true;
  }
  auto seq = store_->journal().FindDedup(kind_, DedupKey(c));
  if (!seq.ok()) return seq.status();
  if (seq->has_value()) copied_[c.rel] = c.stat;
  return seq->has_value();
}

Placement FileMover::Place(const Candidate& c) {
  const std::string first = Join(s_.destination, s_.flatten ? fs::path(c.rel).filename().string() : c.rel);
  Placement p = PlaceFile(Join(s_.source, c.rel), first,
                          {.on_conflict = s_.on_conflict, .source_mtime_ns = c.stat.mtime_ns});
  if (p.outcome != Placement::kUnreadable) unreadable_.erase(c.rel);  // readable again
  return p;
}

Status FileMover::Batch(const std::vector<Candidate>& batch, MicrosUtc now, PassReport* report) {
  std::vector<Placement> placed;
  placed.reserve(batch.size());
  std::set<std::string> target_dirs;
  for (const Candidate& c : batch) {
    placed.push_back(Place(c));
    const Placement& p = placed.back();
    const std::string version = c.rel + "|" + std::to_string(c.stat.size) + "|" + std::to_string(c.stat.mtime_ns);
    if (p.placed()) {
      target_dirs.insert(Parent(p.target));
    } else if (p.outcome == Placement::kConflict) {
      if (reported_.insert("conflict|" + version).second) {
        ++report->counts.conflicts;
        report->problems.push_back(p.problem);
      }
    } else if (p.outcome == Placement::kUnreadable) {
      unreadable_.insert(c.rel);
      if (reported_.insert("unreadable|" + version).second) {
        ++report->counts.errors;
        report->problems.push_back(p.problem + " (it is left where it is until it can be read)");
      }
    } else if (p.outcome == Placement::kError) {
      if (reported_.insert("error|" + version + "|" + p.problem).second) {
        ++report->counts.errors;
        report->problems.push_back(p.problem);
      }
    }
  }
  // The new names are durable before the journal says so, and the journal
  // before a source is unlinked.
  for (const std::string& d : target_dirs) QCFLOW_RETURN_IF_ERROR(SyncDir(d));
  std::vector<Record> records;
  std::vector<size_t> which;
  static const char* kResult[] = {"written", "written beside an existing file (keep-both)",
                                  "identical file already there", "replaced an older file"};
  for (size_t i = 0; i < placed.size(); ++i) {
    const Placement& p = placed[i];
    if (!p.placed()) continue;
    const Candidate& c = batch[i];
    nlohmann::json meta = {
        {"what", c.rel},
        {"action", s_.move ? "move" : "copy"},
        {"from", Join(s_.source, c.rel)},
        {"to", p.target},
        {"bytes", p.content.bytes},
        {"hash", HashHex(p.content.hash)},
        {"when", FormatUtcIso(now)},
        {"mtime", FormatUtcIso(c.stat.mtime_ns / 1000)},
        {"result", kResult[p.outcome]},
    };
    Record r;
    r.kind = kind_;
    r.source_id = s_.name;
    r.event_time = now;
    r.event_time_text = FormatUtcIso(now);
    r.capture_time = now;
    r.dedup_key = DedupKey(c);
    r.meta = meta.dump();
    records.push_back(std::move(r));
    which.push_back(i);
  }
  if (!records.empty()) {
    auto appended = store_->journal().AppendBatch(records);
    if (!appended.ok()) return appended.status().WithContext("journaling file transfers");
  }
  std::set<std::string> source_dirs;
  for (size_t i : which) {
    const Placement& p = placed[i];
    const Candidate& c = batch[i];
    report->transfers.push_back(c.rel + " -> " + p.target);
    report->counts.bytes += p.content.bytes;
    report->counts.identical += p.outcome == Placement::kIdentical;
    report->counts.replaced += p.outcome == Placement::kReplaced;
    report->counts.renamed += p.outcome == Placement::kRenamed;
    if (!s_.move) {
      ++report->counts.copied;
      copied_[c.rel] = c.stat;
      continue;
    }
    const std::string src = Join(s_.source, c.rel);
    if (Status rm = RemoveFile(src); !rm.ok()) {
      ReportOnce("unlink|" + c.rel, rm.message() + " after it was copied to " + p.target +
                                        ": remove it by hand, or grant write access to its directory",
                 report);
      continue;
    }
    ++report->counts.moved;
    source_dirs.insert(Parent(src));
  }
  for (const std::string& d : source_dirs) QCFLOW_RETURN_IF_ERROR(SyncDir(d));
  return Status::OK();
}

Result<PassReport> FileMover::Pass(MicrosUtc now, const std::function<bool()>& stop) {
  PassReport report;
  std::error_code ec;
  if (!fs::is_directory(s_.source, ec)) {
    return Status::Unavailable("the source directory " + s_.source +
                               " is not there or not a directory: mount it or fix source");
  }
  if (std::string why = DirectoriesProblem(s_); !why.empty()) return Status::FailedPrecondition(why);
  if (Status d = MakeDirs(s_.destination); !d.ok()) return d.WithContext("the destination");
  std::vector<Candidate> all;
  List(s_.source, "", &all, &report);
  std::sort(all.begin(), all.end(), [](const Candidate& a, const Candidate& b) { return a.rel < b.rel; });

  std::vector<Candidate> pending;
  std::map<std::string, FileStat> look;
  for (const Candidate& c : all) {
    const bool settled = Settled(c, now);
    look[c.rel] = c.stat;
    if (!settled) {
      ++report.unsettled;
      continue;
    }
    if (!s_.move) {
      auto done = AlreadyCopied(c);
      if (!done.ok()) return done.status();
      if (*done) continue;
    }
    pending.push_back(c);
  }
  last_look_ = std::move(look);
  for (auto it = unreadable_.begin(); it != unreadable_.end();) {  // gone since
    it = last_look_.count(*it) ? std::next(it) : unreadable_.erase(it);
  }
  for (size_t i = 0; i < pending.size(); i += kBatch) {
    if (stop && stop()) {
      report.stopped = true;
      break;
    }
    std::vector<Candidate> batch(pending.begin() + i, pending.begin() + std::min(pending.size(), i + kBatch));
    QCFLOW_RETURN_IF_ERROR(Batch(batch, now, &report));
  }
  return report;
}

}  // namespace qcflow::file_mover
