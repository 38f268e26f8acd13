#include "cli/console/icom_at_api.h"

#include "cli/console/api_json.h"
#include "cli/model/json_model.h"
#include "ingest/icom/decoder.h"
#include "process/icom/message_at.h"

namespace qcflow::console {
namespace {

std::string Arg(const ParsedTarget& t, const char* name) {
  auto it = t.query.find(name);
  return it == t.query.end() ? "" : it->second;
}

}  // namespace

HttpAnswer IcomAt(const ConsoleBackend& b, const ParsedTarget& t) {
  const std::string linac = Arg(t, "linac"), part = Arg(t, "part").empty() ? "R" : Arg(t, "part");
  if (linac.empty() || Arg(t, "at").empty()) {
    return ErrorAnswer(400, "icom/at needs ?linac=<the [[source.icom]] name>&at=<time, e.g. 2026-01-05T08:01:40>");
  }
  if (!model::IsIcomPart(part)) return ErrorAnswer(400, std::string("part ") + model::kIcomPartRule);
  MicrosUtc at = 0;
  if (std::string e = ParseBound(t, "at", b.zone, &at); !e.empty()) return ErrorAnswer(400, e);
  auto found = icom::FindIcomMessageNear(*b.journal(), linac, at);
  if (!found.ok()) return ErrorAnswer(503, "cannot read the journal: " + found.status().message());
  if (!*found) return ErrorAnswer(404, "no iCom messages from linac '" + linac + "' in the store");
  auto record = b.journal()->Get((*found)->seq);
  if (!record.ok()) return ErrorAnswer(503, "cannot read the journal: " + record.status().message());
  icom::IcomMessage m;
  if (Status s = icom::DecodeMessage(record->payload, &m); !s.ok()) {
    return ErrorAnswer(503, "the iCom message at journal seq " + std::to_string((*found)->seq) +
                                " cannot be decoded: " + s.message());
  }
  return JsonAnswer(200, nlohmann::json(model::IcomMessageJson((*found)->seq, *record, m, part, b.zone,
                                                               b.show_patient_names)));
}

}  // namespace qcflow::console
