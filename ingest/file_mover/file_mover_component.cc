#include "ingest/file_mover/file_mover_component.h"

#include <algorithm>

#include "ingest/file_mover/file_mover_worker.h"
#include "process/component/config_table.h"
#include "process/component/wording.h"

namespace qcflow::file_mover {
namespace {

using component::ConfigTable;
using std::chrono::milliseconds;

namespace bounds = component::bounds;

// A glob or a list of globs ("*.dcm" or ["*.dcm", "*.txt"]).
void Globs(ConfigTable& r, const std::string& key, std::vector<std::string>* out) {
  const toml::node* n = r.Get(key, false);
  if (!n) return;
  const std::string what = "[[source.file_mover]]." + key;
  if (auto s = n->value<std::string>()) {
    *out = {*s};
    return;
  }
  const toml::array* a = n->as_array();
  if (!a) {
    r.Error(n, what + " must be a glob in quotes (\"*.csv\") or a list of them ([\"*.csv\", \"*.txt\"])");
    return;
  }
  out->clear();
  for (const toml::node& e : *a) {
    if (auto s = e.value<std::string>()) {
      out->push_back(*s);
    } else {
      r.Error(&e, what + " must hold only globs in quotes, e.g. [\"*.csv\", \"*.txt\"]");
    }
  }
}

// One word of `words`, or an error naming them.
template <typename T>
void Word(ConfigTable& r, const std::string& key, const std::vector<std::pair<std::string, T>>& words,
          T* out) {
  std::string text;
  r.Str(key, &text);
  if (!r.table().get(key)) return;
  std::string list;
  for (const auto& [w, v] : words) {
    if (w == text) {
      *out = v;
      return;
    }
    list += (list.empty() ? "\"" : ", \"") + w + "\"";
  }
  if (r.table().get(key)->is_string()) {
    r.Error(r.table().get(key), "[[source.file_mover]]." + key + " must be one of " + list + " (it is \"" +
                                    text + "\")");
  }
}

std::shared_ptr<component::Component> Read(ConfigTable& r, component::CommonOptions common) {
  const toml::table& t = r.table();
  MoverSettings s;
  s.name = common.name;
  r.Str("source", &s.source, true);
  r.Str("destination", &s.destination, true);
  Word<bool>(r, "mode", {{"move", true}, {"copy", false}}, &s.move);
  r.Bool("recursive", &s.recursive);
  Globs(r, "pattern", &s.pattern);
  Globs(r, "ignore", &s.ignore);
  r.Bool("flatten", &s.flatten);
  Word<OnConflict>(r, "on_conflict",
                   {{"keep-both", OnConflict::kKeepBoth},
                    {"skip", OnConflict::kSkip},
                    {"replace-if-newer", OnConflict::kReplaceIfNewer}},
                   &s.on_conflict);
  r.Duration("settle", &s.settle, bounds::kSettle);
  r.Finish();
  for (const char* key : {"source", "destination"}) {
    const toml::node* n = t.get(key);
    if (n && n->value<std::string>() && n->value<std::string>()->empty()) {
      r.Error(n, std::string("[[source.file_mover]].") + key + " must name a directory, not \"\"");
    }
  }
  if (s.pattern.empty() || std::find(s.pattern.begin(), s.pattern.end(), "") != s.pattern.end()) {
    r.Error(t.get("pattern"), "[[source.file_mover]].pattern must not be empty: \"*\" takes every file");
  }
  std::erase(s.ignore, "");  // "" (the default) ignores nothing
  if (!s.source.empty() && !s.destination.empty()) {
    if (std::string why = DirectoriesProblem(s); !why.empty()) {
      r.Error(t.get("destination"), "[[source.file_mover]] " + component::Quote(s.name) + ": " + why);
    }
  }
  return std::make_shared<FileMoverComponent>(FileMoverSourceKind(), std::move(common), std::move(s));
}

const component::ComponentKind kKind{
    .section = "source.file_mover",
    .role = component::Role::kSource,
    .one = "file mover",
    .many = "file movers",
    .state_kind = kFilesKind,
    .interval = component::IntervalKey{milliseconds(60'000), bounds::kPollInterval.min, bounds::kPollInterval.max},
    .inline_secrets = {},
    .read = Read,
    .build_group = nullptr,
    .status = FileMoverStatus,
};

}  // namespace

const component::ComponentKind& FileMoverSourceKind() { return kKind; }

Result<std::unique_ptr<component::Part>> FileMoverComponent::Build(component::PartEnv& env) const {
  // The kind by name: the store gives it its code ("files" is built in, kind 4).
  auto kind = env.store->RegisterKind(kFilesKind);
  if (!kind.ok()) return kind.status();
  return std::unique_ptr<component::Part>(
      std::make_unique<FileMoverWorker>(settings_, *kind, common().interval, env));
}

}  // namespace qcflow::file_mover
