#include "export/archive/archive_component.h"

#include <unistd.h>

#include <filesystem>

#include "export/archive/archive_worker.h"
#include "process/component/config_table.h"
#include "process/component/wording.h"

namespace qcflow::archive {

namespace bounds = component::bounds;

void ReadArchiveKeys(component::ConfigTable& r, const component::CommonOptions& common,
                     ArchiveSettings* s) {
  s->interval = common.interval;
  s->sink.name = common.name;
  r.Str("dir", &s->sink.dir, true);
  std::string period = "day";
  r.Str("period", &period);
  auto p = ParsePeriod(period);
  if (p.ok()) {
    s->sink.period = *p;
  } else {
    r.Error(r.table().get("period"), "[[" + common.section + "]] " + component::Quote(common.name) +
                                         ": " + p.status().message());
  }
  const toml::node* dir = r.table().get("dir");
  if (dir && dir->value<std::string>() && dir->value<std::string>()->empty()) {
    r.Error(dir, "[[" + common.section + "]].dir must name a directory, not \"\"");
  }
}

component::ComponentKind ArchiveSinkKind(
    const std::string& state_kind, const std::string& format_name,
    std::function<std::shared_ptr<component::Component>(component::ConfigTable&, component::CommonOptions)> read) {
  return component::ComponentKind{
      .section = "sink." + state_kind,
      .role = component::Role::kSink,
      .one = format_name + " sink",
      .many = format_name + " sinks",
      .state_kind = state_kind,
      .interval = component::IntervalKey{std::chrono::milliseconds(30'000), bounds::kSinkInterval.min,
                                         bounds::kSinkInterval.max},
      .inline_secrets = {},
      .read = std::move(read),
      .build_group = nullptr,
      .status = nullptr,
  };
}

ArchiveComponent::ArchiveComponent(const component::ComponentKind& kind, component::CommonOptions common,
                                   ArchiveSettings settings)
    : Component(kind, std::move(common)), settings_(std::move(settings)) {}

void ArchiveComponent::Check(component::CheckContext& ctx) const {
  namespace fs = std::filesystem;
  const std::string& dir = settings_.sink.dir;
  const std::string who = "sink " + component::Quote(name()) + ": ";
  std::error_code ec;
  fs::path existing = fs::absolute(dir, ec);
  while (!existing.empty() && !fs::exists(existing, ec) && existing != existing.parent_path()) {
    existing = existing.parent_path();
  }
  if (!fs::is_directory(existing, ec)) {
    ctx.list->Fail(who + existing.string() + " is not a directory; set dir to a folder for the " +
                   settings_.sink.format.name + " documents");
  } else if (::access(existing.c_str(), W_OK | X_OK) != 0) {
    ctx.list->Fail(who + "cannot write in " + existing.string() +
                   " (permissions); give the qcflow user write access or choose another dir");
  } else if (fs::absolute(dir, ec) == existing) {
    ctx.list->Ok(who + settings_.sink.format.name + " documents go to " + dir);
  } else {
    ctx.list->Ok(who + settings_.sink.format.name + " documents go to " + dir +
                 " (created on the first write)");
  }
}

Result<std::unique_ptr<component::Part>> ArchiveComponent::Build(component::PartEnv& env) const {
  ArchiveSinkConfig config = settings_.sink;
  config.batch_limit = std::max<size_t>(1, std::min(config.batch_limit, env.sink_batch_limit));
  auto sink = ArchiveSink::Create(env.store, config);
  if (!sink.ok()) return sink.status().WithContext("[[" + common().section + "]] " + name());
  return std::unique_ptr<component::Part>(
      std::make_unique<ArchiveWorker>(kind().state_kind, settings_.interval, env, std::move(*sink)));
}

}  // namespace qcflow::archive
