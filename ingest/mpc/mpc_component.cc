#include "ingest/mpc/mpc_component.h"


#include "ingest/mpc/mpc_worker.h"
#include "process/component/config_table.h"

namespace qcflow::mpc {
namespace {

using component::ConfigTable;
using std::chrono::milliseconds;

namespace bounds = component::bounds;

std::shared_ptr<component::Component> Read(ConfigTable& r, component::CommonOptions common);

const component::ComponentKind kKind{
    .section = "source.mpc",
    .role = component::Role::kSource,
    .one = "MPC source",
    .many = "MPC sources",
    .state_kind = "mpc",
    .interval = component::IntervalKey{milliseconds(300'000), bounds::kPollInterval.min, bounds::kPollInterval.max},
    .inline_secrets = {},
    .read = Read,
    .build_group = nullptr,
    .status = MpcStatus,
};

std::shared_ptr<component::Component> Read(ConfigTable& r, component::CommonOptions common) {
  const toml::table& t = r.table();
  MpcSourceConfig s;
  s.name = common.name;
  s.interval = common.interval;
  r.Str("tds", &s.scan.root, true);
  r.History("history", &s.history, "to reach every run on the share");
  std::string zone = "UTC";
  r.Str("zone", &zone);
  s.scan.site_zone = zone;
  s.transform.session.site_zone = zone;
  r.Bool("fast_search", &s.scan.fast_search);
  r.Duration("settle", &s.scan.settle, bounds::kSettle);
  milliseconds window{20 * 60 * 1000}, wait{20 * 60 * 1000};
  r.Duration("window", &window, bounds::kWindow);
  r.Duration("wait", &wait, bounds::kWait);
  s.transform.grouping.window_micros = window.count() * 1000;
  s.transform.grouping.wait_micros = wait.count() * 1000;
  r.Str("test_list", &s.transform.session.test_list_template);
  std::string late = "report";
  r.Str("late", &late);
  if (late == "amend") {
    s.transform.grouping.late_policy = LatePolicy::kAmend;
  } else if (late != "report") {
    r.Error(t.get("late"), "[[source.mpc]].late must be \"report\" or \"amend\"");
  }
  r.Bool("include_test_comments", &s.transform.session.include_test_comments);
  r.Bool("include_fileset_comment", &s.transform.session.include_fileset_comment);
  r.Finish();
  s.scan.source_id = s.name;
  s.transform.session.source_id = s.name;
  if (Status z = CheckZone(zone); !z.ok()) r.Error(t.get("zone"), z.message());
  if (Status v = ValidateSessionOptions(s.transform.session); !v.ok() && CheckZone(zone).ok()) {
    r.Error(t.get("test_list"), v.message());
  }
  if (Status g = ValidateGroupingOptions(s.transform.grouping); !g.ok()) r.Error(nullptr, g.message());
  return std::make_shared<MpcComponent>(kKind, std::move(common), std::move(s));
}

}  // namespace

const component::ComponentKind& MpcSourceKind() { return kKind; }

MpcComponent::MpcComponent(const component::ComponentKind& kind, component::CommonOptions common,
                           MpcSourceConfig config)
    : Component(kind, std::move(common)), config_(std::move(config)) {}

void MpcComponent::AddSink(const std::string& sink) {
  Component::AddSink(sink);
  config_.transform.sinks.push_back(sink);
}

std::optional<component::SessionSource> MpcComponent::Sessions() const {
  component::SessionSource x{name(), {name(), config_.scan.root}, config_.scan.site_zone, sinks(), {}};
  x.mapping.source = name();
  x.mapping.test_list_template = config_.transform.session.test_list_template;
  return x;
}

Result<std::unique_ptr<component::Part>> MpcComponent::Build(component::PartEnv& env) const {
  return std::unique_ptr<component::Part>(
      std::make_unique<MpcWorker>(config_, env, env.sinks_named(sinks())));
}

}  // namespace qcflow::mpc
