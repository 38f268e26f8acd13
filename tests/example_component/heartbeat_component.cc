#include "tests/example_component/heartbeat_component.h"

#include <spdlog/spdlog.h>

#include "process/component/config_table.h"
#include "process/component/metric_families.h"
#include "process/component/wording.h"

namespace qcflow::example {
namespace {

using std::chrono::milliseconds;

// The runtime part: PollingWorker does the loop, backoff, state record and
// the common metrics; a pass only counts.
class HeartbeatWorker : public component::PollingWorker {
 public:
  HeartbeatWorker(std::string name, Kind kind, milliseconds interval, HeartbeatSettings settings,
                  component::PartEnv env)
      : PollingWorker(std::move(name), kind, interval, std::move(env), {}),
        settings_(std::move(settings)) {}
  ~HeartbeatWorker() override {
    Stop();
    Join();
  }
  Status Init() override { return RestoreCounters(); }
  void AddMetrics(const std::vector<SourceCount>& counts, MicrosUtc now,
                  component::MetricFamilies* m) const override {
    PollingWorker::AddMetrics(counts, now, m);
    std::lock_guard<std::mutex> lock(mu_);
    m->Family("qcflow_heartbeat_beats_total", "counter", "Beats since the daemon started.");
    m->Sample("qcflow_heartbeat_beats_total", component::PromLabelPair("source", name_), double(beats_));
  }

 private:
  bool Pass() override {
    std::lock_guard<std::mutex> lock(mu_);
    ++beats_;
    log().info("{}: {} {}", name_, settings_.message, beats_);
    up_ = true;
    last_success_ = env_.clock();
    state_.state = "ok";
    state_.last_error.clear();
    state_.extra.Set("beats", beats_);
    state_.extra.Set("message", settings_.message);
    idle_ = true;
    return true;
  }
  std::string Doing() const override { return "a beat every pass"; }

  const HeartbeatSettings settings_;
  uint64_t beats_ = 0;  // guarded by mu_
};

std::shared_ptr<component::Component> Read(component::ConfigTable& r, component::CommonOptions common) {
  HeartbeatSettings s;
  r.Str("message", &s.message);
  r.Finish();
  if (r.table().get("message") && s.message.empty()) {
    r.Error(r.table().get("message"), "[[source.heartbeat]].message must not be empty");
  }
  return std::make_shared<HeartbeatComponent>(HeartbeatSourceKind(), std::move(common), std::move(s));
}

// `qcflow status`: its own table, so it is left out of the common one.
Status HeartbeatStatus(Store&, std::vector<component::SourceState>* states,
                       component::StatusReport* report) {
  component::StatusTable t{"Heartbeats:", {"heartbeat", "state", "beats"}, {}};
  for (const component::SourceState& s : *states) {
    if (s.kind != "heartbeat") continue;
    report->shown.insert(s.name);
    t.rows.push_back({component::StatusCell::Text(s.name), component::StatusCell::Text(s.state),
                      component::StatusCell::Number(s.extra.Number("beats"))});
  }
  if (!t.rows.empty()) report->tables.push_back(std::move(t));
  return Status::OK();
}

const component::ComponentKind kKind{
    .section = "source.heartbeat",
    .role = component::Role::kSource,
    .one = "heartbeat",
    .many = "heartbeats",
    .state_kind = "heartbeat",
    .interval = component::IntervalKey{milliseconds(1000), milliseconds(50), milliseconds(3'600'000)},
    .inline_secrets = {},
    .read = Read,
    .build_group = nullptr,
    .status = HeartbeatStatus,
};

}  // namespace

const component::ComponentKind& HeartbeatSourceKind() { return kKind; }

void HeartbeatComponent::Check(component::CheckContext& ctx) const {
  ctx.list->Ok("heartbeat " + component::Quote(name()) + " says '" + settings_.message + "'");
}

Result<std::unique_ptr<component::Part>> HeartbeatComponent::Build(component::PartEnv& env) const {
  // Its records' kind: a name the store gives a code, not an edit of store/record.h.
  auto kind = env.store->RegisterKind("heartbeat");
  if (!kind.ok()) return kind.status();
  return std::unique_ptr<component::Part>(
      std::make_unique<HeartbeatWorker>(name(), *kind, common().interval, settings_, env));
}

}  // namespace qcflow::example
