// `qcflow validate` for [[source.files]]: each directory exists and can be
// listed, how many files match; and, for the routed sinks' own checks, the
// unit of each directory, the test list the newest file's upload names and its
// one macro.
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <optional>

#include "ingest/files/files_component.h"
#include "process/common/text_template.h"
#include "process/component/duration.h"
#include "process/component/wording.h"
#include "store/text_util.h"
#include "store/time_util.h"

namespace qcflow::files {
namespace {

namespace fs = std::filesystem;
using component::ExpectedUpload;
using component::Quote;

struct DirSurvey {
  size_t matching = 0;
  size_t before_since = 0;  // of those, modified before `since`
  std::string newest;  // file name of the newest matching file
};

DirSurvey Survey(const FileScanOptions& o, const std::string& dir, std::optional<MicrosUtc> since) {
  DirSurvey s;
  fs::file_time_type newest{};
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code fec;
    const std::string name = it->path().filename().string();
    if (!it->is_regular_file(fec) || !MatchesAnyGlob(o.patterns, name) || MatchesAnyGlob(o.ignore, name)) continue;
    ++s.matching;
    auto t = it->last_write_time(fec);
    const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(
        std::chrono::file_clock::to_sys(t).time_since_epoch());
    if (since && micros.count() < *since) ++s.before_since;
    if (s.newest.empty() || t > newest) newest = t, s.newest = name;
  }
  return s;
}

// The nearest existing directory of `path` (itself, or an ancestor qcflow
// would create the rest under).
fs::path NearestExisting(const fs::path& path) {
  fs::path p = fs::absolute(path);
  std::error_code ec;
  while (!p.empty() && !fs::exists(p, ec) && p != p.parent_path()) p = p.parent_path();
  return p;
}

void CheckDestination(component::CheckContext& ctx, const std::string& who, const WatchedDir& d) {
  std::error_code ec;
  const fs::path at = NearestExisting(d.destination);
  if (!fs::is_directory(at, ec)) {
    ctx.list->Fail(who + "destination " + d.destination + " of " + d.path + " is not a directory");
  } else if (::access(at.c_str(), W_OK | X_OK) != 0) {
    ctx.list->Fail(who + "destination " + d.destination + " of " + d.path + " cannot be written by "
                   "this user (" + at.string() + "); grant write access, or uploaded files stay where they are");
  } else {
    ctx.list->Ok(who + "destination " + d.destination + " of " + d.path +
                 (at == fs::absolute(d.destination) ? " writable" : " will be created under " + at.string()));
  }
}

}  // namespace

void FilesComponent::Check(component::CheckContext& ctx) const {
  const std::string who = "source " + Quote(name()) + ": ";
  const FileUploadOptions& up = settings_.transform.upload;
  std::vector<ExpectedUpload> uploads;
  // As a first start now would see it (a running daemon's window starts at
  // its own first start).
  std::optional<MicrosUtc> since;
  if (settings_.history) since = NowMicros() - settings_.history->count() * 1000;
  for (const WatchedDir& d : settings_.dirs) {
    std::error_code ec;
    if (!fs::is_directory(d.path, ec)) {
      ctx.list->Fail(who + "directory " + d.path + " is not there (or not a directory); create it "
                     "or correct dirs.path");
      continue;
    }
    if (::access(d.path.c_str(), R_OK | X_OK) != 0) {
      ctx.list->Fail(who + "directory " + d.path + " cannot be read by this user; grant read access");
      continue;
    }
    const DirSurvey s = Survey(settings_.scan, d.path, since);
    ctx.list->Ok(who + "directory " + d.path + " readable, " + std::to_string(s.matching) +
                 " matching file(s) at its top level, unit " + d.unit.Describe());
    if (s.before_since > 0) {
      ctx.list->Ok(who + std::to_string(s.before_since) + " of them last modified more than history = " +
                   component::FormatDuration(*settings_.history) + " ago: a first qcflow run does not "
                   "upload them (set history = \"all\" to upload them)");
    }
    if (settings_.after != AfterUploadAction::kKeep) CheckDestination(ctx, who, d);
    const std::string filename = s.newest.empty() ? "example.txt" : s.newest;
    const std::map<std::string, std::string> vars = {
        {"unit", d.unit.number ? std::to_string(*d.unit.number) : d.unit.name},
        {"filename", filename},
        {"stem", fs::path(filename).stem().string()},
        {"dir", d.path}};
    auto list = RenderTemplate(up.test_list_template, vars);
    ExpectedUpload e;
    e.unit_field = d.unit.number ? "number" : "name";
    e.unit_value = d.unit.number ? std::to_string(*d.unit.number) : d.unit.name;
    e.test_list = list.ok() ? *list : "";
    e.macros = {up.macro};
    e.macro_types = {{up.macro, "upload"}};
    e.what = "file uploads of " + d.path + " from " + Quote(name());
    uploads.push_back(std::move(e));
  }
  if (settings_.after != AfterUploadAction::kKeep && sinks().empty()) {
    ctx.list->Fail(who + "after = \"" + (settings_.after == AfterUploadAction::kMove ? "move" : "copy") +
                   "\" needs a route to a sink: files are placed only after their upload is confirmed, "
                   "and nothing is uploaded without one; add a [[route]] from " + Quote(name()));
  }
  ctx.uploads[name()] = std::move(uploads);
}

}  // namespace qcflow::files
