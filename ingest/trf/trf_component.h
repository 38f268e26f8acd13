// [[source.trf]]: capture Elekta TRF delivery logs from a directory and
// derive one TRF delivery per log (process/trf/).
//
// Keys (defaults in brackets): name; dir and/or backups (at least one: a
// directory of loose logs; the NSS's Backup/TCS folder of SDD+*.zip diagnostic
// backups, trf_backups.h); pattern ["*.trf"] (a glob or a list, on log names,
// loose or inside a zip); recursive [false, for dir]; linac (required: the linac's name, as its
// [[source.icom]] is named, so its logs and iCom deliveries line up); zone
// [""; an IANA zone, kept with each log]; settle [10s]; history ["all", or a
// duration: logs last modified longer ago than that before the first start
// are not taken]; plus the common keys. Capture: trf_capture.h.
// Routed ([[route]] or `sinks`) to archives or PostgreSQL, each new delivery
// goes to them as a session (process/trf/trf_session.h); QATrack+ refuses it
// (no test list).
#ifndef QCFLOW_INGEST_TRF_TRF_COMPONENT_H_
#define QCFLOW_INGEST_TRF_TRF_COMPONENT_H_

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "ingest/trf/trf_capture.h"
#include "process/component/component.h"

namespace qcflow::trf {

struct TrfSourceSettings {
  std::string name;
  std::chrono::milliseconds interval{60'000};
  std::string dir;      // "" = no loose logs
  std::string backups;  // "" = no diagnostic backups
  TrfCaptureSettings capture;  // source_id = name; dirs = {dir} when set
  std::optional<std::chrono::milliseconds> history;  // nullopt = "all"
  std::vector<std::string> sinks;  // the routed sinks, filled by Build
};

class TrfComponent : public component::Component {
 public:
  TrfComponent(const component::ComponentKind& kind, component::CommonOptions common,
               TrfSourceSettings settings)
      : Component(kind, std::move(common)), settings_(std::move(settings)) {}
  const TrfSourceSettings& settings() const { return settings_; }
  void Check(component::CheckContext& ctx) const override;  // trf_checks.cc
  Result<std::unique_ptr<component::Part>> Build(component::PartEnv& env) const override;

 private:
  TrfSourceSettings settings_;
};

const component::ComponentKind& TrfSourceKind();

}  // namespace qcflow::trf

#endif  // QCFLOW_INGEST_TRF_TRF_COMPONENT_H_
