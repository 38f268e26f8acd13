#include "cli/runtime/config.h"

#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "cli/runtime/config_reader.h"
#include "cli/runtime/listen_address.h"

namespace qcflow::config {

namespace detail {

std::string Trim(std::string s) {
  size_t b = s.find_first_not_of(" \t\r\n"), e = s.find_last_not_of(" \t\r\n");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

}  // namespace detail

namespace {

using namespace detail;

// "is readable by others (mode 644); run: chmod 600 FILE" when group or
// others may read a file holding a secret, else "".
std::string ExposedFile(const std::string& path, mode_t mode) {
  if (!(mode & 077)) return "";
  char octal[8];
  std::snprintf(octal, sizeof octal, "%03o", unsigned(mode & 0777));
  return std::string("is readable by others (mode ") + octal + "); run: chmod 600 " + path;
}

// A secret kept in its own file (`key` = "token_file", "password_file"):
// refused when others may read it, when it is not a file, or empty.
Status ReadSecretFile(const std::string& key, const std::string& path, std::string* secret) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return Status::NotFound(key + " " + path + " does not exist");
  if (S_ISDIR(st.st_mode)) {
    return Status::InvalidArgument(key + " " + path + " is a directory; " + key +
                                   " must name a file that holds only the secret");
  }
  if (!S_ISREG(st.st_mode)) {
    return Status::InvalidArgument(key + " " + path + " is not a regular file; " + key +
                                   " must name a file that holds only the secret");
  }
  if (std::string exposed = ExposedFile(path, st.st_mode); !exposed.empty()) {
    return Status::InvalidArgument(key + " " + path + " " + exposed);
  }
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  if (!in) return Status::IOError("cannot read " + key + " " + path);
  *secret = Trim(ss.str());
  if (secret->empty()) {
    return Status::InvalidArgument(key + " " + path + " is empty; write the secret into it (one line)");
  }
  return Status::OK();
}

// A secret written in the config itself is refused when the config is
// readable by others: the same rule as for token_file and password_file.
void CheckInlineSecrets(const toml::table& root, const std::string& file, mode_t mode, Errors* errors) {
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
  check("sink", "qatrack", "token");
  check("source", "dqa3", "password");
}

void ReadMpcSource(const toml::table& t, const std::string& file, Errors* errors, Config* c) {
  MpcSource s;
  TableReader r(t, "[[source.mpc]]", file, errors);
  r.Str("name", &s.name, true);
  r.Str("tds", &s.scan.root, true);
  r.Duration("interval", &s.interval, bounds::kPollInterval);
  if (const toml::node* h = t.get("history"); h && h->value<std::string>() == "all") {
    r.Get("history", false);  // known
    s.history.reset();
  } else {
    std::chrono::milliseconds history = *s.history;
    r.Duration("history", &history, bounds::kHistory);
    s.history = history;
  }
  std::string zone = "UTC";
  r.Str("zone", &zone);
  s.scan.site_zone = zone;
  s.transform.session.site_zone = zone;
  r.Bool("fast_search", &s.scan.fast_search);
  r.Duration("settle", &s.scan.settle, bounds::kSettle);
  std::chrono::milliseconds window{20 * 60 * 1000}, wait{20 * 60 * 1000};
  r.Duration("window", &window, bounds::kWindow);
  r.Duration("wait", &wait, bounds::kWait);
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

void ReadQatrackSink(const toml::table& t, const std::string& file, Errors* errors, Config* c) {
  QatrackSink s;
  qatrack::QatrackSinkConfig& k = s.sink;
  TableReader r(t, "[[sink.qatrack]]", file, errors);
  r.Str("name", &k.name, true);
  r.Str("url", &k.api_url, true);
  ReadSecret(r, t, "token", "[[sink.qatrack]] '" + k.name + "'", /*required=*/true, &k.token,
             &s.token_origin);
  r.Str("server_zone", &k.server_zone, true);
  r.Duration("interval", &s.interval, bounds::kSinkInterval);
  r.Duration("throttle", &k.throttle_interval, bounds::kThrottle);
  r.Duration("timeout", &k.request_timeout, bounds::kRequestTimeout);
  r.Duration("connect_timeout", &k.connect_timeout, bounds::kConnectTimeout);
  r.Bool("verify_ssl", &k.verify_ssl);
  r.Str("ca_bundle", &k.ca_bundle);
  r.Str("proxy", &k.proxy);
  r.Bool("include_comments", &k.include_comments);
  const toml::node* rad = r.Get("radmachine", false);
  if (rad) {
    if (auto b = rad->value<bool>()) k.radmachine = *b; else r.Error(rad, "radmachine must be true or false");
  }
  r.Finish();
  if (!k.token.empty()) {
    const bool radmachine = k.radmachine.value_or(qatrack::IsRadMachineUrl(k.api_url));
    if (Status form = qatrack::CheckTokenForm(k.token, radmachine); !form.ok()) {
      const char* key = t.get("token_file") ? "token_file" : t.get("token_env") ? "token_env" : "token";
      r.Error(t.get(key),
              "[[sink.qatrack]] '" + k.name + "': the token from " + s.token_origin + " " +
                  form.message());
    }
  }
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
  for (const auto& d : c->disabled) {
    claim(d.name, d.section.rfind("source.", 0) == 0 ? "disabled source" : "disabled sink");
  }
  auto disabled = [&](const std::string& name) {
    for (const auto& d : c->disabled) {
      if (d.name == name) return Describe(d, file);
    }
    return std::string();
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
    bool icom = false;
    for (const auto& s : c->icom_sources) icom |= s.name == route.from;
    if (icom) {
      errors->push_back(file + ": route from '" + route.from + "': iCom deliveries are kept in the "
                        "store (qcflow query deliveries), not uploaded; remove this [[route]]");
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
      for (auto& s : c->mpc_sources) {
        if (s.name == route.from) s.transform.sinks.push_back(to);
      }
      for (auto& s : c->dqa3_sources) {
        if (s.name == route.from) s.transform.sinks.push_back(to);
      }
    }
  }
}

}  // namespace

namespace detail {

void ReadSecret(TableReader& r, const toml::table& t, const std::string& what,
                const std::string& section, bool required, std::string* out, std::string* origin) {
  std::string value, env, file;
  r.Str(what, &value);
  r.Str(what + "_env", &env);
  r.Str(what + "_file", &file);
  const int given = !value.empty() + !env.empty() + !file.empty();
  std::string from = value.empty() ? "" : what + " in " + r.file();
  if (given > 1 || (required && given == 0)) {
    r.Error(nullptr, section + " needs " + (required ? "exactly" : "at most") + " one of " + what +
                         ", " + what + "_env or " + what + "_file (" + what +
                         "_file with mode 0600 is recommended)");
  } else if (!env.empty()) {
    from = "the environment variable " + env + " (" + what + "_env)";
    const char* v = std::getenv(env.c_str());
    if (!v || !*v) {
      r.Error(t.get(what + "_env"), "environment variable " + env + " is not set or empty");
    } else {
      value = Trim(v);
    }
  } else if (!file.empty()) {
    from = what + "_file " + file;
    if (Status st = ReadSecretFile(what + "_file", file, &value); !st.ok()) {
      r.Error(t.get(what + "_file"), st.message());
    }
  }
  *out = value;
  if (origin) *origin = from;
}

}  // namespace detail

Result<std::chrono::milliseconds> ParseDuration(std::string_view text) {
  const std::string s = Trim(std::string(text));
  const std::string bad = "not a duration: '" + s + "'";
  size_t i = 0, dots = 0;
  while (i < s.size() && (std::isdigit(uint8_t(s[i])) || s[i] == '.')) dots += s[i++] == '.';
  if (i == 0 || dots > 1 || s[0] == '.' || s[i - 1] == '.') return Status::InvalidArgument(bad);
  const double n = std::strtod(s.substr(0, i).c_str(), nullptr);
  const std::string unit = Trim(s.substr(i));
  double ms;
  if (unit.empty() || unit == "s") ms = n * 1000;
  else if (unit == "ms") ms = n;
  else if (unit == "m" || unit == "min") ms = n * 60'000;
  else if (unit == "h") ms = n * 3'600'000;
  else if (unit == "d") ms = n * 86'400'000;
  else return Status::InvalidArgument("unknown duration unit '" + unit + "'; use ms, s, m, h or d");
  // Checked before the conversion: a huge number must not wrap to a tiny one.
  if (!(ms <= double(kMaxDuration.count()))) {
    return Status::InvalidArgument("duration '" + s + "' is longer than " + FormatDuration(kMaxDuration));
  }
  return std::chrono::milliseconds(int64_t(ms));
}

std::string FormatDuration(std::chrono::milliseconds d) {
  static const std::pair<int64_t, const char*> kUnits[] = {
      {86'400'000, "d"}, {3'600'000, "h"}, {60'000, "m"}, {1000, "s"}};
  const int64_t ms = d.count();
  for (const auto& [size, name] : kUnits) {
    if (ms != 0 && ms % size == 0) return std::to_string(ms / size) + name;
  }
  return ms == 0 ? "0s" : std::to_string(ms) + "ms";
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

Result<Config> ParseConfig(std::string_view text, const std::string& file, mode_t file_mode) {
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
    if (std::find(LogLevels().begin(), LogLevels().end(), c.log.level) == LogLevels().end()) {
      r.Error(t.get("level"), "[log].level must be one of trace, debug, info, warn, error");
    }
  });
  section("metrics", [&](const toml::table& t) {
    TableReader r(t, "[metrics]", file, &errors);
    r.Str("listen", &c.metrics.listen);
    r.Finish();
    if (!c.metrics.listen.empty()) {
      if (auto l = ParseLoopbackListen(c.metrics.listen); !l.ok()) r.Error(t.get("listen"), l.status().message());
    }
  });
  section("source", [&](const toml::table& t) {
    TableReader r(t, "[source]", file, &errors);
    EachComponent(r, r.Get("mpc", false), "source.mpc", &c,
              [&](const toml::table& s) { ReadMpcSource(s, file, &errors, &c); });
    EachComponent(r, r.Get("icom", false), "source.icom", &c,
              [&](const toml::table& s) { ReadIcomSource(s, file, &errors, &c); });
    EachComponent(r, r.Get("dqa3", false), "source.dqa3", &c,
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
    EachComponent(r, r.Get("qatrack", false), "sink.qatrack", &c,
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
  CheckInlineSecrets(root, file, file_mode, &errors);
  if (errors.empty()) CrossCheck(file, &errors, &c);
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

Result<Config> LoadConfig(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Status::NotFound("cannot read config file " + path +
                            " (see examples/qcflow.toml for a commented example)");
  }
  std::stringstream ss;
  ss << in.rdbuf();
  struct stat st;
  const mode_t mode = ::stat(path.c_str(), &st) == 0 ? st.st_mode : 0600;
  return ParseConfig(ss.str(), path, mode);
}

}  // namespace qcflow::config
