#include "process/files/files_transform.h"

#include <set>

#include "process/common/session_stage.h"
#include "process/files/placement_queue.h"
#include "store/content_hash.h"
#include "store/derived.h"
#include "store/journal.h"
#include "store/store.h"
#include "store/write_set.h"

namespace qcflow::files {

void FilesStepReport::Add(const FilesStepReport& r) {
  records_read += r.records_read;
  sessions_emitted += r.sessions_emitted;
  caught_up = r.caught_up;
  problems.insert(problems.end(), r.problems.begin(), r.problems.end());
}

FilesTransform::FilesTransform(Store* store, FilesTransformConfig config)
    : store_(store), config_(std::move(config)), cursor_name_("transform.files/" + config_.upload.source) {}

Status FilesTransform::ListForPlacement(const RecordView& rec, const QcSession& session,
                                        const std::string& user_key, WriteSet* ws) {
  const std::string key = PlacementKey(config_.upload.source, user_key);
  auto placed = store_->derived().Get(kPlacedNs, key);  // a session re-derived after its move
  if (!placed.ok()) return placed.status();
  if (placed->has_value()) return Status::OK();
  const auto& params = session.tests.front().parameters;
  auto dir = params.find("dir"), path = params.find("path");
  if (dir == params.end() || path == params.end()) {
    return Status::Internal("upload session " + user_key + " has no dir and path parameters");
  }
  PendingPlacement p{user_key,           dir->second,          path->second,
                     rec.payload.size(), Fnv1a64(rec.payload), config_.sinks};
  ws->PutDerived(kPendingNs, key, EncodePending(p));
  return Status::OK();
}

Result<FilesStepReport> FilesTransform::Step() {
  auto cursor = store_->GetCursor(cursor_name_);
  if (!cursor.ok()) return cursor.status();
  FilesStepReport report;
  WriteSet ws;
  std::set<std::string> keys;
  const SessionTarget target{kSessionNs, kSessionIndex, config_.sinks};
  Status failed;
  auto next = store_->journal().ScanKinds(*cursor, config_.records_per_step, {Kind::kFile},
                                     [&](uint64_t seq, const RecordView& rec) {
    ++report.records_read;
    if (rec.kind != Kind::kFile || rec.quarantined() || rec.source_id != config_.upload.source) {
      return true;
    }
    auto session = BuildFileUploadSession(seq, rec, config_.upload);
    if (!session.ok()) {
      report.problems.push_back(session.status().message() + "; not uploaded");
      return true;
    }
    const std::string owner = session->machine_names.front();
    std::string encoded = EncodeQcSession(*session);
    auto staged = StageSession(store_->derived(), target, owner, &*session, std::move(encoded),
                               &keys, &ws);
    if (!staged.ok()) {
      failed = staged.status();
      return false;
    }
    if (staged->user_key.empty()) return true;
    ++report.sessions_emitted;
    if (config_.place_after_upload && !config_.sinks.empty()) {
      Status listed = ListForPlacement(rec, *session, staged->user_key, &ws);
      if (!listed.ok()) {
        failed = listed;
        return false;
      }
    }
    return true;
  });
  if (!failed.ok()) return failed.WithContext("files transform of " + config_.upload.source);
  if (!next.ok()) return next.status().WithContext("reading the journal for the files transform");
  report.caught_up = report.records_read < config_.records_per_step ||
                     *next > store_->journal().last_seq();
  ws.SetCursor(cursor_name_, *next);
  auto committed = store_->Commit(ws);
  if (!committed.ok()) return committed.status().WithContext("files transform commit");
  return report;
}

}  // namespace qcflow::files
