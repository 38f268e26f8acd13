#include "cli/config.h"

#include <sys/stat.h>

#include <toml++/toml.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

namespace qcflow::config {
namespace {

using Errors = std::vector<std::string>;

std::string Trim(std::string s) {
  size_t b = s.find_first_not_of(" \t\r\n"), e = s.find_last_not_of(" \t\r\n");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

// Reads one TOML table: each getter records the key as known, checks its type
// and records problems with the line they are on. Finish() reports unknown keys.
class TableReader {
 public:
  TableReader(const toml::table& t, std::string where, const std::string& file, Errors* errors)
      : t_(t), where_(std::move(where)), file_(file), errors_(errors) {}

  void Error(const toml::node* n, const std::string& msg) {
    int line = n ? int(n->source().begin.line) : int(t_.source().begin.line);
    errors_->push_back(file_ + ":" + std::to_string(line) + ": " + msg);
  }

  const toml::node* Get(const std::string& key, bool required) {
    known_.push_back(key);
    const toml::node* n = t_.get(key);
    if (!n && required) Error(nullptr, where_ + ": '" + key + "' is required");
    return n;
  }

  void Str(const std::string& key, std::string* out, bool required = false) {
    const toml::node* n = Get(key, required);
    if (!n) return;
    if (auto v = n->value<std::string>()) {
      *out = *v;
    } else {
      Error(n, where_ + "." + key + " must be a string (in quotes)");
    }
  }

  void Bool(const std::string& key, bool* out) {
    const toml::node* n = Get(key, false);
    if (!n) return;
    if (auto v = n->value<bool>()) {
      *out = *v;
    } else {
      Error(n, where_ + "." + key + " must be true or false");
    }
  }

  void Size(const std::string& key, size_t* out, int64_t min, int64_t max) {
    const toml::node* n = Get(key, false);
    if (!n) return;
    auto v = n->value<int64_t>();
    if (!v || *v < min || *v > max) {
      Error(n, where_ + "." + key + " must be a whole number from " + std::to_string(min) +
                   " to " + std::to_string(max));
      return;
    }
    *out = size_t(*v);
  }

  template <typename D>
  void Duration(const std::string& key, D* out) {
    const toml::node* n = Get(key, false);
    if (!n) return;
    Result<std::chrono::milliseconds> d = Status::InvalidArgument("");
    if (auto i = n->value<int64_t>()) {
      d = ParseDuration(std::to_string(*i));
    } else if (auto s = n->value<std::string>()) {
      d = ParseDuration(*s);
    }
    if (!d.ok()) {
      Error(n, where_ + "." + key + " must be a duration such as \"30s\", \"5m\", \"1h\" or a number of seconds");
      return;
    }
    *out = std::chrono::duration_cast<D>(*d);
  }

  void StrList(const std::string& key, std::vector<std::string>* out, bool required = false) {
    const toml::node* n = Get(key, required);
    if (!n) return;
    if (auto s = n->value<std::string>()) {  // a single name is fine too
      out->push_back(*s);
      return;
    }
    const toml::array* a = n->as_array();
    if (!a) {
      Error(n, where_ + "." + key + " must be a list of names, e.g. [\"qatrack\"]");
      return;
    }
    for (const toml::node& e : *a) {
      if (auto s = e.value<std::string>()) {
        out->push_back(*s);
      } else {
        Error(&e, where_ + "." + key + " must hold only names in quotes");
      }
    }
  }

  void Finish() {
    for (const auto& [key, node] : t_) {
      std::string k(key.str());
      if (std::find(known_.begin(), known_.end(), k) != known_.end()) continue;
      std::string near = NearestWord(k, known_);
      Error(&node, "unknown key '" + k + "' in " + where_ +
                       (near.empty() ? "" : "; did you mean '" + near + "'?"));
    }
  }

 private:
  const toml::table& t_;
  std::string where_;
  const std::string& file_;
  Errors* errors_;
  std::vector<std::string> known_;
};

// Visits each table of an array-of-tables such as [[source.mpc]].
template <typename F>
void EachTable(TableReader& parent, const toml::node* n, const std::string& what, F f) {
  if (!n) return;
  const toml::array* a = n->as_array();
  if (!a || !a->is_array_of_tables()) {
    parent.Error(n, what + " must be written as [[" + what + "]] sections");
    return;
  }
  for (const toml::node& e : *a) f(*e.as_table());
}

// A secret kept in its own file (`key` = "token_file", "password_file"):
// refused when others may read it.
Status ReadSecretFile(const std::string& key, const std::string& path, std::string* secret) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return Status::NotFound(key + " " + path + " does not exist");
  if (st.st_mode & 077) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%03o", unsigned(st.st_mode & 0777));
    return Status::InvalidArgument(key + " " + path + " is readable by others (mode " + mode +
                                   "); run: chmod 600 " + path);
  }
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  if (!in) return Status::IOError("cannot read " + key + " " + path);
  *secret = Trim(ss.str());
  return Status::OK();
}

// `<what>`, `<what>_env` or `<what>_file` (what = "token", "password"): at most
// one may be given; `required` demands exactly one. Never puts the secret in a message.
void ReadSecret(TableReader& r, const toml::table& t, const std::string& what,
                const std::string& section, bool required, std::string* out) {
  std::string value, env, file;
  r.Str(what, &value);
  r.Str(what + "_env", &env);
  r.Str(what + "_file", &file);
  const int given = !value.empty() + !env.empty() + !file.empty();
  if (given > 1 || (required && given == 0)) {
    r.Error(nullptr, section + " needs " + (required ? "exactly" : "at most") + " one of " + what +
                         ", " + what + "_env or " + what + "_file (" + what +
                         "_file with mode 0600 is recommended)");
  } else if (!env.empty()) {
    const char* v = std::getenv(env.c_str());
    if (!v || !*v) {
      r.Error(t.get(what + "_env"), "environment variable " + env + " is not set or empty");
    } else {
      value = Trim(v);
    }
  } else if (!file.empty()) {
    if (Status st = ReadSecretFile(what + "_file", file, &value); !st.ok()) {
      r.Error(t.get(what + "_file"), st.message());
    }
  }
  *out = value;
}

void ReadMpcSource(const toml::table& t, const std::string& file, Errors* errors, Config* c) {
  MpcSource s;
  TableReader r(t, "[[source.mpc]]", file, errors);
  r.Str("name", &s.name, true);
  r.Str("tds", &s.scan.root, true);
  r.Duration("interval", &s.interval);
  std::string zone = "UTC";
  r.Str("zone", &zone);
  s.scan.site_zone = zone;
  s.transform.session.site_zone = zone;
  r.Bool("fast_search", &s.scan.fast_search);
  r.Duration("settle", &s.scan.settle);
  std::chrono::milliseconds window{20 * 60 * 1000}, wait{20 * 60 * 1000};
  r.Duration("window", &window);
  r.Duration("wait", &wait);
  s.transform.grouping.window_micros = window.count() * 1000;
  s.transform.grouping.wait_micros = wait.count() * 1000;
  r.Str("test_list", &s.transform.session.test_list_template);
  std::string late = "report";
  r.Str("late", &late);
  if (late == "amend") {
    s.transform.grouping.late_policy = mpc::LatePolicy::kAmend;
  } else if (late != "report") {
    r.Error(t.get("late"), "[[source.mpc]].late must be \"report\" or \"amend\"");
  }
  r.Bool("include_test_comments", &s.transform.session.include_test_comments);
  r.Bool("include_fileset_comment", &s.transform.session.include_fileset_comment);
  r.Finish();
  s.scan.source_id = s.name;
  s.transform.session.source_id = s.name;
  if (Status z = CheckZone(zone); !z.ok()) r.Error(t.get("zone"), z.message());
  if (Status v = mpc::ValidateSessionOptions(s.transform.session); !v.ok() && CheckZone(zone).ok()) {
    r.Error(t.get("test_list"), v.message());
  }
  if (Status g = mpc::ValidateGroupingOptions(s.transform.grouping); !g.ok()) r.Error(nullptr, g.message());
  c->mpc_sources.push_back(std::move(s));
}

void ReadIcomSource(const toml::table& t, const std::string& file, Errors* errors, Config* c) {
  IcomSource s;
  icom::IcomCaptureConfig& k = s.capture;
  TableReader r(t, "[[source.icom]]", file, errors);
  r.Str("name", &s.name, true);
  r.Str("host", &k.host, true);
  size_t port = k.port;
  r.Size("port", &port, 1, 65535);
  k.port = uint16_t(port);
  r.Str("zone", &k.zone);
  r.Duration("read_timeout", &k.read_timeout);
  r.Duration("connect_timeout", &k.connect_timeout);
  r.Duration("backoff_min", &k.backoff_initial);
  r.Duration("backoff_max", &k.backoff_max);
  r.Size("queue_messages", &k.queue_messages, 16, 10'000'000);
  size_t queue_mb = k.queue_bytes >> 20;
  r.Size("queue_mb", &queue_mb, 1, 16'384);
  k.queue_bytes = queue_mb << 20;
  r.Duration("deliveries_interval", &s.deliveries_interval);
  r.Finish();
  k.linac = s.name;
  if (t.get("host") && k.host.empty()) {
    r.Error(t.get("host"), "[[source.icom]].host must name the linac's NSS (IP address or host name)");
  }
  if (Status z = CheckZone(k.zone); !z.ok()) r.Error(t.get("zone"), z.message());
  if (k.read_timeout.count() < 1000) {
    r.Error(t.get("read_timeout"), "[[source.icom]].read_timeout must be at least 1s (a linac "
                                   "streams continuously; 30s is usual)");
  }
  if (k.connect_timeout.count() < 100) {
    r.Error(t.get("connect_timeout"), "[[source.icom]].connect_timeout must be at least 100ms");
  }
  if (k.backoff_initial.count() < 10) {
    r.Error(t.get("backoff_min"), "[[source.icom]].backoff_min must be at least 10ms");
  }
  if (k.backoff_max < k.backoff_initial) {
    r.Error(t.get("backoff_max"), "[[source.icom]].backoff_max must not be shorter than backoff_min");
  }
  c->icom_sources.push_back(std::move(s));
}

void ReadDqa3Source(const toml::table& t, const std::string& file, Errors* errors, Config* c) {
  Dqa3Source s;
  dqa3::Dqa3SourceConfig& k = s.source;
  dqa3::Dqa3TransformConfig& x = s.transform;
  TableReader r(t, "[[source.dqa3]]", file, errors);
  r.Str("name", &s.name, true);
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
  r.Duration("connect_timeout", &connect_timeout);
  r.Str("database_id", &k.database_id);
  std::string zone = "UTC";
  r.Str("zone", &zone);
  r.Duration("interval", &s.interval);
  size_t history_days = 1;
  r.Size("history_days", &history_days, 1, 36'500);
  r.StrList("machines", &k.machines);
  r.StrList("beam_types", &k.beam_types);
  std::string mode = "single", beams = "all", late = "report";
  r.Str("mode", &mode);
  r.Str("test_list", &x.test_list_template);
  std::chrono::milliseconds window{20 * 60 * 1000}, wait{20 * 60 * 1000};
  r.Duration("window", &window);
  r.Duration("wait", &wait);
  r.Str("beams", &beams);
  r.Str("late", &late);
  if (const toml::node* units = r.Get("units", false)) {
    if (const toml::table* u = units->as_table()) {
      for (const auto& [machine, unit] : *u) {
        if (auto v = unit.value<std::string>()) {
          x.unit_map[std::string(machine.str())] = *v;
        } else if (auto n = unit.value<int64_t>()) {
          x.unit_map[std::string(machine.str())] = std::to_string(*n);
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
  dqa3::Dqa3Connection& conn = k.connection;
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
      conn.backend = dqa3::Dqa3Backend::kFirebird;
      if (!host.empty()) conn.firebird.host = host;
      if (port) conn.firebird.port = int(port);
      conn.firebird.database = database;
      if (!user.empty()) conn.firebird.user = user;
      conn.firebird.password = password;
      if (!charset.empty()) conn.firebird.charset = charset;
      conn.firebird.connect_timeout_seconds = timeout_s;
    } else if (backend == "odbc") {
      conn.backend = dqa3::Dqa3Backend::kOdbc;
      if (!driver.empty()) conn.odbc.driver = driver;
      conn.odbc.server = server;
      if (port) conn.odbc.port = int(port);
      conn.odbc.database = database;
      conn.odbc.user = user;
      conn.odbc.password = password;
      conn.odbc.tds_version = tds_version;
      conn.odbc.connect_timeout_seconds = timeout_s;
    } else {
      conn.backend = dqa3::Dqa3Backend::kSqlite;
      conn.sqlite.path = path;
    }
    if (Status v = dqa3::ValidateConnection(conn); !v.ok()) {
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
  if (auto m = dqa3::ParseDqa3Mode(mode); m.ok()) {
    x.mode = *m;
  } else {
    r.Error(t.get("mode"), "[[source.dqa3]].mode must be \"single\" (one beam per test list) or "
                           "\"grouped\" (multiple beams per test list)");
  }
  if (auto b = dqa3::ParseBeamFilter(beams); b.ok()) {
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
    if (Status v = dqa3::ValidateDqa3SourceConfig(k); !v.ok()) r.Error(t.get("beam_types"), v.message());
    if (Status v = dqa3::ValidateDqa3TransformConfig(x); !v.ok()) r.Error(t.get("test_list"), v.message());
  }
  c->dqa3_sources.push_back(std::move(s));
}

void ReadQatrackSink(const toml::table& t, const std::string& file, Errors* errors, Config* c) {
  QatrackSink s;
  qatrack::QatrackSinkConfig& k = s.sink;
  TableReader r(t, "[[sink.qatrack]]", file, errors);
  r.Str("name", &k.name, true);
  r.Str("url", &k.api_url, true);
  ReadSecret(r, t, "token", "[[sink.qatrack]] '" + k.name + "'", /*required=*/true, &k.token);
  r.Str("server_zone", &k.server_zone, true);
  r.Duration("interval", &s.interval);
  r.Duration("throttle", &k.throttle_interval);
  r.Duration("timeout", &k.request_timeout);
  r.Duration("connect_timeout", &k.connect_timeout);
  r.Bool("verify_ssl", &k.verify_ssl);
  r.Str("ca_bundle", &k.ca_bundle);
  r.Str("proxy", &k.proxy);
  r.Bool("include_comments", &k.include_comments);
  const toml::node* rad = r.Get("radmachine", false);
  if (rad) {
    if (auto b = rad->value<bool>()) k.radmachine = *b; else r.Error(rad, "radmachine must be true or false");
  }
  r.Finish();
  if (!k.server_zone.empty()) {
    if (Status z = CheckZone(k.server_zone); !z.ok()) r.Error(t.get("server_zone"), z.message());
  }
  c->qatrack_sinks.push_back(std::move(s));
}

void CrossCheck(const std::string& file, Errors* errors, Config* c) {
  std::map<std::string, std::string> names;  // name -> "source"/"sink"
  auto claim = [&](const std::string& name, const char* what) {
    if (name.empty()) return;
    if (!names.emplace(name, what).second) {
      errors->push_back(file + ": the name '" + name + "' is used twice; names of sources and sinks must be unique");
    }
  };
  for (const auto& s : c->mpc_sources) claim(s.name, "source");
  for (const auto& s : c->icom_sources) claim(s.name, "source");
  for (const auto& s : c->dqa3_sources) claim(s.name, "source");
  for (const auto& s : c->qatrack_sinks) claim(s.sink.name, "sink");
  for (const Route& route : c->routes) {
    auto from = names.find(route.from);
    if (from == names.end() || from->second != std::string("source")) {
      errors->push_back(file + ": route from '" + route.from + "': no source has that name");
      continue;
    }
    bool icom = false;
    for (const auto& s : c->icom_sources) icom |= s.name == route.from;
    if (icom) {
      errors->push_back(file + ": route from '" + route.from + "': iCom deliveries are kept in the "
                        "store (qcflow query deliveries), not uploaded; remove this [[route]]");
      continue;
    }
    for (const std::string& to : route.to) {
      auto sink = names.find(to);
      if (sink == names.end() || sink->second != std::string("sink")) {
        errors->push_back(file + ": route to '" + to + "': no sink has that name");
        continue;
      }
      for (auto& s : c->mpc_sources) {
        if (s.name == route.from) s.transform.sinks.push_back(to);
      }
      for (auto& s : c->dqa3_sources) {
        if (s.name == route.from) s.transform.sinks.push_back(to);
      }
    }
  }
  if (!c->metrics.listen.empty()) {
    const std::string& l = c->metrics.listen;
    if (l.rfind("127.", 0) != 0 && l.rfind("[::1]:", 0) != 0 && l.rfind("localhost:", 0) != 0) {
      errors->push_back(file + ": [metrics].listen must be a loopback address such as 127.0.0.1:9187 "
                               "(put a reverse proxy in front to expose it)");
    }
  }
}

}  // namespace

Result<std::chrono::milliseconds> ParseDuration(std::string_view text) {
  std::string s = Trim(std::string(text));
  size_t i = 0;
  while (i < s.size() && (std::isdigit(uint8_t(s[i])) || s[i] == '.')) ++i;
  if (i == 0) return Status::InvalidArgument("not a duration: '" + s + "'");
  double n = std::atof(s.substr(0, i).c_str());
  std::string unit = Trim(s.substr(i));
  double ms;
  if (unit.empty() || unit == "s") ms = n * 1000;
  else if (unit == "ms") ms = n;
  else if (unit == "m" || unit == "min") ms = n * 60'000;
  else if (unit == "h") ms = n * 3'600'000;
  else if (unit == "d") ms = n * 86'400'000;
  else return Status::InvalidArgument("unknown duration unit '" + unit + "'; use ms, s, m, h or d");
  return std::chrono::milliseconds(int64_t(ms));
}

std::string NearestWord(std::string_view word, const std::vector<std::string>& candidates) {
  std::string best;
  size_t best_d = std::max<size_t>(2, word.size() / 3) + 1;
  for (const std::string& c : candidates) {
    std::vector<size_t> prev(c.size() + 1), cur(c.size() + 1);
    for (size_t j = 0; j <= c.size(); ++j) prev[j] = j;
    for (size_t i = 1; i <= word.size(); ++i) {
      cur[0] = i;
      for (size_t j = 1; j <= c.size(); ++j) {
        cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (word[i - 1] != c[j - 1])});
      }
      std::swap(prev, cur);
    }
    if (prev[c.size()] < best_d) {
      best_d = prev[c.size()];
      best = c;
    }
  }
  return best;
}

Result<Config> ParseConfig(std::string_view text, const std::string& file) {
  toml::table root;
  try {
    root = toml::parse(text, file);
  } catch (const toml::parse_error& e) {
    return Status::InvalidArgument(file + ":" + std::to_string(e.source().begin.line) + ": " +
                                   std::string(e.description()));
  }
  Config c;
  c.file = file;
  Errors errors;
  TableReader top(root, "the file", file, &errors);
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
    TableReader r(t, "[store]", file, &errors);
    r.Str("path", &c.store.path);
    std::string durability = "sync";
    r.Str("durability", &durability);
    if (durability == "group-commit") c.store.durability = Durability::kGroupCommit;
    else if (durability != "sync") r.Error(t.get("durability"), "[store].durability must be \"sync\" or \"group-commit\"");
    r.Finish();
  });
  section("log", [&](const toml::table& t) {
    TableReader r(t, "[log]", file, &errors);
    r.Str("level", &c.log.level);
    r.Str("file", &c.log.file);
    r.Size("max_size_mb", &c.log.max_size_mb, 1, 10'000);
    r.Size("max_files", &c.log.max_files, 1, 1000);
    r.Finish();
    static const std::vector<std::string> kLevels = {"trace", "debug", "info", "warn", "error"};
    if (std::find(kLevels.begin(), kLevels.end(), c.log.level) == kLevels.end()) {
      r.Error(t.get("level"), "[log].level must be one of trace, debug, info, warn, error");
    }
  });
  section("metrics", [&](const toml::table& t) {
    TableReader r(t, "[metrics]", file, &errors);
    r.Str("listen", &c.metrics.listen);
    r.Finish();
  });
  section("source", [&](const toml::table& t) {
    TableReader r(t, "[source]", file, &errors);
    EachTable(r, r.Get("mpc", false), "source.mpc",
              [&](const toml::table& s) { ReadMpcSource(s, file, &errors, &c); });
    EachTable(r, r.Get("icom", false), "source.icom",
              [&](const toml::table& s) { ReadIcomSource(s, file, &errors, &c); });
    EachTable(r, r.Get("dqa3", false), "source.dqa3",
              [&](const toml::table& s) { ReadDqa3Source(s, file, &errors, &c); });
    for (const char* later : {"files"}) {
      if (const toml::node* n = r.Get(later, false)) {
        r.Error(n, std::string("[[source.") + later + "]] is not supported by this release yet");
      }
    }
    r.Finish();
  });
  section("sink", [&](const toml::table& t) {
    TableReader r(t, "[sink]", file, &errors);
    EachTable(r, r.Get("qatrack", false), "sink.qatrack",
              [&](const toml::table& s) { ReadQatrackSink(s, file, &errors, &c); });
    r.Finish();
  });
  EachTable(top, top.Get("route", false), "route", [&](const toml::table& t) {
    Route route;
    TableReader r(t, "[[route]]", file, &errors);
    r.Str("from", &route.from, true);
    r.StrList("to", &route.to, true);
    r.Finish();
    c.routes.push_back(std::move(route));
  });
  top.Finish();
  if (errors.empty()) CrossCheck(file, &errors, &c);
  if (!errors.empty()) {
    std::string msg = std::to_string(errors.size()) + " problem" + (errors.size() > 1 ? "s" : "") +
                      " in " + file + ":";
    for (const std::string& e : errors) msg += "\n  " + e;
    return Status::InvalidArgument(msg);
  }
  return c;
}

Result<Config> LoadConfig(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Status::NotFound("cannot read config file " + path +
                            " (see examples/qcflow.toml for a commented example)");
  }
  std::stringstream ss;
  ss << in.rdbuf();
  return ParseConfig(ss.str(), path);
}

}  // namespace qcflow::config
