#include "ingest/icom/icom_component.h"

#include "ingest/icom/icom_worker.h"
#include "process/component/config_table.h"

namespace qcflow::icom {
namespace {

using component::ConfigTable;
namespace bounds = component::bounds;

std::shared_ptr<component::Component> Read(ConfigTable& r, component::CommonOptions common);

const component::ComponentKind kKind{
    .section = "source.icom",
    .role = component::Role::kSource,
    .one = "iCom linac",
    .many = "iCom linacs",
    .state_kind = "icom",
    .interval = std::nullopt,  // deliveries_interval; the stream itself is not polled
    .inline_secrets = {},
    .read = Read,
    .build_group = BuildIcomGroup,
    .status = IcomStatus,
};

std::shared_ptr<component::Component> Read(ConfigTable& r, component::CommonOptions common) {
  const toml::table& t = r.table();
  IcomSourceSettings s;
  s.name = common.name;
  IcomCaptureConfig& k = s.capture;
  r.Str("host", &k.host, true);
  size_t port = k.port;
  r.Size("port", &port, 1, 65535);
  k.port = uint16_t(port);
  r.Str("zone", &k.zone);
  r.Duration("read_timeout", &k.read_timeout, bounds::kReadTimeout);
  r.Duration("connect_timeout", &k.connect_timeout, bounds::kConnectTimeout);
  r.Duration("backoff_min", &k.backoff_initial, bounds::kBackoff);
  r.Duration("backoff_max", &k.backoff_max, bounds::kBackoff);
  r.Size("queue_messages", &k.queue_messages, 16, 10'000'000);
  size_t queue_mb = k.queue_bytes >> 20;
  r.Size("queue_mb", &queue_mb, 1, 16'384);
  k.queue_bytes = queue_mb << 20;
  size_t garbage_mb = k.garbage_bytes >> 20;
  r.Size("garbage_mb", &garbage_mb, 1, 16'384);
  k.garbage_bytes = garbage_mb << 20;
  r.Duration("garbage_timeout", &k.garbage_time, bounds::kGarbageTimeout);
  r.Duration("deliveries_interval", &s.deliveries_interval, bounds::kDeliveriesInterval);
  r.Finish();
  k.linac = s.name;
  if (t.get("host") && k.host.empty()) {
    r.Error(t.get("host"), "[[source.icom]].host must name the linac's NSS (IP address or host name)");
  }
  if (Status z = CheckZone(k.zone); !z.ok()) r.Error(t.get("zone"), z.message());
  if (k.backoff_max < k.backoff_initial) {
    r.Error(t.get("backoff_max"), "[[source.icom]].backoff_max must not be shorter than backoff_min");
  }
  return std::make_shared<IcomComponent>(kKind, std::move(common), std::move(s));
}

}  // namespace

const component::ComponentKind& IcomSourceKind() { return kKind; }

IcomComponent::IcomComponent(const component::ComponentKind& kind, component::CommonOptions common,
                             IcomSourceSettings settings)
    : Component(kind, std::move(common)), settings_(std::move(settings)) {}


}  // namespace qcflow::icom
