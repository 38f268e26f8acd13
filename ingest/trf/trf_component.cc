#include "ingest/trf/trf_component.h"

#include "ingest/trf/trf_worker.h"
#include "process/component/config_table.h"

namespace qcflow::trf {
namespace {

using component::ConfigTable;
using std::chrono::milliseconds;

namespace bounds = component::bounds;

std::shared_ptr<component::Component> Read(ConfigTable& r, component::CommonOptions common);

const component::ComponentKind kKind{
    .section = "source.trf",
    .role = component::Role::kSource,
    .one = "TRF log source",
    .many = "TRF log sources",
    .state_kind = "trf",
    .interval = component::IntervalKey{milliseconds(60'000), bounds::kPollInterval.min,
                                       bounds::kPollInterval.max},
    .inline_secrets = {},
    .read = Read,
    .build_group = nullptr,
    .status = TrfStatus,
};

std::shared_ptr<component::Component> Read(ConfigTable& r, component::CommonOptions common) {
  TrfSourceSettings s;
  s.name = common.name;
  s.interval = common.interval;
  TrfCaptureSettings& c = s.capture;
  c.source_id = s.name;
  r.Str("dir", &s.dir);
  r.Str("backups", &s.backups);
  if (!s.dir.empty()) c.dirs = {s.dir};
  std::vector<std::string> patterns;
  r.StrList("pattern", &patterns);
  if (!patterns.empty()) c.patterns = patterns;
  r.Bool("recursive", &c.recursive);
  r.Str("linac", &c.linac, true);
  r.Str("zone", &c.zone);
  r.Duration("settle", &c.settle, bounds::kSettle);
  // Default "all": a log is history worth keeping whatever its age (the NSS
  // keeps about 8 days), and dedup keeps it from being journaled twice.
  if (r.table().get("history")) r.History("history", &s.history, "to take every log already in the directory");
  r.Finish();
  if (s.dir.empty() && s.backups.empty()) {
    r.Error(r.table().get("dir"), r.where() + " needs dir (a directory of .trf logs) or backups (the NSS's "
            "Backup/TCS folder of SDD+*.zip diagnostic backups), or both");
  }
  if (const toml::node* n = r.table().get("linac"); n && c.linac.empty()) {
    r.Error(n, r.where() + ".linac must not be empty: name the linac (as its [[source.icom]])");
  }
  if (!c.zone.empty()) {
    if (Status st = CheckZone(c.zone); !st.ok()) r.Error(r.table().get("zone"), r.where() + ".zone: " + st.message());
  }
  return std::make_shared<TrfComponent>(kKind, std::move(common), std::move(s));
}

}  // namespace

const component::ComponentKind& TrfSourceKind() { return kKind; }

Result<std::unique_ptr<component::Part>> TrfComponent::Build(component::PartEnv& env) const {
  // Its records' kind: a name the store gives a code (no edit of store/record.h).
  auto kind = env.store->RegisterKind(kTrfKindName);
  if (!kind.ok()) return kind.status();
  TrfSourceSettings settings = settings_;
  settings.sinks = sinks();
  std::vector<component::Part*> parts;
  if (!settings.sinks.empty() && env.sinks_named) parts = env.sinks_named(settings.sinks);
  return std::unique_ptr<component::Part>(std::make_unique<TrfWorker>(settings, *kind, env, std::move(parts)));
}

}  // namespace qcflow::trf
