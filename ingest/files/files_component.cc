#include "ingest/files/files_component.h"

#include "ingest/file_mover/mover.h"
#include "ingest/files/files_worker.h"
#include "process/common/text_template.h"
#include "process/component/config_table.h"

namespace qcflow::files {
namespace {

using component::ConfigTable;
using std::chrono::milliseconds;

namespace bounds = component::bounds;

std::shared_ptr<component::Component> Read(ConfigTable& r, component::CommonOptions common);

const component::ComponentKind kKind{
    .section = "source.files",
    .role = component::Role::kSource,
    .one = "file upload source",
    .many = "file upload sources",
    .state_kind = "files",
    .interval = component::IntervalKey{milliseconds(60'000), bounds::kPollInterval.min,
                                       bounds::kPollInterval.max},
    .inline_secrets = {},
    .read = Read,
    .build_group = nullptr,
    .status = FilesStatus,
};

// One of `allowed`, else an error that lists them.
template <typename T>
void Choice(ConfigTable& r, const std::string& key,
            std::initializer_list<std::pair<const char*, T>> allowed, T* out) {
  std::string text;
  r.Str(key, &text);
  if (text.empty() && !r.table().get(key)) return;
  std::string names;
  for (const auto& [name, value] : allowed) {
    if (text == name) {
      *out = value;
      return;
    }
    names += std::string(names.empty() ? "" : ", ") + "\"" + name + "\"";
  }
  r.Error(r.table().get(key), r.where() + "." + key + " must be one of " + names + " (it is \"" +
                                  text + "\")");
}

void ReadDirs(ConfigTable& r, FilesSourceSettings* s) {
  const toml::node* n = r.Get("dirs", true);
  if (!n) return;
  const toml::array* a = n->as_array();
  const std::string example = " e.g. dirs = [{ path = \"/srv/qa/reports\", unit = \"TB1\" }]";
  if (!a || a->empty()) {
    r.Error(n, r.where() + ".dirs must be a list of tables," + example);
    return;
  }
  for (const toml::node& e : *a) {
    const toml::table* t = e.as_table();
    WatchedDir d;
    const auto path = t ? t->get("path") : nullptr;
    const auto unit = t ? t->get("unit") : nullptr;
    if (!path || !path->value<std::string>() || path->value<std::string>()->empty()) {
      r.Error(&e, r.where() + ".dirs: each entry needs a path (text)," + example);
      continue;
    }
    d.path = *path->value<std::string>();
    if (unit && unit->value<std::string>()) {
      d.unit = UnitRef::Named(*unit->value<std::string>());
    } else if (std::optional<int64_t> n = unit ? component::WholeNumber(*unit) : std::nullopt) {
      d.unit = UnitRef::Numbered(*n);
    } else {
      r.Error(&e, r.where() + ".dirs: the entry for " + d.path +
                      " needs unit = \"<QATrack+ unit name>\" or = <unit number>");
      continue;
    }
    if (auto dest = t->get("destination")) d.destination = dest->value<std::string>().value_or("");
    for (const auto& [key, value] : *t) {
      if (key != "path" && key != "unit" && key != "destination") {
        r.Error(&value, r.where() + ".dirs: unknown key '" + std::string(key.str()) +
                            "' (known: path, unit, destination)");
      }
    }
    s->dirs.push_back(std::move(d));
  }
}

// after = "move" | "copy": every directory has a destination that is neither
// the directory itself nor, when recursive, inside it (the placed files would
// be scanned and uploaded again).
void CheckDestinations(ConfigTable& r, const FilesSourceSettings& s) {
  const toml::node* after = r.table().get("after");
  for (const WatchedDir& d : s.dirs) {
    if (d.destination.empty()) {
      r.Error(after, r.where() + ".after = \"" + std::string(after->value<std::string>().value_or("")) +
                         "\" needs a destination for every directory: add destination = \"...\" to "
                         "the dirs entry of " + d.path);
      continue;
    }
    file_mover::MoverSettings m;
    m.source = d.path;
    m.destination = d.destination;
    m.recursive = s.scan.recursive;
    if (std::string why = file_mover::DirectoriesProblem(m); !why.empty()) {
      r.Error(after, r.where() + ".dirs: " + d.path + ": " + why);
    }
  }
}

std::shared_ptr<component::Component> Read(ConfigTable& r, component::CommonOptions common) {
  FilesSourceSettings s;
  s.name = common.name;
  s.interval = common.interval;
  ReadDirs(r, &s);
  FileScanOptions& scan = s.scan;
  FileUploadOptions& up = s.transform.upload;
  scan.source_id = up.source = s.name;
  for (const WatchedDir& d : s.dirs) {
    scan.dirs.push_back(d.path);
    up.units[d.path] = d.unit;
  }
  std::vector<std::string> patterns;
  r.StrList("pattern", &patterns);
  if (!patterns.empty()) scan.patterns = patterns;
  r.StrList("ignore", &scan.ignore);
  r.Bool("recursive", &scan.recursive);
  Choice(r, "mode", {{"text", FileMode::kText}, {"binary", FileMode::kBinary}}, &scan.mode);
  Choice(r, "encoding",
         {{"utf-8", TextEncoding::kUtf8}, {"latin-1", TextEncoding::kLatin1},
          {"cp1252", TextEncoding::kCp1252}},
         &scan.encoding);
  r.Str("test_list", &up.test_list_template, true);
  r.Str("macro", &up.macro);
  Choice(r, "time", {{"mtime", true}, {"now", false}}, &up.time_from_mtime);
  r.Duration("settle", &scan.settle, bounds::kSettle);
  size_t max_size = scan.max_size;
  r.Size("max_size", &max_size, 1, int64_t(1) << 32);
  scan.max_size = max_size;
  r.Str("zone", &up.zone);
  r.History("history", &s.history, "to upload every file already in the directories");
  Choice(r, "after",
         {{"keep", AfterUploadAction::kKeep}, {"move", AfterUploadAction::kMove},
          {"copy", AfterUploadAction::kCopy}},
         &s.after);
  s.transform.place_after_upload = s.after != AfterUploadAction::kKeep;
  r.Finish();
  if (s.after != AfterUploadAction::kKeep) CheckDestinations(r, s);
  if (const toml::node* t = r.table().get("test_list"); t && !up.test_list_template.empty()) {
    if (Status st = CheckTemplate(up.test_list_template, FileTemplateVariables()); !st.ok()) {
      r.Error(t, r.where() + ".test_list: " + st.message());
    }
  }
  if (Status st = CheckZone(up.zone); !st.ok()) r.Error(r.table().get("zone"), r.where() + ".zone: " + st.message());
  if (up.macro.empty()) r.Error(r.table().get("macro"), r.where() + ".macro must not be empty");
  return std::make_shared<FilesComponent>(kKind, std::move(common), std::move(s));
}

}  // namespace

const component::ComponentKind& FilesSourceKind() { return kKind; }

void FilesComponent::AddSink(const std::string& sink) {
  Component::AddSink(sink);
  settings_.transform.sinks.push_back(sink);
}

std::optional<component::SessionSource> FilesComponent::Sessions() const {
  const FileUploadOptions& up = settings_.transform.upload;
  component::SessionSource s{name(), {name()}, up.zone, sinks(), {}};
  s.mapping.source = name();
  s.mapping.test_list_template = up.test_list_template;
  s.mapping.maps_units = true;
  s.mapping.units = up.units;
  return s;
}

Result<std::unique_ptr<component::Part>> FilesComponent::Build(component::PartEnv& env) const {
  return std::unique_ptr<component::Part>(
      std::make_unique<FilesWorker>(settings_, env, env.sinks_named(sinks())));
}

}  // namespace qcflow::files
