// The sources whose transforms store sessions, in one list: a new kind that
// produces sessions adds itself here, and replay and every sink follow.
#include "cli/runtime/config.h"

namespace qcflow::config {

std::vector<SessionSource> SessionSources(const Config& c) {
  std::vector<SessionSource> out;
  for (const MpcSource& s : c.mpc_sources) {
    SessionSource x{s.name, {s.name, s.scan.root}, s.scan.site_zone, s.transform.sinks, {}};
    x.mapping.source = s.name;
    x.mapping.test_list_template = s.transform.session.test_list_template;
    out.push_back(std::move(x));
  }
  for (const Dqa3Source& s : c.dqa3_sources) {
    SessionSource x{s.name, {s.name}, s.transform.zone, s.transform.sinks, {}};
    x.mapping.source = s.name;
    x.mapping.test_list_template = s.transform.test_list_template.empty()
                                       ? dqa3::DefaultTestListTemplate(s.transform.mode)
                                       : s.transform.test_list_template;
    x.mapping.maps_units = true;
    x.mapping.units = s.transform.unit_map;
    out.push_back(std::move(x));
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
