#include "ingest/files/files_worker.h"

#include <spdlog/spdlog.h>

#include "process/common/step_loop.h"
#include "process/component/duration.h"
#include "process/component/metric_families.h"
#include "process/component/wording.h"
#include "store/outbox.h"
#include "store/store.h"
#include "store/time_util.h"

namespace qcflow::files {

using component::HumanDuration;
using component::IsoOrEmpty;
using component::LogProblems;

FilesWorker::FilesWorker(const FilesSourceSettings& config, component::PartEnv env,
                         std::vector<component::Part*> sinks)
    : PollingWorker(config.name, Kind::kFile, config.interval, std::move(env), std::move(sinks)),
      config_(config),
      scanner_(config.scan, env_.store),
      transform_(std::make_unique<FilesTransform>(env_.store, config.transform)) {
  if (config.after != AfterUploadAction::kKeep) {
    AfterUploadSettings a{config.name, config.after, {}};
    for (const WatchedDir& d : config.dirs) a.destinations[d.path] = d.destination;
    after_ = std::make_unique<AfterUpload>(std::move(a), env_.store);
  }
}

FilesWorker::~FilesWorker() {
  Stop();
  Join();
}

Status FilesWorker::Init() {
  QCFLOW_RETURN_IF_ERROR(RestoreCounters({"placed"}));
  placed_total_ = state_.extra.Number("placed");
  // Anchored at the first start, as MPC's: files written while the daemon
  // was down are still taken, however long it was down.
  if (auto first = ParseTimeArg(state_.first_start); config_.history && first.ok()) {
    since_ = *first - config_.history->count() * 1000;
  }
  scanner_.SetSince(since_);
  return Status::OK();
}

std::string FilesWorker::Doing() const {
  std::string dirs;
  for (const WatchedDir& d : config_.dirs) dirs += (dirs.empty() ? "" : ", ") + d.path;
  return "uploading " + ModeName(config_.scan.mode) + " files from " + dirs + " every " +
         HumanDuration(config_.interval) + " (settle " + HumanDuration(config_.scan.settle) + "), " +
         (since_ ? "modified since " + FormatUtcIso(*since_) + " (history " +
                       component::FormatDuration(*config_.history) + ")"
                 : "whatever their age (history \"all\")");
}

Result<bool> FilesWorker::PlaceUploaded(MicrosUtc now) {
  if (!after_) return false;
  auto r = after_->Pass(now);
  if (!r.ok()) return r.status();
  const std::string who = "source " + config_.name;
  LogProblems(log(), who, r->problems);
  for (const std::string& p : r->placed) log().debug("{}: {}", who, p);
  const size_t placed = r->moved + r->copied;
  if (placed > 0) {
    log().info("{}: {} {} uploaded file(s) to their destination ({} already there, {} beside "
               "another file of the same name)", who, r->moved > 0 ? "moved" : "copied", placed,
               r->identical, r->renamed);
  }
  placed_total_ += placed;
  {
    std::lock_guard<std::mutex> lock(mu_);
    state_.extra.Set("placed", placed_total_);
    state_.extra.Set("awaiting_upload", uint64_t(r->waiting));
  }
  // Uploads a sink is still sending are placed by a later pass; those it
  // gave up on (dead letters) wait for a replay, not for this source.
  if (r->waiting == 0) return false;
  for (const std::string& sink : config_.transform.sinks) {
    auto c = env_.store->outbox().Counters(sink, now);
    if (!c.ok()) return c.status();
    if (c->pending > 0) return true;
  }
  return false;
}

bool FilesWorker::Pass() {
  const MicrosUtc start = env_.clock();
  const std::string who = "source " + config_.name;
  // Placing first: a file queued by this pass waits at least for the next one,
  // whatever the sink does meanwhile (and the kill test can rely on that).
  auto more_to_place = PlaceUploaded(start);
  auto scan = scanner_.Pass(&env_.store->journal(), start);
  FilesStepReport total;
  const Status step_failed =
      RunSteps([&] { return transform_->Step(); }, &total,
               {.stop_requested = [this] { return stopping(); }})
          .WithContext("files transform");
  Status failed = !scan.ok() ? scan.status() : !step_failed.ok() ? step_failed : more_to_place.status();
  if (scan.ok()) LogProblems(log(), who, scan->problems);
  LogProblems(log(), who, total.problems);
  const size_t appended = scan.ok() ? scan->appended : 0;
  if (appended > 0 || total.sessions_emitted > 0) {
    log().info("{}: journaled {} new file(s) ({} quarantined); queued {} upload(s){}", who, appended,
               scan.ok() ? scan->quarantined : 0, total.sessions_emitted,
               config_.transform.sinks.empty() ? " (no route to a sink)" : "");
  }
  if (total.sessions_emitted > 0) KickSinks();
  if (scan.ok() && scan->before_since > 0 && !told_before_since_) {
    told_before_since_ = true;
    log().info("{}: {} file(s) last modified before {} are outside its history ({}) and not "
               "uploaded; set history = \"all\" (or longer) in [[source.files]] {} to upload them",
               who, scan->before_since, FormatUtcIso(*since_), component::FormatDuration(*config_.history),
               config_.name);
  }

  const uint64_t quarantined = QuarantinedTotal(config_.name);
  std::lock_guard<std::mutex> lock(mu_);
  state_.state = failed.ok() ? "ok" : "error";
  state_.last_run = IsoOrEmpty(start);
  state_.last_error = failed.ok() ? "" : failed.message();
  state_.records_last_run = appended;
  state_.quarantined_total = quarantined;
  state_.sessions_emitted += total.sessions_emitted;
  ++state_.passes;
  if (scan.ok()) {
    state_.extra.Set("files_seen", uint64_t(scan->seen));
    state_.extra.Set("unsettled", uint64_t(scan->unsettled));
  }
  if (failed.ok()) state_.last_ok = state_.last_run;
  up_ = failed.ok();
  if (failed.ok()) last_success_ = start;
  // Unsettled files need another pass before an --until-idle run may end, and
  // so do uploads queued now when they are to be placed.
  const bool queued_to_place = after_ && total.sessions_emitted > 0;
  idle_ = failed.ok() && total.caught_up && scan.ok() && scan->unsettled == 0 && !*more_to_place &&
          !queued_to_place;
  return failed.ok();
}

void FilesWorker::AddMetrics(const std::vector<SourceCount>& counts, MicrosUtc now,
                             component::MetricFamilies* m) const {
  PollingWorker::AddMetrics(counts, now, m);
  const component::SourceState s = State();
  m->Family("qcflow_files_unsettled", "gauge",
            "Files of the latest pass still being written (taken by a later pass).");
  m->Sample("qcflow_files_unsettled", component::PromLabelPair("source", name_),
            double(s.extra.Number("unsettled")));
}

Status FilesStatus(Store&, std::vector<component::SourceState>* states,
                   component::StatusReport* report) {
  using component::StatusCell;
  component::StatusTable t{
      "File upload sources, as `qcflow run` last saw them (quarantined: files over max_size or "
      "not valid text in the source's encoding, kept in the journal and not uploaded):",
      {"source", "state", "last_pass", "files_seen", "new_last_pass", "unsettled", "uploads_queued",
       "quarantined", "placed", "awaiting_upload", "last_error"},
      {}};
  for (const component::SourceState& s : *states) {
    if (s.kind != "files") continue;
    report->shown.insert(s.name);
    t.rows.push_back({StatusCell::Text(s.name), StatusCell::Text(s.state),
                      StatusCell::Instant(s.last_run),
                      StatusCell::Number(s.extra.Number("files_seen")),
                      StatusCell::Number(s.records_last_run),
                      StatusCell::Number(s.extra.Number("unsettled")),
                      StatusCell::Number(s.sessions_emitted),
                      StatusCell::Number(s.quarantined_total),
                      StatusCell::Number(s.extra.Number("placed")),
                      StatusCell::Number(s.extra.Number("awaiting_upload")),
                      StatusCell::Text(s.last_error)});
  }
  if (!t.rows.empty()) report->tables.push_back(std::move(t));
  return Status::OK();
}

}  // namespace qcflow::files
