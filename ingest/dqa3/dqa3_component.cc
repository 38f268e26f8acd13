#include "ingest/dqa3/dqa3_component.h"

#include <map>
#include <set>

#include "ingest/dqa3/dqa3_worker.h"
#include "process/component/config_table.h"

namespace qcflow::dqa3 {
namespace {

using component::ConfigTable;
namespace bounds = component::bounds;

std::shared_ptr<component::Component> Read(ConfigTable& r, component::CommonOptions common);

const component::ComponentKind kKind{
    .section = "source.dqa3",
    .role = component::Role::kSource,
    .one = "DQA3 database",
    .many = "DQA3 databases",
    .state_kind = "dqa3",
    .interval = component::IntervalKey{std::chrono::milliseconds(300'000), bounds::kPollInterval.min,
                                       bounds::kPollInterval.max},
    .inline_secrets = {"password"},
    .read = Read,
    .build_group = nullptr,
    .status = Dqa3Status,
};

std::shared_ptr<component::Component> Read(ConfigTable& r, component::CommonOptions common) {
  const toml::table& t = r.table();
  Dqa3SourceSettings s;
  s.name = common.name;
  s.interval = common.interval;
  Dqa3SourceConfig& k = s.source;
  Dqa3TransformConfig& x = s.transform;
  std::string backend;
  r.Str("backend", &backend, true);
  // Connection keys; each backend uses some (checked below).
  std::string host, database, user, password, charset, driver, server, tds_version, path;
  size_t port = 0;
  std::chrono::milliseconds connect_timeout{10'000};
  r.Str("host", &host);
  r.Size("port", &port, 1, 65535);
  r.Str("database", &database);
  r.Str("user", &user);
  ReadSecret(r, t, "password", "[[source.dqa3]] '" + s.name + "'", /*required=*/false, &password);
  r.Str("charset", &charset);
  r.Str("driver", &driver);
  r.Str("server", &server);
  r.Str("tds_version", &tds_version);
  r.Str("path", &path);
  r.Duration("connect_timeout", &connect_timeout, bounds::kConnectTimeout);
  r.Str("database_id", &k.database_id);
  std::string zone = "UTC";
  r.Str("zone", &zone);
  size_t history_days = 1;
  r.Size("history_days", &history_days, 1, 36'500);
  r.StrList("machines", &k.machines);
  r.StrList("beam_types", &k.beam_types);
  std::string mode = "single", beams = "all", late = "report";
  r.Str("mode", &mode);
  r.Str("test_list", &x.test_list_template);
  std::chrono::milliseconds window{20 * 60 * 1000}, wait{20 * 60 * 1000};
  r.Duration("window", &window, bounds::kWindow);
  r.Duration("wait", &wait, bounds::kWait);
  r.Str("beams", &beams);
  r.Str("late", &late);
  if (const toml::node* units = r.Get("units", false)) {
    if (const toml::table* u = units->as_table()) {
      for (const auto& [machine, unit] : *u) {
        // A string is the unit's name, an integer its number (looked up as such).
        if (auto v = unit.value<std::string>()) {
          x.unit_map[std::string(machine.str())] = UnitRef::Named(*v);
        } else if (std::optional<int64_t> n = component::WholeNumber(unit)) {
          x.unit_map[std::string(machine.str())] = UnitRef::Numbered(*n);
        } else {
          r.Error(&unit, "[[source.dqa3]].units: the unit of '" + std::string(machine.str()) +
                             "' must be a QATrack+ unit name (in quotes) or number");
        }
      }
    } else {
      r.Error(units, "[[source.dqa3]].units must map DQA3 machines to QATrack+ units, e.g. "
                     "units = { \"Room 1/TrueBeam\" = \"TB1\" }");
    }
  }
  r.Finish();

  // Which connection keys each backend takes; others given are mistakes.
  static const std::map<std::string, std::set<std::string>> kKeys = {
      {"firebird", {"host", "port", "database", "user", "password", "password_env",
                    "password_file", "charset", "connect_timeout"}},
      {"odbc", {"driver", "server", "port", "database", "user", "password", "password_env",
                "password_file", "tds_version", "connect_timeout"}},
      {"sqlite", {"path"}}};
  static const std::set<std::string> kAll = {
      "host", "port", "database", "user", "password", "password_env", "password_file", "charset",
      "driver", "server", "tds_version", "path", "connect_timeout"};
  Dqa3Connection& conn = k.connection;
  auto backend_keys = kKeys.find(backend);
  if (backend_keys == kKeys.end()) {
    if (!backend.empty()) {
      r.Error(t.get("backend"), "[[source.dqa3]].backend must be \"firebird\" (DQA3 01.03/01.04), "
                                "\"odbc\" (SQL Server 01.06, Atlas 1.5) or \"sqlite\"");
    }
  } else {
    for (const std::string& key : kAll) {
      if (t.get(key) && !backend_keys->second.count(key)) {
        r.Error(t.get(key), "[[source.dqa3]]." + key + " does not apply to backend \"" + backend + "\"");
      }
    }
    const int timeout_s = int(std::max<int64_t>(1, connect_timeout.count() / 1000));
    if (backend == "firebird") {
      conn.backend = Dqa3Backend::kFirebird;
      if (!host.empty()) conn.firebird.host = host;
      if (port) conn.firebird.port = int(port);
      conn.firebird.database = database;
      if (!user.empty()) conn.firebird.user = user;
      conn.firebird.password = password;
      if (!charset.empty()) conn.firebird.charset = charset;
      conn.firebird.connect_timeout_seconds = timeout_s;
    } else if (backend == "odbc") {
      conn.backend = Dqa3Backend::kOdbc;
      if (!driver.empty()) conn.odbc.driver = driver;
      conn.odbc.server = server;
      if (port) conn.odbc.port = int(port);
      conn.odbc.database = database;
      conn.odbc.user = user;
      conn.odbc.password = password;
      conn.odbc.tds_version = tds_version;
      conn.odbc.connect_timeout_seconds = timeout_s;
    } else {
      conn.backend = Dqa3Backend::kSqlite;
      conn.sqlite.path = path;
    }
    if (Status v = ValidateConnection(conn); !v.ok()) {
      r.Error(nullptr, "[[source.dqa3]] '" + s.name + "': " + v.message());
    }
  }
  k.name = s.name;
  k.db_zone = zone;
  k.history_days = int(history_days);
  x.source_id = s.name;
  x.zone = zone;
  x.window_micros = window.count() * 1000;
  x.wait_micros = wait.count() * 1000;
  if (auto m = ParseDqa3Mode(mode); m.ok()) {
    x.mode = *m;
  } else {
    r.Error(t.get("mode"), "[[source.dqa3]].mode must be \"single\" (one beam per test list) or "
                           "\"grouped\" (multiple beams per test list)");
  }
  if (auto b = ParseBeamFilter(beams); b.ok()) {
    x.beam_filter = *b;
  } else {
    r.Error(t.get("beams"), "[[source.dqa3]].beams must be \"all\", \"photons\" or \"electrons\"");
  }
  if (late == "amend") {
    x.late_policy = LatePolicy::kAmend;
  } else if (late != "report") {
    r.Error(t.get("late"), "[[source.dqa3]].late must be \"report\" or \"amend\"");
  }
  if (Status z = CheckZone(zone); !z.ok()) {
    r.Error(t.get("zone"), z.message());
  } else if (backend_keys != kKeys.end()) {
    if (Status v = ValidateDqa3SourceConfig(k); !v.ok()) r.Error(t.get("beam_types"), v.message());
    if (Status v = ValidateDqa3TransformConfig(x); !v.ok()) r.Error(t.get("test_list"), v.message());
  }
  return std::make_shared<Dqa3Component>(kKind, std::move(common), std::move(s));
}

}  // namespace

const component::ComponentKind& Dqa3SourceKind() { return kKind; }

Dqa3Component::Dqa3Component(const component::ComponentKind& kind, component::CommonOptions common,
                             Dqa3SourceSettings settings)
    : Component(kind, std::move(common)), settings_(std::move(settings)) {}

void Dqa3Component::AddSink(const std::string& sink) {
  Component::AddSink(sink);
  settings_.transform.sinks.push_back(sink);
}

std::optional<component::SessionSource> Dqa3Component::Sessions() const {
  const Dqa3TransformConfig& x = settings_.transform;
  component::SessionSource s{name(), {name()}, x.zone, sinks(), {}};
  s.mapping.source = name();
  s.mapping.test_list_template =
      x.test_list_template.empty() ? DefaultTestListTemplate(x.mode) : x.test_list_template;
  s.mapping.maps_units = true;
  s.mapping.units = x.unit_map;
  return s;
}

Result<std::unique_ptr<component::Part>> Dqa3Component::Build(component::PartEnv& env) const {
  return std::unique_ptr<component::Part>(
      std::make_unique<Dqa3Worker>(settings_, env, env.sinks_named(sinks())));
}

}  // namespace qcflow::dqa3
