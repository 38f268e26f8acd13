#include "cli/runtime/daemon.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include "cli/runtime/display_zone.h"
#include "cli/runtime/metrics_server.h"
#include "cli/runtime/process_metrics.h"
#include "cli/runtime/systemd_notify.h"
#include "process/component/metric_families.h"
#include "cli/version.h"
#include "store/derived.h"
#include "store/journal.h"
#include "store/outbox.h"

namespace qcflow::cli {
namespace {

constexpr auto kSupervisorTick = std::chrono::milliseconds(100);

// The components of `all` grouped by kind, kinds in first-seen order.
std::vector<std::vector<const component::Component*>> ByKind(
    const std::vector<const component::Component*>& all) {
  std::vector<std::vector<const component::Component*>> out;
  for (const component::Component* c : all) {
    auto same = std::find_if(out.begin(), out.end(),
                             [&](const auto& g) { return &g.front()->kind() == &c->kind(); });
    if (same == out.end()) out.push_back({c});
    else same->push_back(c);
  }
  return out;
}

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
  services_.clear();
  metrics_.reset();
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

  component::PartEnv env;
  env.store = store_.get();
  env.clock = options_.clock;
  env.max_backoff = options_.max_backoff;
  env.log_levels = c.log_levels;
  env.sink_batch_limit = options_.sink_batch_limit;
  env.session_sources = config::SessionSources(c);
  // The sink parts a source's routes name (it kicks them when it queued sessions).
  std::vector<std::pair<std::string, component::Part*>> sink_names;
  env.sinks_named = [&sink_names](const std::vector<std::string>& names) {
    std::vector<component::Part*> out;
    for (const std::string& name : names) {
      for (const auto& [n, part] : sink_names) {
        if (n == name) out.push_back(part);
      }
    }
    return out;
  };
  // Sinks first, then sources; a kind with build_group makes one part for all
  // of its components (the iCom capture group), any other one per component.
  for (auto* list : {&sinks_, &sources_}) {
    const bool sinks = list == &sinks_;
    for (const auto& group : ByKind(sinks ? c.Sinks() : c.Sources())) {
      const component::ComponentKind& kind = group.front()->kind();
      if (kind.build_group) {
        auto parts = kind.build_group(group, env);
        if (!parts.ok()) return parts.status().WithContext("[[" + kind.section + "]]");
        for (auto& p : *parts) list->push_back(std::move(p));
        continue;
      }
      for (const component::Component* one : group) {
        auto part = one->Build(env);
        if (!part.ok()) return part.status().WithContext("[[" + kind.section + "]] " + one->name());
        if (sinks) sink_names.emplace_back(one->name(), part->get());
        list->push_back(std::move(*part));
      }
    }
  }
  for (auto* list : {&sinks_, &sources_}) {
    for (auto& p : *list) QCFLOW_RETURN_IF_ERROR(p->Init());
  }
  if (!c.metrics.listen.empty()) {
    auto m = MetricsServer::Start(
        c.metrics.listen, [this] { return RenderMetrics(); }, [this] { return NotReady(); });
    if (!m.ok()) return m.status();
    metrics_ = std::move(*m);
    metrics_port_ = metrics_->port();
    spdlog::info("metrics: Prometheus text at http://{}/metrics", metrics_->address());
  }
  return Status::OK();
}

int Daemon::metrics_port() const { return metrics_port_; }

std::string Daemon::NotReady() {
  std::lock_guard<std::mutex> lock(readiness_mu_);
  return not_ready_;
}

void Daemon::SetNotReady(std::string why) {
  std::lock_guard<std::mutex> lock(readiness_mu_);
  not_ready_ = std::move(why);
}

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
  const MicrosUtc now = options_.clock();
  for (auto* list : {&sources_, &sinks_}) {
    for (const auto& p : *list) {
      if (!p->Idle(now)) return false;
    }
  }
  return true;
}

std::vector<std::string> Daemon::Unfinished() {
  std::vector<std::string> left;
  const MicrosUtc now = options_.clock();
  for (auto* list : {&sources_, &sinks_}) {
    for (const auto& p : *list) p->Unfinished(now, &left);
  }
  return left;
}

void Daemon::PersistProcess(bool stopped) {
  component::ProcessState p;
  p.pid = getpid();
  p.started_at = component::IsoOrEmpty(started_at_);
  p.stopped_at = stopped ? component::IsoOrEmpty(options_.clock()) : "";
  p.version = kQcflowVersion;
  p.display_zone = config::ConfiguredZone(options_.config);
  WriteSet ws;
  ws.ReplaceDerived(component::kDaemonNs, component::kDaemonProcessKey, component::EncodeProcessState(p));
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
  std::string capture;
  for (const auto& p : sources_) {
    if (std::string s = p->WhileStoreRefuses(); !s.empty()) capture += s + "; ";
  }
  capture = capture.empty() ? "nothing is lost meanwhile: sources and sinks retry with backoff"
                            : capture + "the other sources and the uploads retry with backoff";
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
  size_t sources = 0;
  for (const auto& p : sources_) sources += p->sources();
  spdlog::info("qcflow {} running: store {}, {} source(s), {} sink(s); stop with SIGTERM or Ctrl-C",
               kQcflowVersion, store_->dir(), sources, options_.config.Sinks().size());
  for (const config::DisabledComponent& d : options_.config.disabled) {
    spdlog::info("{} is disabled (enabled = false): not run", config::Describe(d, options_.config.file));
  }
  for (const std::string& note : options_.config.disabled_notes) spdlog::info("{}", note);
  PersistProcess(false);
  for (auto& k : sinks_) k->Begin();
  for (auto& s : sources_) s->Begin();
  SystemdNotifier systemd;
  SetNotReady("");
  systemd.Ready("running: " + std::to_string(sources) + " source(s), " +
                std::to_string(options_.config.Sinks().size()) + " sink(s)");

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
      systemd.Tick();
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
  SetNotReady("stopping (" + why + ")");
  systemd.Stopping("stopping (" + why + "): finishing the work in flight");
  // Sources first (a stream closes its sockets with a FIN and hands what it
  // received to the journal), then sinks; the work in flight finishes.
  for (auto& s : sources_) s->BeginStop();
  for (auto& k : sinks_) k->BeginStop();
  for (auto* list : {&sources_, &sinks_}) {
    for (auto& p : *list) p->Join();
  }
  for (auto* list : {&sources_, &sinks_}) {
    for (auto& p : *list) p->PersistStopped();
  }
  if (summary.reason != StopReason::kRequested) {
    summary.left = Unfinished();
    for (const std::string& item : summary.left) spdlog::warn("not done: {}", item);
  }
  metrics_.reset();  // closes the listening socket and open connections
  services_.clear();  // the console: its server thread is joined here
  PersistProcess(true);
  WatchStore();
  Status synced = store_->Sync();
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
  component::MetricFamilies m;
  const MicrosUtc now = NowMicros();
  const std::vector<SourceCount> counts = store_->journal().Counts();
  for (auto* list : {&sources_, &sinks_}) {
    for (const auto& p : *list) p->AddMetrics(counts, now, &m);
  }
  m.Family("qcflow_journal_last_seq", "gauge", "Sequence number of the newest journal record.");
  m.Sample("qcflow_journal_last_seq", "", double(store_->journal().last_seq()));
  auto stats = store_->Stats();
  m.Family("qcflow_store_bytes", "gauge", "Store size on disk (SST and WAL files).");
  m.Sample("qcflow_store_bytes", "", stats.ok() ? double(stats->bytes_on_disk) : 0);
  m.Family("qcflow_build_info", "gauge", "Always 1; the labels say which qcflow this is.");
  m.Sample("qcflow_build_info", component::PromLabelPair("version", kQcflowVersion), 1);
  AddProcessMetrics(&m);
  return m.Render();
}

}  // namespace qcflow::cli

namespace qcflow::cli {

Result<StatusSnapshot> Daemon::Snapshot() {
  return TakeStatusSnapshot(*store_, options_.config, options_.clock());
}

Result<DeadLetterPage> Daemon::DeadLetters(const std::string& sink, size_t offset, size_t limit) {
  return ListDeadLetters(*store_, sink, offset, limit);
}

Result<size_t> Daemon::RetryDeadLetters(const std::string& sink) {
  std::vector<std::string> names;
  for (const component::Component* c : options_.config.Sinks()) {
    if (sink.empty() || c->name() == sink) names.push_back(c->name());
  }
  if (names.empty()) return Status::NotFound("no sink is named '" + sink + "'");
  size_t moved = 0;
  for (const std::string& name : names) {
    auto n = store_->outbox().RequeueDeadLetters(name, options_.clock());
    if (!n.ok()) return n.status();
    moved += *n;
  }
  if (moved > 0) {
    spdlog::info("console: {} dead letter(s) moved back to pending{}", moved,
                 sink.empty() ? "" : " for sink " + sink);
    for (auto& k : sinks_) k->Kick();
  }
  return moved;
}

Derived& Daemon::derived() { return store_->derived(); }

void Daemon::Attach(std::shared_ptr<void> service) { services_.push_back(std::move(service)); }

}  // namespace qcflow::cli
