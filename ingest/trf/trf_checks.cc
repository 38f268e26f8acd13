// `qcflow validate` for [[source.trf]]: the directory and the backups folder
// exist and can be listed, how many files match in each (walked as the
// capture walks them), the linac its logs are filed under, and the installed
// columns table the transform needs.
#include <unistd.h>

#include <filesystem>

#include "ingest/files/dir_walk.h"
#include "ingest/trf/columns.h"
#include "ingest/trf/trf_backups.h"
#include "ingest/trf/trf_component.h"
#include "process/component/wording.h"
#include "store/text_util.h"

namespace qcflow::trf {
namespace {

// Checks that `dir` can be listed and says how many files match `patterns`.
void CheckFolder(component::CheckContext& ctx, const std::string& who, const std::string& what,
                 const std::string& dir, const std::vector<std::string>& patterns, bool recursive,
                 const std::string& fix) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    ctx.list->Fail(who + what + " " + dir + " is not there (or not a directory); " + fix);
    return;
  }
  if (::access(dir.c_str(), R_OK | X_OK) != 0) {
    ctx.list->Fail(who + what + " " + dir + " cannot be read by this user; grant read access");
    return;
  }
  size_t matching = 0;
  files::WalkCallbacks cb;
  cb.wanted = [&](std::string_view n) { return MatchesAnyGlob(patterns, std::string(n)); };
  cb.visit = [&](const files::WalkedFile&) {
    ++matching;
    return Status::OK();
  };
  auto walked = files::WalkFiles(dir, recursive, cb);
  if (!walked.ok()) {
    ctx.list->Fail(who + what + " " + dir + ": " + walked.status().message());
    return;
  }
  std::string globs;
  for (const std::string& p : patterns) globs += (globs.empty() ? "" : ", ") + p;
  ctx.list->Ok(who + what + " " + dir + " readable, " + std::to_string(matching) + " matching file(s) (" +
               globs + ")" + (recursive ? " in it and below" : " at its top level"));
  for (const std::string& p : walked->problems) ctx.list->Warn(who + p);
}

}  // namespace

void TrfComponent::Check(component::CheckContext& ctx) const {
  const std::string who = "source " + component::Quote(name()) + ": ";
  const TrfCaptureSettings& c = settings_.capture;
  ctx.list->Ok(who + "logs are filed under linac " + component::Quote(c.linac) +
               (c.zone.empty() ? "" : " (zone " + c.zone + ")"));
  if (auto columns = ColumnsTable::LoadInstalled(); columns.ok()) {
    ctx.list->Ok(who + "TRF columns table found (" + std::to_string(columns->size()) + " item parts)");
  } else {
    ctx.list->Fail(who + columns.status().message() + "; reinstall qcflow (the table is installed with it)");
  }
  if (!settings_.dir.empty()) {
    CheckFolder(ctx, who, "directory", settings_.dir, c.patterns, c.recursive,
                "create or mount it, or correct dir");
  }
  if (!settings_.backups.empty()) {
    CheckFolder(ctx, who, "backups folder", settings_.backups, TrfBackupOptions().zip_patterns, false,
                "mount the NSS share (its Backup/TCS folder), or correct backups");
  }
}

}  // namespace qcflow::trf
