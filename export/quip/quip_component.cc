#include "export/quip/quip_component.h"

#include "export/archive/archive_component.h"
#include "export/quip/quip_archive.h"
#include "process/component/config_table.h"

namespace qcflow::quip {
namespace {

std::shared_ptr<component::Component> Read(component::ConfigTable& r, component::CommonOptions common) {
  archive::ArchiveSettings s;
  archive::ReadArchiveKeys(r, common, &s);
  r.Finish();
  s.sink.format = QuipArchiveFormat();
  return std::make_shared<archive::ArchiveComponent>(QuipSinkKind(), std::move(common), std::move(s));
}

}  // namespace

const component::ComponentKind& QuipSinkKind() {
  static const component::ComponentKind kind = archive::ArchiveSinkKind("quip", "QUIP", Read);
  return kind;
}

}  // namespace qcflow::quip
