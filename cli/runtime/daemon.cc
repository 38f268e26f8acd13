#include "cli/runtime/daemon.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstdio>

#include "cli/runtime/daemon_dqa3.h"
#include "cli/runtime/daemon_icom.h"
#include "cli/runtime/daemon_state.h"
#include "cli/runtime/daemon_workers.h"
#include "cli/runtime/metrics_server.h"
#include "cli/version.h"
#include "store/journal.h"
#include "store/outbox.h"

namespace qcflow::cli {
namespace {

constexpr auto kSupervisorTick = std::chrono::milliseconds(100);

double Seconds(MicrosUtc t) { return double(t) / kMicrosPerSecond; }

std::string Label(const char* key, const std::string& value) { return PromLabelPair(key, value); }

}  // namespace

const char* StopReasonName(StopReason r) {
  switch (r) {
    case StopReason::kRequested: return "requested";
    case StopReason::kIdle: return "idle";
    case StopReason::kMaxDuration: return "max-duration";
  }
  return "?";
}

Daemon::Daemon(DaemonOptions options) : options_(std::move(options)) {
  if (!options_.clock) options_.clock = [] { return NowMicros(); };
}

Daemon::~Daemon() {
  // Run() was never called (or returned): workers never started or are joined.
  metrics_.reset();
  icom_.reset();
  dqa3_.clear();
  sources_.clear();
  sinks_.clear();
}

Result<std::unique_ptr<Daemon>> Daemon::Create(DaemonOptions options) {
  std::unique_ptr<Daemon> d(new Daemon(std::move(options)));
  QCFLOW_RETURN_IF_ERROR(d->Init());
  return d;
}

Status Daemon::Init() {
  const config::Config& c = options_.config;
  StoreOptions so;
  so.durability = c.store.durability;
  so.create_if_missing = true;
  const std::string dir = options_.store_dir.empty() ? c.store.path : options_.store_dir;
  auto store = Store::Open(dir, so);
  if (!store.ok()) return store.status();
  store_ = std::move(*store);

  WorkerEnv env{store_.get(), options_.clock, options_.max_backoff, options_.config.log_levels};
  for (const config::QatrackSink& s : c.qatrack_sinks) {
    qatrack::QatrackSinkConfig sink_config = s.sink;
    sink_config.mappings = config::SessionMappings(c);  // queued items follow this config
    sink_config.clock = options_.clock;  // last_success: when each upload landed
    sink_config.batch_limit = std::max<size_t>(
        1, std::min(sink_config.batch_limit, options_.sink_batch_limit));
    auto sink = qatrack::QatrackSink::Create(store_.get(), sink_config);
    if (!sink.ok()) return sink.status().WithContext("[[sink.qatrack]] " + s.sink.name);
    sinks_.push_back(std::make_unique<SinkWorker>(s, env, std::move(*sink)));
  }
  // The sink workers a source's routes name (kicked when it queues sessions).
  auto routed = [&](const std::vector<std::string>& names) {
    std::vector<WorkerThread*> out;
    for (const std::string& name : names) {
      for (auto& k : sinks_) {
        if (k->name() == name) out.push_back(k.get());
      }
    }
    return out;
  };
  for (const config::MpcSource& s : c.mpc_sources) {
    auto worker = std::make_unique<SourceWorker>(s, env, routed(s.transform.sinks));
    QCFLOW_RETURN_IF_ERROR(worker->Init());
    sources_.push_back(std::move(worker));
  }
  for (const config::Dqa3Source& s : c.dqa3_sources) {
    auto worker = std::make_unique<Dqa3Worker>(s, env, routed(s.transform.sinks));
    QCFLOW_RETURN_IF_ERROR(worker->Init());
    dqa3_.push_back(std::move(worker));
  }
  if (!c.icom_sources.empty()) {
    icom_ = std::make_unique<IcomWorker>(c.icom_sources, env);
    QCFLOW_RETURN_IF_ERROR(icom_->Init());
  }
  if (!c.metrics.listen.empty()) {
    auto m = MetricsServer::Start(c.metrics.listen, [this] { return RenderMetrics(); });
    if (!m.ok()) return m.status();
    metrics_ = std::move(*m);
    metrics_port_ = metrics_->port();
    spdlog::info("metrics: Prometheus text at http://{}/metrics", metrics_->address());
  }
  return Status::OK();
}

int Daemon::metrics_port() const { return metrics_port_; }

void Daemon::RequestStop(const std::string& why) {
  std::lock_guard<std::mutex> lock(mu_);
  if (stop_requested_) {
    spdlog::info("{}: already stopping; finishing the work in flight", why);
    return;
  }
  stop_requested_ = true;
  stop_why_ = why;
  cv_.notify_all();
}

bool Daemon::IsIdle() {
  for (const auto& s : sources_) {
    if (!s->Snapshot().idle) return false;
  }
  for (const auto& s : dqa3_) {
    if (!s->Snapshot().idle) return false;
  }
  if (icom_ && !icom_->Idle()) return false;
  const MicrosUtc now = options_.clock();
  for (const auto& k : sinks_) {
    auto c = store_->outbox().Counters(k->name(), now);
    if (!c.ok() || c->pending > 0) return false;  // due, or waiting out a retry delay
  }
  return true;
}

std::vector<std::string> Daemon::Unfinished() {
  std::vector<std::string> left;
  auto polling = [&](const PollingWorker& w) {
    const SourceSnapshot snap = w.Snapshot();
    const SourceState state = w.State();
    if (!snap.up) {
      left.push_back("source " + w.name() + ": " +
                     (state.last_error.empty() ? "no pass completed"
                                               : "its latest pass failed (" + state.last_error + ")"));
    } else if (!snap.idle) {
      left.push_back("source " + w.name() + ": files were still settling or records not yet grouped");
    }
  };
  for (const auto& s : sources_) polling(*s);
  for (const auto& s : dqa3_) polling(*s);
  if (icom_) {
    for (const IcomLinacSnapshot& l : icom_->Snapshot()) {
      if (l.capture.dropped > 0) {
        left.push_back("linac " + l.capture.linac + ": " + std::to_string(l.capture.dropped) +
                       " message(s) lost to a stalled journal (journaled as capture loss)");
      }
    }
  }
  const MicrosUtc now = options_.clock();
  for (const auto& k : sinks_) {
    const std::string who = "sink " + k->name() + ": ";
    auto c = store_->outbox().Counters(k->name(), now);
    if (!c.ok()) {
      left.push_back(who + "its outbox cannot be read (" + c.status().message() + ")");
      continue;
    }
    if (c->pending > 0) {
      std::string why = k->State().last_error;
      if (why.empty()) why = k->HeadError();
      left.push_back(who + std::to_string(c->pending) + " session(s) not delivered (" +
                     std::to_string(c->in_backoff) + " waiting out a retry delay)" +
                     (why.empty() ? "" : ": " + why) + "; they stay queued for the next run");
    }
    if (c->dead_letters > 0) {
      const std::string why = k->NewestDeadLetterReason();
      left.push_back(who + std::to_string(c->dead_letters) + " dead letter(s), refused by the server" +
                     (why.empty() ? "" : " (" + why + ")") +
                     "; fix the cause in QATrack+, then run qcflow replay --dead-letters");
    }
  }
  return left;
}

void Daemon::PersistProcess(bool stopped) {
  ProcessState p;
  p.pid = getpid();
  p.started_at = IsoOrEmpty(started_at_);
  p.stopped_at = stopped ? IsoOrEmpty(options_.clock()) : "";
  p.version = kQcflowVersion;
  WriteSet ws;
  ws.ReplaceDerived(kDaemonNs, kDaemonProcessKey, EncodeProcessState(p));
  auto r = store_->Commit(ws);
  if (!r.ok()) spdlog::warn("cannot record the daemon's state in the store: {}", r.status().message());
}

void Daemon::WatchStore() {
  const StoreHealth h = store_->Health();
  if (h.writable == store_writable_) return;
  store_writable_ = h.writable;
  if (h.writable) {
    spdlog::info("store {} is writable again ({} bytes free); capture and uploads go on",
                 store_->dir(), h.free_bytes);
    return;
  }
  std::string capture = "nothing is lost meanwhile: sources and sinks retry with backoff";
  if (const auto& linacs = options_.config.icom_sources; !linacs.empty()) {
    const auto& q = linacs.front().capture;
    capture = "capture is buffered up to " + std::to_string(q.queue_messages) + " messages / " +
              std::to_string(q.queue_bytes >> 20) +
              " MiB per linac and then counted as loss; MPC, DQA3 and uploads retry with backoff";
  }
  if (h.disk_full) {
    spdlog::error("store disk full at {}: {} bytes free; {}. Free space there: qcflow resumes "
                  "by itself (retrying with backoff)",
                  store_->dir(), h.free_bytes, capture);
  } else {
    spdlog::error("{}; {}", h.error, capture);
  }
}

Result<RunSummary> Daemon::Run() {
  started_at_ = options_.clock();
  const size_t linacs = options_.config.icom_sources.size();
  spdlog::info("qcflow {} running: store {}, {} source(s), {} sink(s); stop with SIGTERM or Ctrl-C",
               kQcflowVersion, store_->dir(), sources_.size() + dqa3_.size() + linacs, sinks_.size());
  for (const config::DisabledComponent& d : options_.config.disabled) {
    spdlog::info("{} is disabled (enabled = false): not run", config::Describe(d, options_.config.file));
  }
  for (const std::string& note : options_.config.disabled_notes) spdlog::info("{}", note);
  PersistProcess(false);
  for (auto& k : sinks_) k->Start();
  for (auto& s : sources_) s->Start();
  for (auto& s : dqa3_) s->Start();
  if (icom_) {
    // Add only fails for what LoadConfig already refuses; say so if it ever does.
    if (Status s = icom_->StartCapture(); !s.ok()) spdlog::error("iCom capture: {}", s.message());
    icom_->Start();
  }

  RunSummary summary;
  const auto t0 = std::chrono::steady_clock::now();
  std::string why;
  {
    std::unique_lock<std::mutex> lock(mu_);
    // Bounded: ends on a stop request, at idle (until_idle) or at max_duration.
    while (!stop_requested_) {
      cv_.wait_for(lock, kSupervisorTick, [&] { return stop_requested_; });
      if (stop_requested_) break;
      lock.unlock();
      WatchStore();
      const bool deadline = options_.max_duration &&
                            std::chrono::steady_clock::now() - t0 >= *options_.max_duration;
      const bool idle = (deadline || options_.until_idle) && IsIdle();
      lock.lock();
      if (deadline) {
        summary.reason = StopReason::kMaxDuration;
        summary.idle = idle;
        stop_why_ = idle ? "--max-duration reached (idle)" : "--max-duration reached before idle";
        break;
      }
      if (idle) {
        summary.reason = StopReason::kIdle;
        summary.idle = true;
        stop_why_ = "idle (--until-idle): every source scanned, nothing left to deliver";
        break;
      }
    }
    if (summary.reason == StopReason::kRequested && stop_requested_) {
      lock.unlock();
      summary.idle = IsIdle();
      lock.lock();
    }
    stop_requested_ = true;
    why = stop_why_;
  }

  spdlog::info("stopping ({}): no new scans or uploads; finishing the ones in flight", why);
  // Linac sockets first: a clean FIN, and what was received reaches the journal.
  if (icom_) {
    icom_->StopCapture();
    icom_->Stop();
  }
  for (auto& s : sources_) s->Stop();
  for (auto& s : dqa3_) s->Stop();
  for (auto& k : sinks_) k->Stop();
  for (auto& s : sources_) s->Join();
  for (auto& s : dqa3_) s->Join();
  for (auto& k : sinks_) k->Join();
  if (icom_) {
    icom_->Join();
    icom_->PersistStopped();
  }
  for (auto& s : sources_) s->PersistStopped();
  for (auto& s : dqa3_) s->PersistStopped();
  for (auto& k : sinks_) k->PersistStopped();
  if (summary.reason != StopReason::kRequested) {
    summary.left = Unfinished();
    for (const std::string& item : summary.left) spdlog::warn("not done: {}", item);
  }
  metrics_.reset();  // closes the listening socket and open connections
  PersistProcess(true);
  WatchStore();
  Status synced = store_->Sync();
  icom_.reset();
  dqa3_.clear();
  sources_.clear();
  sinks_.clear();
  store_.reset();
  if (!synced.ok()) {
    spdlog::error("stopping: the store could not be synced: {}", synced.message());
    return synced;
  }
  if (!store_writable_) {
    spdlog::warn("stopped; the store was still refusing writes (see above): what it could not "
                 "take is counted as lost in the lines above");
    return summary;
  }
  spdlog::info("stopped cleanly; the store is synced and closed");
  return summary;
}

std::string Daemon::RenderMetrics() {
  PromText p;
  const MicrosUtc now = NowMicros();
  auto counts = store_->journal().Counts();
  auto count_of = [&](const std::string& source) {  // names are unique across kinds
    SourceCount out{Kind::kMpc, source};
    for (const SourceCount& c : counts) {
      if ((c.kind == Kind::kMpc || c.kind == Kind::kDqa3) && c.source_id == source) out = c;
    }
    return out;
  };
  std::vector<SourceSnapshot> sources;
  for (const auto& s : sources_) sources.push_back(s->Snapshot());
  for (const auto& s : dqa3_) sources.push_back(s->Snapshot());

  p.Family("qcflow_source_records_total", "counter", "Journal records captured from the source.");
  for (const auto& s : sources) {
    p.Sample("qcflow_source_records_total", Label("source", s.name), count_of(s.name).records);
  }
  p.Family("qcflow_source_quarantined_total", "counter",
           "Captured records that could not be used (see qcflow status).");
  for (const auto& s : sources) {
    p.Sample("qcflow_source_quarantined_total", Label("source", s.name),
             count_of(s.name).quarantined);
  }
  p.Family("qcflow_source_last_success_timestamp_seconds", "gauge",
           "Start of the latest successful pass (0: none since qcflow started).");
  for (const auto& s : sources) {
    p.Sample("qcflow_source_last_success_timestamp_seconds", Label("source", s.name),
             Seconds(s.last_success));
  }
  p.Family("qcflow_source_up", "gauge", "1 when the latest pass of the source succeeded.");
  for (const auto& s : sources) p.Sample("qcflow_source_up", Label("source", s.name), s.up);

  struct SinkRow {
    SinkSnapshot snap;
    SinkCounters c;
  };
  std::vector<SinkRow> sinks;
  for (const auto& k : sinks_) {
    auto c = store_->outbox().Counters(k->name(), now);
    sinks.push_back({k->Snapshot(), c.ok() ? *c : SinkCounters{}});
  }
  auto family = [&](const char* name, const char* type, const char* help, auto value) {
    p.Family(name, type, help);
    for (const SinkRow& r : sinks) p.Sample(name, Label("sink", r.snap.name), value(r));
  };
  family("qcflow_sink_pending", "gauge", "Queued items, dead letters excluded.",
         [](const SinkRow& r) { return double(r.c.pending); });
  family("qcflow_sink_in_backoff", "gauge", "Pending items waiting out a retry delay.",
         [](const SinkRow& r) { return double(r.c.in_backoff); });
  family("qcflow_sink_dead_letters", "gauge", "Items the server refused; need a person.",
         [](const SinkRow& r) { return double(r.c.dead_letters); });
  family("qcflow_sink_delivered_total", "counter", "Items delivered, ever.",
         [](const SinkRow& r) { return double(r.c.delivered); });
  family("qcflow_sink_last_success_timestamp_seconds", "gauge",
         "Time of the latest delivery (0: never).",
         [](const SinkRow& r) { return Seconds(r.c.last_success); });
  family("qcflow_sink_paused", "gauge", "1 while the server rejects the token.",
         [](const SinkRow& r) { return double(r.snap.paused); });
  family("qcflow_sink_up", "gauge", "1 when the server is reachable and deliveries succeed.",
         [](const SinkRow& r) { return double(r.snap.up); });

  p.Family("qcflow_dqa3_race_flagged", "gauge",
           "Rows of the latest poll hit by the vendor's DATA_KEY race (uploaded; the warning is in the session comment and the log).");
  std::vector<SourceState> dqa3_states;
  for (const auto& s : dqa3_) dqa3_states.push_back(s->State());
  for (const SourceState& s : dqa3_states) {
    p.Sample("qcflow_dqa3_race_flagged", Label("source", s.name), double(s.race_flagged));
  }
  p.Family("qcflow_dqa3_unmapped_machines", "gauge",
           "Machines the database has and units does not name (their rows are held).");
  for (const SourceState& s : dqa3_states) {
    p.Sample("qcflow_dqa3_unmapped_machines", Label("source", s.name), double(s.unmapped.size()));
  }
  if (icom_) icom_->RenderMetrics(&p);

  p.Family("qcflow_journal_last_seq", "gauge", "Sequence number of the newest journal record.");
  p.Sample("qcflow_journal_last_seq", "", double(store_->journal().last_seq()));
  auto stats = store_->Stats();
  p.Family("qcflow_store_bytes", "gauge", "Store size on disk (SST and WAL files).");
  p.Sample("qcflow_store_bytes", "", stats.ok() ? double(stats->bytes_on_disk) : 0);
  return p.str();
}

}  // namespace qcflow::cli
