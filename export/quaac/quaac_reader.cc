#include "export/quaac/quaac_reader.h"

#include <cstdlib>
#include <set>

#include <nlohmann/json.hpp>

#include "export/quaac/quaac_hash.h"

namespace qcflow::quaac {
namespace {

using json = nlohmann::json;

struct ListSpec {
  const char* key;
  ObjectKind kind;
};
constexpr ListSpec kLists[] = {{"equipment", ObjectKind::kEquipment},
                               {"users", ObjectKind::kUser},
                               {"attachments", ObjectKind::kAttachment}};

const json* Find(const json& o, const char* alias, const char* name) {
  if (auto it = o.find(alias); it != o.end()) return &*it;
  if (auto it = o.find(name); it != o.end()) return &*it;
  return nullptr;
}

std::string Text(const json* v) { return v && v->is_string() ? v->get<std::string>() : ""; }

// Checks one list's objects and collects their hashes.
void CheckList(const json& doc, const ListSpec& list, std::set<std::string>* hashes,
               std::vector<std::string>* problems) {
  auto it = doc.find(list.key);
  if (it == doc.end() || !it->is_array()) {
    problems->push_back(std::string("missing list '") + list.key + "'");
    return;
  }
  for (size_t i = 0; i < it->size(); ++i) {
    const json& o = (*it)[i];
    const std::string where = std::string(list.key) + "[" + std::to_string(i) + "]";
    if (!o.is_object()) {
      problems->push_back(where + ": not an object");
      continue;
    }
    auto h = ObjectHash(list.kind, o);
    const std::string written = Text(Find(o, "hash", "hash"));
    if (!h.ok()) {
      problems->push_back(where + ": " + h.status().message());
    } else if (written != *h) {
      problems->push_back(where + ": hash '" + written + "' does not recompute (" + *h + ")");
    }
    if (!written.empty()) hashes->insert(written);
    if (list.kind == ObjectKind::kUser) {
      Status s = ValidateEmail(Text(Find(o, "email", "email")));
      if (!s.ok()) problems->push_back(where + ": " + s.message());
    }
  }
}

void CheckReference(const json* ref, const std::set<std::string>& hashes, bool nullable,
                    const std::string& where, std::vector<std::string>* problems) {
  if (!ref) return;  // a missing required key is reported by the hash check
  if (ref->is_null() && nullable) return;
  if (!ref->is_string() || !hashes.count(std::string(ReferencedHash(ref->get<std::string>())))) {
    problems->push_back(where + ": reference " + ref->dump() + " names no listed object");
  }
}

void CheckReferences(const json* refs, const std::set<std::string>& hashes,
                     const std::string& where, std::vector<std::string>* problems) {
  if (!refs || !refs->is_array()) return;
  for (const json& r : *refs) CheckReference(&r, hashes, false, where, problems);
}

void CheckDataPoints(const json& doc, const std::set<std::string> (&hashes)[3],
                     std::vector<std::string>* problems) {
  auto it = doc.find("datapoints");
  if (it == doc.end() || !it->is_array()) {
    problems->push_back("missing list 'datapoints'");
    return;
  }
  for (size_t i = 0; i < it->size(); ++i) {
    const json& d = (*it)[i];
    const std::string where = "datapoints[" + std::to_string(i) + "]";
    if (!d.is_object()) {
      problems->push_back(where + ": not an object");
      continue;
    }
    // The reference requires these keys even where its model has a default.
    for (const char* key : {"performer", "primary equipment", "reviewer", "ancillary equipment",
                            "attachments"}) {
      std::string underscore = key;
      for (char& c : underscore) c = c == ' ' ? '_' : c;
      if (!Find(d, key, underscore.c_str())) problems->push_back(where + ": missing '" + key + "'");
    }
    auto h = ObjectHash(ObjectKind::kDataPoint, d);
    const std::string written = Text(Find(d, "hash", "hash"));
    if (!h.ok()) {
      problems->push_back(where + ": " + h.status().message());
    } else if (written != *h) {
      problems->push_back(where + ": hash '" + written + "' does not recompute (" + *h + ")");
    }
    CheckReference(Find(d, "performer", "performer"), hashes[1], false, where, problems);
    CheckReference(Find(d, "reviewer", "reviewer"), hashes[1], true, where, problems);
    CheckReference(Find(d, "primary equipment", "primary_equipment"), hashes[0], false, where,
                   problems);
    CheckReferences(Find(d, "ancillary equipment", "ancillary_equipment"), hashes[0], where,
                    problems);
    CheckReferences(Find(d, "attachments", "attachments"), hashes[2], where, problems);
  }
}

Result<json> Parse(std::string_view text) {
  json doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return Status::InvalidArgument("not JSON");
  if (!doc.is_object()) return Status::InvalidArgument("the document is not a JSON object");
  return doc;
}

// --- Reading into the model (only after the checks passed). ---

size_t IndexOf(const json& list, const json& ref) {
  const std::string_view h = ReferencedHash(ref.get_ref<const std::string&>());
  for (size_t i = 0; i < list.size(); ++i) {
    if (list[i].value("hash", "") == h) return i;
  }
  return 0;  // unreachable: CheckReference found it
}

std::vector<size_t> IndexesOf(const json& list, const json* refs) {
  std::vector<size_t> out;
  if (refs) {
    for (const json& r : *refs) out.push_back(IndexOf(list, r));
  }
  return out;
}

std::string Str(const json& o, const char* alias, const char* name) { return Text(Find(o, alias, name)); }

Value ValueOf(const json* v) {
  if (!v || v->is_null()) return std::monostate{};
  if (v->is_number()) return v->get<double>();
  if (v->is_string()) return v->get<std::string>();
  return v->dump();
}

// "YYYY-MM-DDTHH:MM:SS[.ffffff][Z|±HH:MM]" as pydantic renders it; a naive
// time is read as UTC.
void ParseRenderedTime(const std::string& s, DataPoint* dp) {
  auto num = [&](size_t pos, size_t n) { return std::atoi(s.substr(pos, n).c_str()); };
  CivilTime c{num(0, 4), num(5, 2), num(8, 2), num(11, 2), num(14, 2), num(17, 2), 0};
  size_t i = 19;
  if (i < s.size() && s[i] == '.') {
    c.micros = num(20, 6);
    i = 26;
  }
  dp->utc_offset_minutes = 0;
  if (i < s.size() && s[i] != 'Z') {
    dp->utc_offset_minutes = (s[i] == '-' ? -1 : 1) * (num(i + 1, 2) * 60 + num(i + 4, 2));
  }
  auto local = CivilToUtc(c, "UTC");
  dp->performed = (local.ok() ? *local : 0) - int64_t{dp->utc_offset_minutes} * kMicrosPerMinute;
}

Document ToDocument(const json& doc) {
  Document out;
  const json& eq = doc["equipment"];
  const json& users = doc["users"];
  const json& files = doc["attachments"];
  for (const json& e : eq) {
    out.equipment.push_back({Str(e, "name", "name"), Str(e, "type", "type"),
                             Str(e, "serial number", "serial_number"),
                             Str(e, "manufacturer", "manufacturer"), Str(e, "model", "model")});
  }
  for (const json& u : users) out.users.push_back({Str(u, "name", "name"), Str(u, "email", "email")});
  for (const json& a : files) {
    Attachment x{.name = Str(a, "name", "name"), .content = Str(a, "content", "content"),
                 .comment = Str(a, "comment", "comment"), .type = Str(a, "type", "type")};
    if (const json* enc = Find(a, "encoding", "encoding")) x.encoding = Text(enc);
    if (const json* c = Find(a, "compression", "compression")) {
      x.compression = c->is_string() ? std::optional<std::string>(c->get<std::string>()) : std::nullopt;
    }
    out.attachments.push_back(std::move(x));
  }
  for (const json& d : doc["datapoints"]) {
    DataPoint dp;
    dp.name = Str(d, "name", "name");
    auto when = RenderPythonDatetime(Str(d, "perform datetime", "perform_datetime"));
    if (when.ok()) ParseRenderedTime(*when, &dp);
    dp.measurement_value = ValueOf(Find(d, "measurement value", "measurement_value"));
    dp.measurement_unit = Str(d, "measurement unit", "measurement_unit");
    const json* ref = Find(d, "reference value", "reference_value");
    if (ref && ref->is_number()) dp.reference_value = ref->get<double>();
    dp.description = Str(d, "description", "description");
    dp.procedure = Str(d, "procedure", "procedure");
    dp.performer_comment = Str(d, "performer comment", "performer_comment");
    if (const json* p = Find(d, "parameters", "parameters")) {
      for (const auto& [k, v] : p->items()) dp.parameters[k] = v.is_string() ? v.get<std::string>() : v.dump();
    }
    dp.performer = IndexOf(users, *Find(d, "performer", "performer"));
    dp.primary_equipment = IndexOf(eq, *Find(d, "primary equipment", "primary_equipment"));
    const json* reviewer = Find(d, "reviewer", "reviewer");
    if (reviewer && reviewer->is_string()) dp.reviewer = IndexOf(users, *reviewer);
    dp.ancillary_equipment = IndexesOf(eq, Find(d, "ancillary equipment", "ancillary_equipment"));
    dp.attachments = IndexesOf(files, Find(d, "attachments", "attachments"));
    out.datapoints.push_back(std::move(dp));
  }
  return out;
}

}  // namespace

std::vector<std::string> CheckQuaacJson(std::string_view text) {
  auto doc = Parse(text);
  if (!doc.ok()) return {doc.status().message()};
  std::vector<std::string> problems;
  auto version = doc->find("version");
  if (version == doc->end()) {
    problems.push_back("missing 'version'");
  } else if (!version->is_string() || version->get<std::string>() != kVersion) {
    problems.push_back("version is " + version->dump() + ", not the string \"1.0\"");
  }
  std::set<std::string> hashes[3];  // equipment, users, attachments
  for (int i = 0; i < 3; ++i) CheckList(*doc, kLists[i], &hashes[i], &problems);
  CheckDataPoints(*doc, hashes, &problems);
  return problems;
}

Result<Document> ReadQuaacJson(std::string_view text) {
  std::vector<std::string> problems = CheckQuaacJson(text);
  if (!problems.empty()) {
    std::string joined;
    for (const std::string& p : problems) joined += (joined.empty() ? "" : "; ") + p;
    return Status::InvalidArgument("not a valid QuAAC document: " + joined);
  }
  return ToDocument(*Parse(text));
}

}  // namespace qcflow::quaac
