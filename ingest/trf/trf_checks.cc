// `qcflow validate` for [[source.trf]]: the directory exists and can be
// listed, how many files match (walked as the capture walks it), the linac
// its logs are filed under, and the installed columns table the transform
// needs.
#include <unistd.h>

#include <filesystem>

#include "ingest/files/dir_walk.h"
#include "ingest/trf/columns.h"
#include "ingest/trf/trf_component.h"
#include "process/component/wording.h"
#include "store/text_util.h"

namespace qcflow::trf {

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
  std::error_code ec;
  const std::string& dir = settings_.dir;
  if (!std::filesystem::is_directory(dir, ec)) {
    ctx.list->Fail(who + "directory " + dir + " is not there (or not a directory); create or mount it, "
                   "or correct dir");
    return;
  }
  if (::access(dir.c_str(), R_OK | X_OK) != 0) {
    ctx.list->Fail(who + "directory " + dir + " cannot be read by this user; grant read access");
    return;
  }
  size_t matching = 0;
  files::WalkCallbacks cb;
  cb.wanted = [&](std::string_view n) { return MatchesAnyGlob(c.patterns, std::string(n)); };
  cb.visit = [&](const files::WalkedFile&) {
    ++matching;
    return Status::OK();
  };
  auto walked = files::WalkFiles(dir, c.recursive, cb);
  if (!walked.ok()) {
    ctx.list->Fail(who + "directory " + dir + ": " + walked.status().message());
    return;
  }
  ctx.list->Ok(who + "directory " + dir + " readable, " + std::to_string(matching) +
               " matching file(s)" + (c.recursive ? " in it and below" : " at its top level"));
  for (const std::string& p : walked->problems) ctx.list->Warn(who + p);
}

}  // namespace qcflow::trf
