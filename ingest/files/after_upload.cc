#include "ingest/files/after_upload.h"

#include <filesystem>

#include "ingest/file_mover/place.h"
#include "process/files/placement_queue.h"
#include "store/derived.h"
#include "store/outbox.h"
#include "store/store.h"
#include "store/write_set.h"

namespace qcflow::files {
namespace {

namespace fs = std::filesystem;
using file_mover::Placement;

std::string Join(const std::string& dir, const std::string& rel) { return (fs::path(dir) / rel).string(); }
std::string Parent(const std::string& path) { return fs::path(path).parent_path().string(); }

// Where an earlier pass put the file (same bytes at the target or a keep-both
// name), or "" when it is at none of them.
std::string FindPlaced(const std::string& target, const PendingPlacement& p) {
  for (int n = 1; n < 10'000; ++n) {
    const std::string name = n == 1 ? target : file_mover::KeepBothName(target, n);
    auto there = file_mover::StatRegular(name);
    if (there.status().IsNotFound()) return "";
    if (!there.ok() || there->size != p.size) continue;
    auto h = file_mover::HashFile(name);
    if (h.ok() && h->hash == p.hash) return name;
  }
  return "";
}

}  // namespace

struct AfterUpload::Entry {
  std::string key;
  PendingPlacement p;
};

AfterUpload::AfterUpload(AfterUploadSettings settings, Store* store)
    : s_(std::move(settings)), store_(store) {}

void AfterUpload::ReportOnce(const std::string& key, std::string problem, AfterUploadReport* report) {
  if (reported_.insert(key).second) report->problems.push_back(std::move(problem));
}

bool AfterUpload::Place(const Entry& e, MicrosUtc now, AfterUploadReport* report,
                        std::string* placed_json) {
  const bool move = s_.action == AfterUploadAction::kMove;
  const std::string verb = move ? "moved" : "copied";
  const PendingPlacement& p = e.p;
  auto dest = s_.destinations.find(p.dir);
  if (dest == s_.destinations.end() || dest->second.empty()) {
    ReportOnce("dest|" + p.dir, "uploaded files of " + p.dir + " wait to be " + verb +
                                    ": the directory has no destination in [[source.files]]." +
                                    "dirs (add destination = \"...\")", report);
    return false;
  }
  const std::string src = Join(p.dir, p.path), target = Join(dest->second, p.path);
  PlacedFile done{move ? "move" : "copy", src, "", "", FormatUtcIso(now)};
  auto finish = [&](std::string to, std::string result) {
    done.to = std::move(to);
    done.result = std::move(result);
    *placed_json = EncodePlaced(done);
    return true;
  };
  auto h = file_mover::HashFile(src);
  if (h.status().IsNotFound()) {
    if (std::string at = FindPlaced(target, p); !at.empty()) {  // placed before a restart
      ++(move ? report->moved : report->copied);
      report->placed.push_back(src + " -> " + at + " (found there)");
      return finish(at, "already there (placed before a restart)");
    }
    ++report->dropped;
    ReportOnce("gone|" + e.key, src + " was uploaded but left its directory before it could be " +
                                    verb + ": nothing to " + (move ? "move" : "copy"), report);
    return finish("", "gone from its directory before it was placed");
  }
  if (!h.ok()) {
    ReportOnce("read|" + e.key, h.status().message() + ": uploaded, left where it is until it can be read",
               report);
    return false;
  }
  if (h->hash != p.hash || h->bytes != p.size) {
    ++report->dropped;
    ReportOnce("changed|" + e.key, src + " changed after its upload: this version is not " + verb +
                                       "; the new one is uploaded as a new version and " + verb +
                                       " after that", report);
    return finish("", "changed after its upload: not placed");
  }
  Placement placed = file_mover::PlaceFile(src, target, {.by_rename = move});
  if (!placed.placed()) {
    ReportOnce("place|" + e.key + "|" + placed.problem,
               placed.problem + " (uploaded; " + verb + " by a later pass)", report);
    return false;
  }
  if (Status sync = file_mover::SyncDir(Parent(placed.target)); !sync.ok()) {
    ReportOnce("sync|" + e.key, sync.message() + " (tried again next pass)", report);
    return false;
  }
  if (move && !placed.source_renamed) {
    if (Status rm = file_mover::RemoveFile(src); !rm.ok()) {
      ReportOnce("unlink|" + e.key, rm.message() + " after it was copied to " + placed.target +
                                        ": remove it by hand, or grant write access to its directory",
                 report);
      return false;  // tried again: the copy is found identical, the unlink retried
    }
  }
  if (move) file_mover::SyncDir(Parent(src));  // the name is gone for good once synced
  ++(move ? report->moved : report->copied);
  report->identical += placed.outcome == Placement::kIdentical;
  report->renamed += placed.outcome == Placement::kRenamed;
  report->placed.push_back(src + " -> " + placed.target);
  static const char* kResult[] = {"written", "written beside an existing file (keep-both)",
                                  "identical file already there", "replaced"};
  return finish(placed.target, kResult[placed.outcome]);
}

Result<AfterUploadReport> AfterUpload::Pass(MicrosUtc now, size_t limit) {
  AfterUploadReport report;
  std::vector<Entry> listed;
  Status scanned = store_->derived().Scan(kPendingNs, PlacementPrefix(s_.source),
                                          [&](std::string_view key, std::string_view value) {
    auto p = DecodePending(value);
    if (!p.ok()) {
      ReportOnce("garbled|" + std::string(key), p.status().message() + " (" + std::string(key) + ")", &report);
      return true;
    }
    listed.push_back({std::string(key), std::move(*p)});
    return true;
  });
  if (!scanned.ok()) return scanned.WithContext("reading the files waiting to be placed");
  WriteSet ws;
  size_t placed = 0;
  for (const Entry& e : listed) {
    bool confirmed = true;
    for (const std::string& sink : e.p.sinks) {
      auto delivered = store_->outbox().WasDelivered(sink, e.p.user_key);
      if (!delivered.ok()) return delivered.status();
      if (!*delivered) {
        confirmed = false;
        break;
      }
    }
    if (!confirmed || placed >= limit) {
      report.waiting += !confirmed;
      continue;
    }
    std::string placed_json;
    if (!Place(e, now, &report, &placed_json)) continue;
    ++placed;
    ws.DeleteDerived(kPendingNs, e.key);
    ws.PutDerived(kPlacedNs, e.key, std::move(placed_json));
  }
  if (!ws.empty()) {
    auto committed = store_->Commit(ws);
    if (!committed.ok()) return committed.status().WithContext("recording placed files");
  }
  return report;
}

}  // namespace qcflow::files
