#include "export/postgres/postgres_component.h"

#include "export/postgres/pg_conninfo.h"
#include "export/postgres/postgres_worker.h"
#include "process/component/config_table.h"
#include "process/component/wording.h"

namespace qcflow::postgres {
namespace {

using component::ConfigTable;
using component::Quote;
namespace bounds = component::bounds;

std::shared_ptr<component::Component> Read(ConfigTable& r, component::CommonOptions common);

const component::ComponentKind kKind{
    .section = "sink.postgres",
    .role = component::Role::kSink,
    .one = "PostgreSQL sink",
    .many = "PostgreSQL sinks",
    .state_kind = "postgres",
    .interval = component::IntervalKey{std::chrono::milliseconds(30'000), bounds::kSinkInterval.min,
                                       bounds::kSinkInterval.max},
    .inline_secrets = {},
    .read = Read,
    .build_group = nullptr,
    .status = nullptr,
};

std::shared_ptr<component::Component> Read(ConfigTable& r, component::CommonOptions common) {
  const toml::table& t = r.table();
  const std::string where = "[[sink.postgres]] '" + common.name + "'";
  PostgresSinkSettings s;
  s.interval = common.interval;
  PostgresSinkConfig& k = s.sink;
  k.name = common.name;
  r.Str("conninfo", &k.conninfo, true);
  // Only from a file or the environment: qcflow.toml is often readable by more
  // people than the database password may be.
  if (t.get("password")) {
    r.Known("password");
    r.Error(t.get("password"), where + ": the password may not be written in qcflow.toml; use "
                                       "password_file (mode 0600) or password_env");
  }
  std::string env, file;
  r.Str("password_env", &env);
  r.Str("password_file", &file);
  if (!env.empty() && !file.empty()) {
    r.Error(t.get("password_env"), where + " takes password_file or password_env, not both");
  } else if (!env.empty()) {
    s.password_origin = "the environment variable " + env + " (password_env)";
    const char* v = std::getenv(env.c_str());
    if (!v || !*v) {
      r.Error(t.get("password_env"), "environment variable " + env + " is not set or empty");
    } else {
      k.password = component::Trim(v);
    }
  } else if (!file.empty()) {
    s.password_origin = "password_file " + file;
    if (Status st = component::ReadSecretFile("password_file", file, &k.password); !st.ok()) {
      r.Error(t.get("password_file"), st.message());
    }
  }
  r.Str("schema", &k.schema);
  r.Str("site", &k.site, true);
  r.Bool("sessions", &k.sessions);
  r.Bool("deliveries", &k.deliveries);
  r.Size("batch_size", &k.batch_limit, 1, 10'000);
  // A duration like every connect_timeout; libpq takes whole seconds (rounded up).
  std::chrono::milliseconds timeout = std::chrono::seconds(k.connect_timeout_seconds);
  r.Duration("connect_timeout", &timeout, component::DurationBounds{std::chrono::seconds(1), std::chrono::minutes(10)});
  k.connect_timeout_seconds = int((timeout.count() + 999) / 1000);
  r.Finish();
  if (t.get("conninfo")) {
    if (Status c = CheckConninfo(k.conninfo); !c.ok()) r.Error(t.get("conninfo"), where + ": " + c.message());
  }
  if (t.get("schema") && !IsPlainIdentifier(k.schema)) {
    r.Error(t.get("schema"), where + ": schema must be lowercase letters, digits and _ (not starting with a "
                                     "digit), at most 63 characters, e.g. \"qcflow\"");
  }
  if (t.get("site") && component::Trim(k.site).empty()) {
    r.Error(t.get("site"), where + ": site must name this site, e.g. \"north-campus\"");
  }
  if (!k.sessions && !k.deliveries) {
    r.Error(t.get("sessions"), where + ": sessions = false and deliveries = false leave nothing to mirror");
  }
  return std::make_shared<PostgresComponent>(kKind, std::move(common), std::move(s));
}

}  // namespace

const component::ComponentKind& PostgresSinkKind() { return kKind; }

PostgresComponent::PostgresComponent(const component::ComponentKind& kind, component::CommonOptions common,
                                     PostgresSinkSettings settings)
    : Component(kind, std::move(common)), settings_(std::move(settings)) {}

void PostgresComponent::CheckConfig(component::CheckContext& ctx) const {
  const PostgresSinkConfig& k = settings_.sink;
  const std::string& c = k.conninfo;
  const bool loopback = c.find("127.0.0.1") != std::string::npos || c.find("localhost") != std::string::npos ||
                        c.find("[::1]") != std::string::npos || c.find("host=/") != std::string::npos;
  const bool tls = c.find("sslmode=require") != std::string::npos ||
                   c.find("sslmode=verify-ca") != std::string::npos ||
                   c.find("sslmode=verify-full") != std::string::npos;
  if (!loopback && !tls) {
    ctx.list->Warn("sink " + Quote(name()) + " does not require TLS (no sslmode=verify-full in conninfo): "
                   "the session data and the password may cross the network unencrypted.");
  }
}

void PostgresComponent::Check(component::CheckContext& ctx) const {
  auto sink = PostgresSink::Create(nullptr, settings_.sink);
  if (!sink.ok()) {
    ctx.list->Fail("sink " + Quote(name()) + ": " + sink.status().message());
    return;
  }
  auto described = (*sink)->Describe();
  if (!described.ok()) {
    ctx.list->Fail("sink " + Quote(name()) + ": " + described.status().message());
    return;
  }
  ctx.list->Ok("sink " + Quote(name()) + " reaches PostgreSQL (" + settings_.sink.conninfo + ") as site " +
               Quote(settings_.sink.site) + "; " + *described);
}

Result<std::unique_ptr<component::Part>> PostgresComponent::Build(component::PartEnv& env) const {
  PostgresSinkConfig config = settings_.sink;
  for (const component::SessionSource& s : env.session_sources) {  // queued items follow this config
    for (const std::string& id : s.source_ids) config.mappings.emplace(id, s.mapping);
  }
  // Small batches (DaemonOptions::sink_batch_limit) keep a stop request waiting one transaction at most.
  config.batch_limit = std::max<size_t>(1, std::min(config.batch_limit, env.sink_batch_limit));
  auto sink = PostgresSink::Create(env.store, config);
  if (!sink.ok()) return sink.status().WithContext("[[sink.postgres]] " + name());
  return std::unique_ptr<component::Part>(std::make_unique<PostgresWorker>(settings_, env, std::move(*sink)));
}

}  // namespace qcflow::postgres
