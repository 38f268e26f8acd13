#include "export/quaac/quaac_component.h"

#include "export/archive/archive_component.h"
#include "export/quaac/quaac_archive.h"
#include "process/component/config_table.h"
#include "process/component/wording.h"

namespace qcflow::quaac {
namespace {

std::shared_ptr<component::Component> Read(component::ConfigTable& r, component::CommonOptions common) {
  archive::ArchiveSettings s;
  archive::ReadArchiveKeys(r, common, &s);
  SessionOptions options;
  options.site_user.name = "qcflow";
  r.Str("user_name", &options.site_user.name);
  r.Str("user_email", &options.site_user.email, true);
  r.Bool("attach_source", &options.attach_source);
  std::string format = "json";
  r.Str("format", &format);
  r.Finish();
  const toml::node* email = r.table().get("user_email");
  if (email && email->value<std::string>()) {
    if (Status v = ValidateEmail(options.site_user.email); !v.ok()) {
      r.Error(email, "[[sink.quaac]] " + component::Quote(common.name) + ".user_email: " + v.message() +
                         " (QuAAC needs a valid address for the performer, e.g. \"qa@clinic.org\")");
    }
  }
  if (format != "json" && format != "yaml") {
    r.Error(r.table().get("format"), "[[sink.quaac]] " + component::Quote(common.name) + ".format: \"" + format +
                                         "\" is not \"json\" or \"yaml\"");
  }
  s.sink.format = QuaacArchiveFormat(options, format == "yaml" ? Encoding::kYaml : Encoding::kJson);
  return std::make_shared<archive::ArchiveComponent>(QuaacSinkKind(), std::move(common), std::move(s));
}

}  // namespace

const component::ComponentKind& QuaacSinkKind() {
  static const component::ComponentKind kind = archive::ArchiveSinkKind("quaac", "QuAAC", Read);
  return kind;
}

}  // namespace qcflow::quaac
