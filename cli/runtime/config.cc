#include "cli/runtime/config.h"

#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "process/component/config_table.h"
#include "cli/runtime/listen_address.h"
#include "store/time_util.h"

namespace qcflow::config {

namespace {

using component::ConfigTable;
using component::EachTable;
using component::Errors;
using component::ExposedFile;
using component::LogLevels;

// A secret written in the config itself is refused when the config is
// readable by others: the same rule as for token_file and password_file.
void CheckInlineSecrets(const toml::table& root, const std::string& file, mode_t mode,
                        const component::Registry& registry, Errors* errors) {
  const std::string exposed = ExposedFile(file, mode);
  if (exposed.empty()) return;
  auto check = [&](const char* kind, const char* type, const char* key) {
    const toml::array* list = root[kind][type].as_array();
    if (!list) return;
    for (const toml::node& e : *list) {
      const toml::table* t = e.as_table();
      const toml::node* n = t ? t->get(key) : nullptr;
      if (!n) continue;
      const std::string name = t->get("name") ? t->get("name")->value_or(std::string()) : "";
      errors->push_back(file + ":" + std::to_string(n->source().begin.line) + ": [[" + kind + "." +
                        type + "]] '" + name + "': the " + key + " is written in " + file +
                        ", which " + exposed + " (or move it to " + key + "_file)");
    }
  };
  for (const component::ComponentKind* kind : registry.kinds()) {
    const auto [role, type] = component::SplitSection(kind->section);
    for (const std::string& key : kind->inline_secrets) check(role.c_str(), type.c_str(), key.c_str());
  }
}

// An enabled component's section: the common options (name, log_level,
// interval), then the kind's own keys. `enabled = false` sets it aside unread
// (Config::disabled).
void ReadComponent(ConfigTable& parent, const toml::table& t, const component::ComponentKind& kind,
                   const std::string& file, Errors* errors, Config* c) {
  const std::string what = kind.section;
  if (const toml::node* enabled = t.get("enabled")) {
    const std::optional<bool> on = enabled->value<bool>();
    if (!on) return parent.Error(enabled, "[[" + what + "]].enabled must be true or false");
    if (!*on) {
      c->disabled.push_back(DisabledComponent{what, t["name"].value_or(std::string()),
                                              int(t.source().begin.line)});
      return;
    }
  }
  ConfigTable r(t, "[[" + what + "]]", file, errors);
  r.Known("enabled");
  component::CommonOptions common;
  common.section = what;
  common.line = int(t.source().begin.line);
  r.Str("name", &common.name, true);
  std::string level;
  r.Str("log_level", &level);
  if (t.get("log_level")) {
    if (std::find(LogLevels().begin(), LogLevels().end(), level) == LogLevels().end()) {
      r.Error(t.get("log_level"), "[[" + what + "]].log_level must be one of trace, debug, info, warn, error");
    } else if (!common.name.empty()) {
      c->log_levels[common.name] = level;
    }
  }
  if (kind.interval) {
    common.interval = kind.interval->default_value;
    r.Duration("interval", &common.interval, {kind.interval->min, kind.interval->max});
  }
  const size_t before = errors->size();
  std::shared_ptr<component::Component> made = kind.read(r, std::move(common));
  if (made && errors->size() == before) c->components.push_back(std::move(made));
}

// Routes, names used twice, disabled components' routes.
void CrossCheck(const std::string& file, const std::vector<std::shared_ptr<component::Component>>& all,
                Errors* errors, Config* c) {
  std::map<std::string, std::string> names;  // name -> "source"/"sink"
  auto claim = [&](const std::string& name, const char* what) {
    if (name.empty()) return;
    if (!names.emplace(name, what).second) {
      errors->push_back(file + ": the name '" + name + "' is used twice; names of sources and sinks must be unique");
    }
  };
  for (const auto& k : all) claim(k->name(), k->role() == component::Role::kSource ? "source" : "sink");
  for (const auto& d : c->disabled) {
    claim(d.name, d.section.rfind("source.", 0) == 0 ? "disabled source" : "disabled sink");
  }
  auto disabled = [&](const std::string& name) {
    for (const auto& d : c->disabled) {
      if (d.name == name) return Describe(d, file);
    }
    return std::string();
  };
  auto find = [&](const std::string& name) -> component::Component* {
    for (const auto& k : all) {
      if (k->name() == name) return k.get();
    }
    return nullptr;
  };
  for (const Route& route : c->routes) {
    auto from = names.find(route.from);
    if (from != names.end() && from->second == std::string("disabled source")) {
      c->disabled_notes.push_back("route from '" + route.from + "' is not used: " +
                                  disabled(route.from) + " is disabled");
      continue;
    }
    if (from == names.end() || from->second != std::string("source")) {
      errors->push_back(file + ": route from '" + route.from + "': no source has that name");
      continue;
    }
    component::Component* source = find(route.from);
    if (std::string refusal = source->RouteRefusal(); !refusal.empty()) {
      errors->push_back(file + ": route from '" + route.from + "': " + refusal + "; remove this [[route]]");
      continue;
    }
    for (const std::string& to : route.to) {
      auto sink = names.find(to);
      if (sink != names.end() && sink->second == std::string("disabled sink")) {
        c->disabled_notes.push_back("route from '" + route.from + "' to '" + to +
                                    "' is not used: " + disabled(to) + " is disabled");
        continue;
      }
      if (sink == names.end() || sink->second != std::string("sink")) {
        errors->push_back(file + ": route to '" + to + "': no sink has that name");
        continue;
      }
      if (std::string refusal = find(to)->RouteRefusalFrom(*source); !refusal.empty()) {
        errors->push_back(file + ": route from '" + route.from + "' to '" + to + "': " + refusal);
        continue;
      }
      source->AddSink(to);
    }
  }
}

// The site's clock for display: the valid `zone` of the first enabled source
// section in file order (the reader visits kinds in registry order instead).
std::string FirstSourceZone(const toml::table& root) {
  std::string zone;
  int first_line = 0;
  const toml::table* sources = root["source"].as_table();
  if (sources == nullptr) return zone;
  for (const auto& [kind, sections] : *sources) {
    const toml::array* list = sections.as_array();
    if (list == nullptr) continue;
    for (const toml::node& n : *list) {
      const toml::table* t = n.as_table();
      if (t == nullptr || !(*t)["enabled"].value_or(true)) continue;
      const int line = int(t->source().begin.line);
      auto z = (*t)["zone"].value<std::string>();
      if (z && CheckZone(*z).ok() && (zone.empty() || line < first_line)) zone = *z, first_line = line;
    }
  }
  return zone;
}

}  // namespace

Result<Config> ParseConfig(std::string_view text, const std::string& file, mode_t file_mode,
                           const component::Registry& registry) {
  toml::table root;
  try {
    root = toml::parse(text, file);
  } catch (const toml::parse_error& e) {
    return Status::InvalidArgument(file + ":" + std::to_string(e.source().begin.line) + ": " +
                                   std::string(e.description()));
  }
  Config c;
  c.file = file;
  c.registry = &registry;
  Errors errors;
  ConfigTable top(root, "the file", file, &errors);
  auto section = [&](const std::string& key, auto read) {
    const toml::node* n = top.Get(key, false);
    if (!n) return;
    if (const toml::table* t = n->as_table()) {
      read(*t);
    } else {
      top.Error(n, "[" + key + "] must be a section");
    }
  };
  section("store", [&](const toml::table& t) {
    ConfigTable r(t, "[store]", file, &errors);
    r.Str("path", &c.store.path);
    std::string durability = "sync";
    r.Str("durability", &durability);
    if (durability == "group-commit") c.store.durability = Durability::kGroupCommit;
    else if (durability != "sync") r.Error(t.get("durability"), "[store].durability must be \"sync\" or \"group-commit\"");
    r.Finish();
  });
  section("log", [&](const toml::table& t) {
    ConfigTable r(t, "[log]", file, &errors);
    r.Str("level", &c.log.level);
    r.Str("file", &c.log.file);
    r.Size("max_size_mb", &c.log.max_size_mb, 1, 10'000);
    r.Size("max_files", &c.log.max_files, 1, 1000);
    r.Finish();
    if (std::find(LogLevels().begin(), LogLevels().end(), c.log.level) == LogLevels().end()) {
      r.Error(t.get("level"), "[log].level must be one of trace, debug, info, warn, error");
    }
  });
  section("metrics", [&](const toml::table& t) {
    ConfigTable r(t, "[metrics]", file, &errors);
    r.Str("listen", &c.metrics.listen);
    r.Finish();
    if (!c.metrics.listen.empty()) {
      if (auto l = ParseLoopbackListen(c.metrics.listen); !l.ok()) r.Error(t.get("listen"), l.status().message());
    }
  });
  section("console", [&](const toml::table& t) {
    ConfigTable r(t, "[console]", file, &errors);
    r.Str("listen", &c.console.listen, true);
    r.Str("token_file", &c.console.token_file);
    r.Bool("show_patient_names", &c.console.show_patient_names);
    r.Finish();
    if (!c.console.listen.empty()) {
      auto l = ParseLoopbackListen(c.console.listen, "[console].listen");
      if (!l.ok()) r.Error(t.get("listen"), l.status().message());
    }
    // The write token: a 0600 file, so the retry action is never open to other local users.
    if (!c.console.token_file.empty()) {
      Status st = component::ReadSecretFile("[console].token_file", c.console.token_file, &c.console.token);
      if (!st.ok()) r.Error(t.get("token_file"), st.message());
    }
  });
  section("display", [&](const toml::table& t) {
    ConfigTable r(t, "[display]", file, &errors);
    r.Str("zone", &c.display.zone);
    r.Finish();
    if (Status z = CheckZone(c.display.zone); !c.display.zone.empty() && !z.ok()) {
      r.Error(t.get("zone"), "[display].zone: " + z.message());
    }
  });
  // [[source.<kind>]] and [[sink.<kind>]]: each registered kind reads its own.
  // Read kind by kind, so components come sources first, in registry order.
  std::vector<std::shared_ptr<component::Component>> all;
  for (component::Role role : {component::Role::kSource, component::Role::kSink}) {
    const std::string prefix = role == component::Role::kSource ? "source" : "sink";
    section(prefix, [&](const toml::table& t) {
      ConfigTable r(t, "[" + prefix + "]", file, &errors);
      for (const component::ComponentKind* kind : registry.kinds()) {
        const auto [kind_role, name] = component::SplitSection(kind->section);
        if (kind_role != prefix) continue;
        EachTable(r, r.Get(name, false), kind->section, [&](const toml::table& s) {
          ReadComponent(r, s, *kind, file, &errors, &c);
        });
      }
      for (const auto& [key, node] : t) {
        const std::string k(key.str());
        if (registry.Find(prefix + "." + k)) continue;
        const std::vector<std::string> known = registry.Names(role);
        std::string list;
        for (const std::string& n : known) list += (list.empty() ? "" : ", ") + n;
        r.Error(&node, "[[" + prefix + "." + k + "]] is not supported by this release (it knows " +
                           prefix + " kinds " + list + ")" +
                           (NearestWord(k, known).empty() ? "" : "; did you mean '" + NearestWord(k, known) + "'?"));
        r.Known(k);
      }
      r.Finish();
    });
  }
  EachTable(top, top.Get("route", false), "route", [&](const toml::table& t) {
    Route route;
    ConfigTable r(t, "[[route]]", file, &errors);
    r.Str("from", &route.from, true);
    r.StrList("to", &route.to, true);
    r.Finish();
    c.routes.push_back(std::move(route));
  });
  top.Finish();
  CheckInlineSecrets(root, file, file_mode, registry, &errors);
  for (auto& k : c.components) all.push_back(std::const_pointer_cast<component::Component>(k));
  if (errors.empty()) CrossCheck(file, all, &errors, &c);
  c.first_source_zone = FirstSourceZone(root);
  if (!errors.empty()) {
    std::string msg = std::to_string(errors.size()) + " problem" + (errors.size() > 1 ? "s" : "") +
                      " in " + file + ":";
    for (const std::string& e : errors) msg += "\n  " + e;
    return Status::InvalidArgument(msg);
  }
  return c;
}

std::string Describe(const DisabledComponent& d, const std::string& file) {
  return "[[" + d.section + "]]" + (d.name.empty() ? "" : " '" + d.name + "'") + " (" + file + ":" +
         std::to_string(d.line) + ")";
}

Result<Config> LoadConfig(const std::string& path, const component::Registry& registry) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Status::NotFound("cannot read config file " + path +
                            " (see examples/qcflow.toml for a commented example)");
  }
  std::stringstream ss;
  ss << in.rdbuf();
  struct stat st;
  const mode_t mode = ::stat(path.c_str(), &st) == 0 ? st.st_mode : 0600;
  return ParseConfig(ss.str(), path, mode, registry);
}

}  // namespace qcflow::config

namespace qcflow::config {

std::vector<const component::Component*> Config::Sources() const {
  std::vector<const component::Component*> out;
  for (const auto& k : components) {
    if (k->role() == component::Role::kSource) out.push_back(k.get());
  }
  return out;
}

std::vector<const component::Component*> Config::Sinks() const {
  std::vector<const component::Component*> out;
  for (const auto& k : components) {
    if (k->role() == component::Role::kSink) out.push_back(k.get());
  }
  return out;
}

const component::Component* Config::Find(const std::string& name) const {
  for (const auto& k : components) {
    if (k->name() == name) return k.get();
  }
  return nullptr;
}

std::vector<SessionSource> SessionSources(const Config& c) {
  std::vector<SessionSource> out;
  for (const auto& k : c.components) {
    if (auto s = k->Sessions()) out.push_back(std::move(*s));
  }
  return out;
}

std::map<std::string, SessionMapping> SessionMappings(const Config& c) {
  std::map<std::string, SessionMapping> out;
  for (const SessionSource& s : SessionSources(c)) {
    for (const std::string& id : s.source_ids) out.emplace(id, s.mapping);
  }
  return out;
}

}  // namespace qcflow::config
