#include "export/qatrack/qatrack_component.h"

#include "export/qatrack/qatrack_worker.h"
#include "process/component/config_table.h"
#include "process/component/wording.h"

namespace qcflow::qatrack {
namespace {

using component::ConfigTable;
using component::Quote;
namespace bounds = component::bounds;

std::shared_ptr<component::Component> Read(ConfigTable& r, component::CommonOptions common);

const component::ComponentKind kKind{
    .section = "sink.qatrack",
    .role = component::Role::kSink,
    .one = "QATrack+ sink",
    .many = "QATrack+ sinks",
    .state_kind = "qatrack",
    .interval = component::IntervalKey{std::chrono::milliseconds(30'000), bounds::kSinkInterval.min,
                                       bounds::kSinkInterval.max},
    .inline_secrets = {"token"},
    .read = Read,
    .build_group = nullptr,
    .status = nullptr,
};

std::shared_ptr<component::Component> Read(ConfigTable& r, component::CommonOptions common) {
  const toml::table& t = r.table();
  QatrackSinkSettings s;
  s.interval = common.interval;
  QatrackSinkConfig& k = s.sink;
  k.name = common.name;
  r.Str("url", &k.api_url, true);
  ReadSecret(r, t, "token", "[[sink.qatrack]] '" + k.name + "'", /*required=*/true, &k.token,
             &s.token_origin);
  r.Str("server_zone", &k.server_zone, true);
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
    const bool radmachine = k.radmachine.value_or(IsRadMachineUrl(k.api_url));
    if (Status form = CheckTokenForm(k.token, radmachine); !form.ok()) {
      const char* key = t.get("token_file") ? "token_file" : t.get("token_env") ? "token_env" : "token";
      r.Error(t.get(key),
              "[[sink.qatrack]] '" + k.name + "': the token from " + s.token_origin + " " +
                  form.message());
    }
  }
  if (!k.server_zone.empty()) {
    if (Status z = CheckZone(k.server_zone); !z.ok()) r.Error(t.get("server_zone"), z.message());
  }
  return std::make_shared<QatrackComponent>(kKind, std::move(common), std::move(s));
}

}  // namespace

const component::ComponentKind& QatrackSinkKind() { return kKind; }

QatrackComponent::QatrackComponent(const component::ComponentKind& kind, component::CommonOptions common,
                                   QatrackSinkSettings settings)
    : Component(kind, std::move(common)), settings_(std::move(settings)) {}

std::string QatrackComponent::RouteRefusalFrom(const component::Component& source) const {
  if (source.Sessions()) return "";
  return "QATrack+ takes sessions for a test list, and this source has no test list (route it to a "
         "[[sink.quaac]] or [[sink.quip]] archive instead)";
}

void QatrackComponent::CheckConfig(component::CheckContext& ctx) const {
  const QatrackSinkConfig& sink = settings_.sink;
  component::Checklist* list = ctx.list;
  if (!sink.verify_ssl) {
    list->Warn("sink " + Quote(sink.name) + " does not verify the server's certificate "
               "(verify_ssl = false): set ca_bundle to the hospital CA instead.");
  }
  const bool loopback = sink.api_url.rfind("http://127.", 0) == 0 ||
                        sink.api_url.rfind("http://localhost", 0) == 0 ||
                        sink.api_url.rfind("http://[::1]", 0) == 0;
  if (sink.api_url.rfind("http://", 0) == 0 && !loopback) {
    list->Warn("sink " + Quote(sink.name) + " uses plain http: the token crosses the network "
               "unencrypted; use https:// if the server offers it.");
  }
  if (sink.include_comments) {
    list->Warn("sink " + Quote(sink.name) + " sends comments (include_comments = true): "
               "QATrack+ does not auto-review sessions with comments, so every one waits "
               "for a person.");
  }
}

Result<std::unique_ptr<component::Part>> QatrackComponent::Build(component::PartEnv& env) const {
  QatrackSinkConfig config = settings_.sink;
  for (const component::SessionSource& s : env.session_sources) {  // queued items follow this config
    for (const std::string& id : s.source_ids) config.mappings.emplace(id, s.mapping);
  }
  config.clock = env.clock;  // last_success: when each upload landed
  config.batch_limit = std::max<size_t>(1, std::min(config.batch_limit, env.sink_batch_limit));
  auto sink = QatrackSink::Create(env.store, config);
  if (!sink.ok()) return sink.status().WithContext("[[sink.qatrack]] " + name());
  return std::unique_ptr<component::Part>(std::make_unique<QatrackWorker>(settings_, env, std::move(*sink)));
}

}  // namespace qcflow::qatrack
