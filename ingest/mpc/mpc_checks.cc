// `qcflow validate` for a [[source.mpc]]: the TDS share is readable, what a
// scan would see (run folders, serials, names it would quarantine, what the
// history window leaves to backfill), and what the newest run of each serial,
// check type and beam will need from a sink (built with the transform's own
// BuildMpcSession, so validate and run cannot disagree). Read-only.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <tuple>

#include "ingest/mpc/mpc_component.h"
#include "ingest/mpc/results_csv.h"
#include "ingest/mpc/run_folder.h"
#include "process/component/duration.h"
#include "process/component/wording.h"
#include "process/mpc/session_builder.h"
#include "store/time_util.h"

namespace qcflow::mpc {
namespace {

namespace fs = std::filesystem;
using component::Checklist;
using component::ExpectedUpload;
using component::Plural;
using component::Quote;
using component::ServiceUserName;

// ---- MPC sources ---------------------------------------------------------------------

struct TdsSurvey {
  bool readable = false;
  size_t run_folders = 0;
  std::vector<std::string> unparseable;   // folder names that would be quarantined
  std::set<std::string> serials;
  std::optional<MicrosUtc> history_start;  // runs before it: left to backfill by a first start now
  std::string zone;                        // the source's, for run folder times
  size_t before_history = 0;
  // The newest run of each serial, check type and beam: (folder, Results.csv path).
  std::map<std::tuple<std::string, CheckType, std::string>, std::pair<RunFolder, fs::path>> newest;
};

// Counts Results.csv files the way the scanner finds them (fast search: only
// <root>/<any>/MPCChecks/**), without reading them.
void Survey(const fs::path& dir, TdsSurvey* out) {
  std::error_code ec;
  auto opts = fs::directory_options::skip_permission_denied;
  for (fs::recursive_directory_iterator it(dir, opts, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->path().filename() != "Results.csv" || !it->is_regular_file(ec)) continue;
    ++out->run_folders;
    std::string folder = it->path().parent_path().filename().string();
    auto run = ParseRunFolder(folder);
    if (!run.ok()) {
      out->unparseable.push_back(folder);
      continue;
    }
    out->serials.insert(run->serial);
    if (out->history_start) {
      auto t = CivilToUtc(run->run_time, out->zone);
      if (t.ok() && *t < *out->history_start) ++out->before_history;
    }
    auto [slot, added] = out->newest.try_emplace({run->serial, run->check_type, run->beam_label}, *run, it->path());
    if (!added && slot->second.first.time_text < run->time_text) slot->second = {*run, it->path()};
  }
}

TdsSurvey CheckSource(const MpcSourceConfig& s, Checklist* list) {
  TdsSurvey survey;
  const std::string& root = s.scan.root;
  const std::string who = "source " + Quote(s.name) + ": ";
  std::error_code ec;
  if (!fs::exists(root, ec)) {
    list->Fail(who + "the TDS directory " + root + " does not exist: mount the share (check "
               "/etc/fstab and that the mount is up) or fix tds in the config.");
    return survey;
  }
  if (!fs::is_directory(root, ec)) {
    list->Fail(who + root + " is not a directory: tds must name the TDS directory that holds "
               "<machine>/MPCChecks/.");
    return survey;
  }
  if (::access(root.c_str(), R_OK | X_OK) != 0) {
    list->Fail(who + "the TDS directory " + root + " is not readable by " + ServiceUserName() +
               ": grant read access on the share (mount options uid/gid or file_mode).");
    return survey;
  }
  survey.readable = true;
  if (s.history) {
    survey.history_start = NowMicros() - s.history->count() * 1000;
    survey.zone = s.scan.site_zone;
  }
  if (s.scan.fast_search) {
    for (fs::directory_iterator it(root, fs::directory_options::skip_permission_denied, ec), end;
         !ec && it != end; it.increment(ec)) {
      std::error_code e2;
      fs::path checks = it->path() / "MPCChecks";
      if (it->is_directory(e2) && fs::is_directory(checks, e2)) Survey(checks, &survey);
    }
  } else {
    Survey(root, &survey);
  }
  if (ec) {
    list->Fail(who + "listing " + root + " failed (" + ec.message() + "): check the share.");
    return survey;
  }
  const char* how = s.scan.fast_search ? "fast search sees " : "a full search sees ";
  if (survey.run_folders == 0) {
    list->Warn(who + root + " is readable but " + how + "no run folders" +
               (s.scan.fast_search ? " (it looks only in <tds>/<machine>/MPCChecks/); check the "
                                     "path, or set fast_search = false."
                                   : "; check the path."));
    return survey;
  }
  std::string serials;
  for (const std::string& serial : survey.serials) serials += (serials.empty() ? "" : ", ") + serial;
  list->Ok(who + root + " is readable; " + how + Plural(survey.run_folders, "run folder", "run folders") +
           (serials.empty() ? "" : " (serials " + serials + ")"));
  if (survey.before_history > 0) {
    list->Ok(who + Plural(survey.before_history, "run folder is", "run folders are") +
             " older than history = " + component::FormatDuration(*s.history) +
             ": a first qcflow run leaves them to `qcflow backfill mpc --config <this file> --source " +
             s.name + "`, which loads them");
  }
  if (!survey.unparseable.empty()) {
    const size_t n = survey.unparseable.size();
    list->Warn(who + Plural(n, "folder is", "folders are") + " not named like MPC run folders (" +
               (n == 1 ? "" : "e.g. ") + Quote(survey.unparseable.front()) + ") and will be "
               "journaled as quarantined (qcflow status counts them); rename or remove " +
               (n == 1 ? "it." : "them."));
  }
  return survey;
}

// ---- what the MPC data will need from QATrack+ ----------------------------------------

constexpr size_t kMaxResultsBytes = 3 << 20;  // a Results.csv is a few kB

// One upload per serial and check type found: the test list the source's template
// names, and the macros BuildMpcSession makes of the newest run of each beam (the
// transform's own code, so validate and run cannot disagree).
std::vector<ExpectedUpload> MpcUploads(const MpcSourceConfig& s, const TdsSurvey& survey) {
  std::map<std::pair<std::string, CheckType>, std::vector<RunResults>> runs;
  for (const auto& [key, newest] : survey.newest) {
    std::error_code ec;  // a FIFO would block the read; the source quarantines it
    if (!std::filesystem::is_regular_file(newest.second, ec)) continue;
    std::ifstream in(newest.second, std::ios::binary);
    std::string bytes(kMaxResultsBytes, '\0');
    in.read(bytes.data(), std::streamsize(bytes.size()));
    bytes.resize(size_t(in.gcount()));
    auto table = ParseResultsCsv(bytes);
    if (!table.ok()) continue;  // quarantined by the source, never uploaded
    auto& group = runs[{std::get<0>(key), std::get<1>(key)}];
    group.push_back({group.size() + 1, newest.second.string(), newest.first, std::move(*table)});
  }
  std::vector<ExpectedUpload> out;
  for (auto& [key, results] : runs) {
    RunGroup group;
    group.serial = key.first;
    group.check_type = key.second;
    for (const RunResults& r : results) {
      group.runs.push_back({r.folder.serial, r.folder.check_type, r.folder.run_time, r.folder.name, r.seq});
    }
    group.open = group.runs.front().run_time;
    group.window_key = WindowKey(group.open);
    auto session = BuildMpcSession(group, results, s.transform.session);
    if (!session.ok()) continue;
    ExpectedUpload up{"serial_number", key.first, session->test_list_name, {},
                      std::string(CheckTypeName(key.second)) + " sessions of serial " + key.first +
                          " from " + Quote(s.name)};
    for (const TestResult& t : session->tests) up.macros.insert(t.key);
    out.push_back(std::move(up));
  }
  return out;
}

}  // namespace

void MpcComponent::Check(component::CheckContext& ctx) const {
  ctx.uploads[name()] = MpcUploads(config_, CheckSource(config_, ctx.list));
}

}  // namespace qcflow::mpc
