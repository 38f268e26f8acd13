// What every archive sink ([[sink.quaac]], [[sink.quip]]) is as a component:
// its shared keys (dir, period), validate's check of the directory and its
// runtime part. A format's kind (in its own folder) reads its own keys and
// passes its ArchiveFormat; docs/configuration.md lists the keys.
#ifndef QCFLOW_EXPORT_ARCHIVE_ARCHIVE_COMPONENT_H_
#define QCFLOW_EXPORT_ARCHIVE_ARCHIVE_COMPONENT_H_

#include <functional>
#include <memory>
#include <string>

#include "export/archive/archive_sink.h"
#include "process/component/component.h"

namespace qcflow::archive {

struct ArchiveSettings {
  component::Millis interval{30'000};
  ArchiveSinkConfig sink;  // sink.name is the section's name
};

// Reads `dir` (required) and `period` ("day" | "month", default "day") into
// `settings`, with the section's name and interval. REQUIRES: called before
// table.Finish().
void ReadArchiveKeys(component::ConfigTable& table, const component::CommonOptions& common,
                     ArchiveSettings* settings);

// The kind of an archive sink: section "sink.<state_kind>", "<format> sink(s)"
// in validate's summary, the interval key (30 s by default), and `read` for
// its section. `read` calls ReadArchiveKeys, reads its own keys, Finish()es
// and returns an ArchiveComponent.
component::ComponentKind ArchiveSinkKind(
    const std::string& state_kind, const std::string& format_name,
    std::function<std::shared_ptr<component::Component>(component::ConfigTable&, component::CommonOptions)> read);

class ArchiveComponent : public component::Component {
 public:
  // REQUIRES: settings.sink.format.open set.
  ArchiveComponent(const component::ComponentKind& kind, component::CommonOptions common,
                   ArchiveSettings settings);
  const ArchiveSettings& settings() const { return settings_; }
  // The directory: writable, or creatable under a writable parent.
  void Check(component::CheckContext& ctx) const override;
  Result<std::unique_ptr<component::Part>> Build(component::PartEnv& env) const override;

 private:
  ArchiveSettings settings_;
};

}  // namespace qcflow::archive

#endif  // QCFLOW_EXPORT_ARCHIVE_ARCHIVE_COMPONENT_H_
