#include "ingest/icom/icom_worker.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>
#include <set>

#include "process/component/component_log.h"
#include "process/component/metric_families.h"
#include "process/component/wording.h"
#include "process/common/step_loop.h"
#include "process/icom/icom_transform.h"
#include "store/record.h"
#include "store/derived.h"
#include "store/journal.h"
#include "store/write_set.h"

namespace qcflow::icom {
namespace {

using component::ComponentLogger;
using component::HumanDuration;
using component::IsoOrEmpty;
using component::kMinInterval;
using component::Millis;
using component::PromLabelPair;
using component::RetryDelay;
using component::SourceState;
using component::SteadyTime;

using Steady = std::chrono::steady_clock;
constexpr auto kRecountEvery = std::chrono::seconds(30);  // a key scan per linac
constexpr size_t kMaxProblemsLogged = 10;

std::string Endpoint(const IcomCaptureConfig& c) {
  return c.host + ":" + std::to_string(c.port);
}

}  // namespace

IcomWorker::IcomWorker(std::vector<IcomSourceSettings> sources, component::PartEnv env,
                       std::map<std::string, DeliveryRoute> routes, std::vector<component::Part*> sinks)
    : sources_(std::move(sources)), env_(std::move(env)), interval_(Millis::max()), sinks_(std::move(sinks)) {
  for (const auto& s : sources_) interval_ = std::min(interval_, s.deliveries_interval);
  interval_ = std::max(interval_, kMinInterval);
  logged_connection_.assign(sources_.size(), 0);
  garbage_log_.resize(sources_.size());
  deliveries_.assign(sources_.size(), 0);
  // Lines about one linac go to its own logger (its log_level); the rest to the default.
  for (const auto& s : sources_) linac_log_.push_back(ComponentLogger(s.name, env_.log_levels));
  // One cursor for every linac in the journal ("transform.icom"), the same one
  // `qcflow backfill icom` steps, so the two never process a record twice.
  transform_ = std::make_unique<IcomTransform>(env_.store, IcomTransformConfig{.routes = std::move(routes)});
}

IcomWorker::~IcomWorker() {
  Stop();
  Join();
  StopCapture();
}

void IcomWorker::Begin() {
  // Add only fails for what the config reader already refuses; say so if it ever does.
  if (Status s = StartCapture(); !s.ok()) spdlog::error("iCom capture: {}", s.message());
  Start();
}

void IcomWorker::BeginStop() {
  // Linac sockets first: a clean FIN, and what was received reaches the journal.
  StopCapture();
  Stop();
}

void IcomWorker::Unfinished(MicrosUtc, std::vector<std::string>* left) const {
  for (const IcomLinacSnapshot& l : Snapshot()) {
    if (l.capture.dropped > 0) {
      left->push_back("linac " + l.capture.linac + ": " + std::to_string(l.capture.dropped) +
                      " message(s) lost to a stalled journal (journaled as capture loss)");
    }
  }
}

std::string IcomWorker::WhileStoreRefuses() const {
  const IcomCaptureConfig& q = sources_.front().capture;
  return "capture is buffered up to " + std::to_string(q.queue_messages) + " messages / " +
         std::to_string(q.queue_bytes >> 20) + " MiB per linac and then counted as loss";
}

Status IcomWorker::Init() {
  QCFLOW_RETURN_IF_ERROR(transform_->Restore().WithContext("iCom deliveries"));
  RecountDeliveries();
  return Status::OK();
}

Status IcomWorker::StartCapture() {
  capture_ = std::make_unique<CaptureGroup>(&env_.store->journal());
  capture_started_ = Steady::now();
  for (size_t i = 0; i < sources_.size(); ++i) {
    const IcomSourceSettings& s = sources_[i];
    QCFLOW_RETURN_IF_ERROR(capture_->Add(s.capture).WithContext("[[source.icom]] " + s.name));
    linac_log_[i]->info("source {}: capturing iCom from {} (zone {})", s.name, Endpoint(s.capture),
                 s.capture.zone);
  }
  return Status::OK();
}

void IcomWorker::StopCapture() {
  if (!capture_ || capture_stopping_.exchange(true)) return;
  capture_->Stop();  // FIN, drain, join
  const std::vector<IcomCaptureStats> stats = capture_->Stats();
  for (size_t i = 0; i < sources_.size(); ++i) {
    const IcomSourceSettings& source = sources_[i];
    for (const auto& st : stats) {
      if (st.linac != source.name) continue;
      if (st.dropped > 0) {
        linac_log_[i]->warn("source {}: stopped; the connection to {} is closed. {} message(s) were "
                     "lost (the journal could not take them in time)",
                     st.linac, Endpoint(source.capture), st.dropped);
      } else {
        linac_log_[i]->info("source {}: stopped; the connection to {} is closed", st.linac,
                     Endpoint(source.capture));
      }
    }
  }
}

void IcomWorker::RecountDeliveries() {
  last_count_ = Steady::now();
  for (size_t i = 0; i < sources_.size(); ++i) {
    auto n = CountIcomDeliveries(*env_.store, sources_[i].name);
    if (!n.ok()) continue;  // the next count retries; the number is informational
    std::lock_guard<std::mutex> lock(mu_);
    deliveries_[i] = *n;
  }
}

std::vector<IcomLinacSnapshot> IcomWorker::Snapshot() const {
  std::vector<IcomCaptureStats> stats;
  if (capture_) stats = capture_->Stats();
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<IcomLinacSnapshot> out;
  for (size_t i = 0; i < sources_.size(); ++i) {
    IcomLinacSnapshot s;
    s.capture.linac = sources_[i].name;
    for (const auto& st : stats) {
      if (st.linac == sources_[i].name) s.capture = st;
    }
    s.deliveries = deliveries_[i];
    out.push_back(std::move(s));
  }
  return out;
}

bool IcomWorker::Idle(MicrosUtc) const {
  if (capture_) {
    for (const auto& s : capture_->Stats()) {
      if (s.journaled + s.dropped < s.messages) return false;  // still in the hand-off queue
    }
  }
  std::lock_guard<std::mutex> lock(mu_);
  return caught_up_ && caught_up_seq_ == env_.store->journal().last_seq();
}

void IcomWorker::Loop() {
  SteadyTime next = Steady::now();
  while (WaitUntil(next, /*kickable=*/false)) {
    const SteadyTime began = Steady::now();
    const bool ok = Pass();
    if (ok) {
      failures_ = 0;
      next = std::max(began + interval_, Steady::now());
    } else {
      ++failures_;
      next = Steady::now() + RetryDelay(interval_, failures_, env_.max_backoff);
    }
    auto left = std::chrono::duration_cast<std::chrono::microseconds>(next - Steady::now()).count();
    Persist("", IsoOrEmpty(env_.clock() + std::max<int64_t>(left, 0)));
  }
}

bool IcomWorker::Pass() {
  const uint64_t last_seq = env_.store->journal().last_seq();
  IcomStepReport total;
  // Steps are bounded (records_per_step): a stop waits for one.
  const Status failed = RunSteps([&] { return transform_->Step(); }, &total,
                                 {.stop_requested = [this] { return stopping(); }});
  const bool caught_up = failed.ok() && total.caught_up;
  for (size_t i = 0; i < total.problems.size() && i < kMaxProblemsLogged; ++i) {
    spdlog::warn("iCom deliveries: {}", total.problems[i]);
  }
  if (total.problems.size() > kMaxProblemsLogged) {
    spdlog::warn("iCom deliveries: {} more problems like these this pass",
                 total.problems.size() - kMaxProblemsLogged);
  }
  if (total.deliveries_closed > 0) {
    spdlog::info("iCom: {} delivery(ies) completed ({} messages decoded, {} malformed)",
                 total.deliveries_closed, total.messages_decoded, total.malformed);
  }
  if (total.sessions_queued > 0) {
    for (component::Part* sink : sinks_) sink->Kick();
  }
  if (total.deliveries_updated > 0 && Steady::now() - last_count_ >= kRecountEvery) {
    RecountDeliveries();
  }
  const std::string state = failed.ok() ? "ok" : "error";
  if (state != logged_state_) {
    if (!failed.ok()) {
      spdlog::warn(
          "iCom deliveries: the store failed ({}); retrying with backoff (capture goes on)",
          failed.message());
    } else if (!logged_state_.empty()) {
      spdlog::info("iCom deliveries: recovered");
    }
    logged_state_ = state;
  }
  // Connection changes, once each (the capture reconnects on its own). A
  // linac that never answered is reported once its first connect timed out.
  std::vector<IcomCaptureStats> stats = capture_ ? capture_->Stats() : decltype(stats){};
  // Read after the stats: a socket closed by StopCapture is not reported as lost.
  const bool stopping_capture = capture_stopping_.load();
  for (size_t i = 0; i < sources_.size() && !stopping_capture; ++i) {
    const IcomCaptureConfig& cfg = sources_[i].capture;
    for (const auto& st : stats) {
      if (st.linac != sources_[i].name) continue;
      LogGarbage(i, st);
      const int now_state = st.connected ? 1 : 2;
      if (now_state == logged_connection_[i]) continue;
      if (st.connected) {
        linac_log_[i]->info("source {}: connected to {}", st.linac, Endpoint(cfg));
      } else if (logged_connection_[i] == 1 ||
                 Steady::now() - capture_started_ > cfg.connect_timeout + std::chrono::seconds(1)) {
        linac_log_[i]->warn(
            "source {}: not connected to {} (linac off, network or NSS down?); "
            "reconnecting with backoff up to {}",
            st.linac, Endpoint(cfg), HumanDuration(cfg.backoff_max));
      } else {
        continue;  // still connecting
      }
      logged_connection_[i] = now_state;
    }
  }
  std::lock_guard<std::mutex> lock(mu_);
  last_error_ = failed.ok() ? "" : "iCom deliveries: " + failed.message();
  caught_up_ = failed.ok() && caught_up;
  if (caught_up_) caught_up_seq_ = std::max(last_seq, caught_up_seq_);
  if (failed.ok()) last_ok_ = env_.clock();
  return failed.ok();
}

void IcomWorker::LogGarbage(size_t i, const IcomCaptureStats& st) {
  GarbageLog& g = garbage_log_[i];
  if (st.messages != g.messages) g.streak = false;  // messages again: the next garbage is news
  if (st.garbage_disconnects != g.disconnects && !g.streak) {
    const IcomCaptureConfig& cfg = sources_[i].capture;
    linac_log_[i]->warn(
        "source {}: {} sent {} MiB (or for {}) bytes that frame no iCom message; disconnected, "
        "reconnecting with backoff up to {}. Is that the linac's iCom port?",
        st.linac, Endpoint(cfg), cfg.garbage_bytes >> 20, HumanDuration(cfg.garbage_time),
        HumanDuration(cfg.backoff_max));
    g.streak = true;
  }
  g.messages = st.messages;
  g.disconnects = st.garbage_disconnects;
}

void IcomWorker::Persist(const std::string& final_state, const std::string& next_run) {
  const std::vector<IcomLinacSnapshot> snaps = Snapshot();
  std::map<std::string, uint64_t> quarantined;
  for (const SourceCount& c : env_.store->journal().Counts()) {
    if (c.kind == Kind::kIcom) quarantined[c.source_id] = c.quarantined;
  }
  std::string error;
  MicrosUtc last_ok;
  {
    std::lock_guard<std::mutex> lock(mu_);
    error = last_error_;
    last_ok = last_ok_;
  }
  WriteSet ws;
  const std::string now = IsoOrEmpty(env_.clock());
  for (size_t i = 0; i < sources_.size(); ++i) {
    const IcomCaptureStats& c = snaps[i].capture;
    SourceState s;
    s.name = sources_[i].name;
    s.kind = "icom";
    s.state = !final_state.empty() ? final_state
              : !error.empty()     ? "error"
              : c.connected        ? "ok"
                                   : "unavailable";
    s.last_run = now;
    s.last_ok = IsoOrEmpty(last_ok);
    s.last_error = !error.empty() ? error
                   : c.connected  ? ""
                                  : "not connected to " + Endpoint(sources_[i].capture);
    if (!final_state.empty()) s.last_error = error;
    s.next_run = next_run;
    s.quarantined_total = quarantined[s.name];
    s.extra.Set("connected", c.connected);
    s.extra.Set("messages", c.messages);
    s.extra.Set("bytes", c.bytes);
    s.extra.Set("reconnects", c.reconnects);
    s.extra.Set("gaps", c.gaps);
    s.extra.Set("dropped", c.dropped);
    s.extra.Set("last_message", IsoOrEmpty(c.last_message_time));
    s.extra.Set("deliveries", snaps[i].deliveries);
    ws.ReplaceDerived(component::kDaemonSourceNs, s.name, component::EncodeSourceState(s));
  }
  auto r = env_.store->Commit(ws);
  if (!r.ok())
    spdlog::warn("iCom: cannot record the linacs' state in the store: {}", r.status().message());
}

void IcomWorker::PersistStopped() {
  RecountDeliveries();
  Persist("stopped", "");
}

void IcomWorker::AddMetrics(const std::vector<SourceCount>&, MicrosUtc,
                            component::MetricFamilies* p) const {
  const std::vector<IcomLinacSnapshot> snaps = Snapshot();
  auto family = [&](const char* name, const char* type, const char* help, auto value) {
    p->Family(name, type, help);
    for (const auto& s : snaps) p->Sample(name, PromLabelPair("linac", s.capture.linac), value(s));
  };
  using S = IcomLinacSnapshot;
  family("qcflow_icom_connected", "gauge", "1 while the iCom connection to the linac is up.",
         [](const S& s) { return double(s.capture.connected); });
  family("qcflow_icom_messages_total", "counter", "iCom messages framed since qcflow started.",
         [](const S& s) { return double(s.capture.messages); });
  family("qcflow_icom_bytes_total", "counter",
         "Bytes received from the linac since qcflow started.",
         [](const S& s) { return double(s.capture.bytes); });
  family("qcflow_icom_reconnects_total", "counter", "Connections after the first.",
         [](const S& s) { return double(s.capture.reconnects); });
  family("qcflow_icom_sequence_gaps_total", "counter",
         "Counter discontinuities within a connection.",
         [](const S& s) { return double(s.capture.gaps); });
  family("qcflow_icom_dropped_total", "counter",
         "Messages lost because the journal stalled (journaled as capture-loss events).",
         [](const S& s) { return double(s.capture.dropped); });
  family("qcflow_icom_last_message_timestamp_seconds", "gauge",
         "When the latest message arrived (0: none since qcflow started).",
         [](const S& s) { return double(s.capture.last_message_time) / kMicrosPerSecond; });
  family("qcflow_icom_deliveries", "gauge", "Deliveries stored for the linac (counted every 30 s).",
         [](const S& s) { return double(s.deliveries); });
}

Result<std::vector<std::unique_ptr<component::Part>>> BuildIcomGroup(
    const std::vector<const component::Component*>& all, component::PartEnv& env) {
  std::vector<IcomSourceSettings> sources;
  std::map<std::string, DeliveryRoute> routes;
  std::set<std::string> sink_names;  // each kicked once, however many linacs route to it
  for (const component::Component* c : all) {
    sources.push_back(static_cast<const IcomComponent*>(c)->settings());
    if (!c->sinks().empty()) {
      routes[c->name()] = {sources.back().capture.zone, c->sinks()};
      sink_names.insert(c->sinks().begin(), c->sinks().end());
    }
  }
  std::vector<component::Part*> sinks;
  if (!sink_names.empty() && env.sinks_named) sinks = env.sinks_named({sink_names.begin(), sink_names.end()});
  std::vector<std::unique_ptr<component::Part>> out;
  if (!sources.empty()) {
    out.push_back(std::make_unique<IcomWorker>(std::move(sources), env, std::move(routes), std::move(sinks)));
  }
  return out;
}

Result<uint64_t> CountIcomDeliveries(Store& store, const std::string& linac) {
  uint64_t n = 0;
  std::string prefix = linac;
  prefix += '\0';  // DeliveryKey: linac \0 be64(first_seq)
  Status s = store.derived().Scan(kDeliveryNs, prefix, [&](std::string_view, std::string_view) {
    ++n;
    return true;
  });
  if (!s.ok()) return s;
  return n;
}

Status IcomStatus(Store& store, std::vector<SourceState>* states, component::StatusReport* report) {
  using component::StatusCell;
  // A linac only imported (qcflow backfill icom) has records but no daemon state yet.
  for (const SourceCount& c : store.journal().Counts()) {
    if (c.kind != Kind::kIcom) continue;
    bool known = false;
    for (const SourceState& s : *states) known |= s.name == c.source_id;
    if (known) continue;
    SourceState imported;
    imported.name = c.source_id;
    imported.kind = "icom";
    imported.state = "not captured by qcflow run";
    states->push_back(imported);
  }
  component::StatusTable t{"iCom linacs, as `qcflow run` last saw them (counts since it started):",
                           {"linac", "state", "messages", "bytes", "reconnects", "gaps", "dropped",
                            "last_message", "deliveries", "last_error"},
                           {}};
  for (SourceState& s : *states) {
    if (s.kind != "icom") continue;
    auto n = CountIcomDeliveries(store, s.name);  // now, not as of the daemon's last count
    if (n.ok()) s.extra.Set("deliveries", *n);
    report->shown.insert(s.name);
    const std::string last_message = s.extra.Text("last_message");
    t.rows.push_back({StatusCell::Text(s.name), StatusCell::Text(s.state == "ok" ? "connected" : s.state),
                      StatusCell::Number(s.extra.Number("messages")),
                      StatusCell::Text(component::HumanBytes(s.extra.Number("bytes"))),
                      StatusCell::Number(s.extra.Number("reconnects")),
                      StatusCell::Number(s.extra.Number("gaps")),
                      StatusCell::Number(s.extra.Number("dropped")),
                      StatusCell::Instant(last_message),
                      StatusCell::Number(s.extra.Number("deliveries")), StatusCell::Text(s.last_error)});
  }
  if (!t.rows.empty()) report->tables.push_back(std::move(t));
  return Status::OK();
}

}  // namespace qcflow::icom
