#include "ingest/file_mover/file_mover_worker.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "process/component/duration.h"
#include "process/component/metric_families.h"
#include "process/component/wording.h"
#include "store/derived.h"

namespace qcflow::file_mover {
namespace {

using component::HumanDuration;
using component::IsoOrEmpty;
using component::LogProblems;
using component::WithoutRetryNote;

}  // namespace

FileMoverWorker::FileMoverWorker(const MoverSettings& settings, Kind kind, std::chrono::milliseconds interval,
                                 component::PartEnv env)
    : PollingWorker(settings.name, kind, interval, std::move(env), {}),
      settings_(settings),
      interval_(interval),
      mover_(settings, env_.store, kind) {}

FileMoverWorker::~FileMoverWorker() {
  Stop();
  Join();
}

Status FileMoverWorker::Init() {
  QCFLOW_RETURN_IF_ERROR(RestoreCounters());
  auto prev = env_.store->derived().Get(component::kDaemonSourceNs, name_);
  if (!prev.ok()) return prev.status();
  if (prev->has_value()) {
    auto s = component::DecodeSourceState(name_, **prev);
    if (s.ok()) {
      for (const CountField& f : kCountFields) totals_.*f.count = s->extra.Number(f.name);
    }
  }
  // A run killed mid-transfer leaves a temporary; its source is still there.
  auto removed = mover_.CleanUpTemporaries();
  if (!removed.ok()) {
    log().warn("source {}: {} (the temporaries of an interrupted transfer stay until it can)", name_,
               removed.status().message());
  } else if (*removed > 0) {
    log().info("source {}: removed {} temporary file(s) of transfers interrupted earlier; they are done again",
               name_, *removed);
  }
  return Status::OK();
}

std::string FileMoverWorker::Doing() const {
  return std::string(settings_.move ? "moving" : "copying") + " files from " + settings_.source + " to " +
         settings_.destination + " every " + HumanDuration(std::max(interval_, component::kMinInterval));
}

bool FileMoverWorker::Pass() {
  const MicrosUtc start = env_.clock();
  const std::string who = "source " + name_;
  auto pass = mover_.Pass(start, [this] { return stopping(); });
  Status failed = pass.status();
  if (pass.ok()) {
    LogProblems(log(), who, pass->problems);
    for (const std::string& t : pass->transfers) log().debug("{}: {}", who, t);
    const MoverCounts& c = pass->counts;
    if (!pass->transfers.empty()) {
      log().info("{}: {} {} file(s), {} ({} already there, {} kept beside an existing one, {} replaced)", who,
                 settings_.move ? "moved" : "copied", pass->transfers.size(), component::HumanBytes(c.bytes),
                 c.identical, c.renamed, c.replaced);
    }
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (pass.ok()) totals_.Add(pass->counts);
  state_.state = failed.ok() ? "ok" : failed.code() == Status::Code::kUnavailable ? "unavailable" : "error";
  state_.last_run = IsoOrEmpty(start);
  state_.last_error = failed.ok() ? "" : WithoutRetryNote(failed.message());
  state_.records_last_run = pass.ok() ? pass->transfers.size() : 0;
  ++state_.passes;
  if (failed.ok()) state_.last_ok = state_.last_run;
  for (const CountField& f : kCountFields) state_.extra.Set(f.name, totals_.*f.count);
  state_.extra.Set("unreadable", uint64_t(mover_.unreadable()));
  state_.extra.Set("mode", settings_.move ? "move" : "copy");
  state_.extra.Set("source", settings_.source);
  state_.extra.Set("destination", settings_.destination);
  up_ = failed.ok();
  if (failed.ok()) last_success_ = start;
  idle_ = failed.ok() && pass->unsettled == 0 && !pass->stopped;
  return failed.ok();
}

void FileMoverWorker::AddMetrics(const std::vector<SourceCount>& counts, MicrosUtc now,
                                 component::MetricFamilies* m) const {
  PollingWorker::AddMetrics(counts, now, m);
  std::lock_guard<std::mutex> lock(mu_);
  const std::string labels = component::PromLabelPair("source", name_);
  m->Family("qcflow_file_mover_files_total", "counter", "Files transferred by a file mover, by action.");
  m->Sample("qcflow_file_mover_files_total", labels + ",action=\"moved\"", double(totals_.moved));
  m->Sample("qcflow_file_mover_files_total", labels + ",action=\"copied\"", double(totals_.copied));
  m->Family("qcflow_file_mover_bytes_total", "counter", "Bytes of the files a file mover transferred.");
  m->Sample("qcflow_file_mover_bytes_total", labels, double(totals_.bytes));
  m->Family("qcflow_file_mover_conflicts_total", "counter", "Files a file mover left in place (on_conflict).");
  m->Sample("qcflow_file_mover_conflicts_total", labels, double(totals_.conflicts));
  m->Family("qcflow_file_mover_errors_total", "counter", "Files a file mover could not read or write (once each).");
  m->Sample("qcflow_file_mover_errors_total", labels, double(totals_.errors));
  m->Family("qcflow_file_mover_unreadable", "gauge", "Files a file mover cannot read now.");
  m->Sample("qcflow_file_mover_unreadable", labels, double(mover_.unreadable()));
}

Status FileMoverStatus(Store&, std::vector<component::SourceState>* states, component::StatusReport* report) {
  component::StatusTable t{"File movers:",
                           {"file mover", "state", "mode", "moved", "copied", "bytes", "conflicts", "errors",
                            "unreadable"},
                           {}};
  uint64_t errors = 0;
  for (const component::SourceState& s : *states) {
    if (s.kind != kFilesKind || s.extra.Text("mode").empty()) continue;  // uploads share the kind
    report->shown.insert(s.name);
    using component::StatusCell;
    t.rows.push_back({StatusCell::Text(s.name), StatusCell::Text(s.state), StatusCell::Text(s.extra.Text("mode")),
                      StatusCell::Number(s.extra.Number("moved")), StatusCell::Number(s.extra.Number("copied")),
                      StatusCell::Number(s.extra.Number("bytes")), StatusCell::Number(s.extra.Number("conflicts")),
                      StatusCell::Number(s.extra.Number("errors")), StatusCell::Number(s.extra.Number("unreadable"))});
    errors += s.extra.Number("errors");
    if (s.extra.Number("unreadable") > 0) {
      report->notes.push_back("file mover " + s.name + ": " + std::to_string(s.extra.Number("unreadable")) +
                              " file(s) cannot be read and stay in " + s.extra.Text("source") +
                              " (the log names them): grant read access.");
    }
  }
  if (t.rows.empty()) return Status::OK();
  report->tables.push_back(std::move(t));
  report->json_fields.emplace_back("file_mover_errors", errors);
  return Status::OK();
}

}  // namespace qcflow::file_mover
