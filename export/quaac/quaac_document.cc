#include "export/quaac/quaac_document.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <optional>

#include <nlohmann/json.hpp>

#include "export/quaac/quaac_hash.h"
#include "process/common/utc_offset.h"

namespace qcflow::quaac {
namespace {

using json = nlohmann::json;
using ordered = nlohmann::ordered_json;

// Objects are built as written (the aliases, in the order the spec lists
// them); the hash is computed from that same object.
ordered Written(const Equipment& e) {
  return {{"name", e.name}, {"type", e.type}, {"serial number", e.serial_number},
          {"manufacturer", e.manufacturer}, {"model", e.model}};
}

ordered Written(const User& u) { return {{"name", u.name}, {"email", u.email}}; }

ordered Written(const Attachment& a) {
  ordered o = {{"name", a.name}, {"type", a.type}, {"comment", a.comment},
               {"encoding", a.encoding}};
  o["compression"] = a.compression ? ordered(*a.compression) : ordered(nullptr);
  o["content"] = a.content;
  return o;
}

ordered WrittenValue(const Value& v) {
  if (const double* d = std::get_if<double>(&v)) return *d;
  if (const std::string* s = std::get_if<std::string>(&v)) return *s;
  return nullptr;
}

template <typename T>
std::string Hash(ObjectKind kind, const T& object) {
  // The written objects always hold every required field as a string, so the
  // canonical form cannot fail here.
  auto h = ObjectHash(kind, json(Written(object)));
  return h.ok() ? *h : std::string();
}

template <typename T>
std::string Ref(const std::vector<T>& list, size_t i) {
  return ReferenceTo(list[i].name, HashOf(list[i]));
}

bool InRange(const Document& doc, const DataPoint& dp) {
  auto all_in = [](const std::vector<size_t>& ids, size_t n) {
    return std::all_of(ids.begin(), ids.end(), [n](size_t i) { return i < n; });
  };
  return dp.performer < doc.users.size() && dp.primary_equipment < doc.equipment.size() &&
         (!dp.reviewer || *dp.reviewer < doc.users.size()) &&
         all_in(dp.ancillary_equipment, doc.equipment.size()) &&
         all_in(dp.attachments, doc.attachments.size());
}

// The "(<name>) <hash>" reference of each listed object, hashed once however
// many datapoints name it (a day of deliveries names one linac 1,000 times).
class References {
 public:
  explicit References(const Document& doc)
      : doc_(doc), users_(doc.users.size()), equipment_(doc.equipment.size()),
        attachments_(doc.attachments.size()) {}
  // REQUIRES: i < the list's size.
  const std::string& User(size_t i) { return Get(doc_.users, i, &users_); }
  const std::string& Equipment(size_t i) { return Get(doc_.equipment, i, &equipment_); }
  const std::string& Attachment(size_t i) { return Get(doc_.attachments, i, &attachments_); }

 private:
  using Cache = std::vector<std::optional<std::string>>;
  template <typename T>
  const std::string& Get(const std::vector<T>& list, size_t i, Cache* cache) {
    std::optional<std::string>& slot = (*cache)[i];
    if (!slot) slot = Ref(list, i);
    return *slot;
  }
  const Document& doc_;
  Cache users_, equipment_, attachments_;
};

// REQUIRES: InRange(doc, dp)
ordered Written(const DataPoint& dp, References& refs) {
  ordered o;
  o["name"] = dp.name;
  o["perform datetime"] = FormatPerformDatetime(dp.performed, dp.utc_offset_minutes);
  o["measurement value"] = WrittenValue(dp.measurement_value);
  o["measurement unit"] = dp.measurement_unit;
  o["reference value"] = dp.reference_value ? ordered(*dp.reference_value) : ordered(nullptr);
  o["description"] = dp.description;
  o["procedure"] = dp.procedure;
  o["performer comment"] = dp.performer_comment;
  o["parameters"] = ordered::object();
  for (const auto& [k, v] : dp.parameters) o["parameters"][k] = v;
  o["performer"] = refs.User(dp.performer);
  o["reviewer"] = dp.reviewer ? ordered(refs.User(*dp.reviewer)) : ordered(nullptr);
  o["primary equipment"] = refs.Equipment(dp.primary_equipment);
  o["ancillary equipment"] = ordered::array();
  for (size_t i : dp.ancillary_equipment) o["ancillary equipment"].push_back(refs.Equipment(i));
  o["attachments"] = ordered::array();
  for (size_t i : dp.attachments) o["attachments"].push_back(refs.Attachment(i));
  return o;
}

template <typename T>
size_t AddOnce(std::vector<T>* list, const T& x) {
  auto it = std::find(list->begin(), list->end(), x);
  if (it != list->end()) return static_cast<size_t>(it - list->begin());
  list->push_back(x);
  return list->size() - 1;
}

template <typename T>
void WriteList(ObjectKind kind, const std::vector<T>& list, ordered* out) {
  *out = ordered::array();
  for (const T& x : list) {
    ordered o = Written(x);
    o["hash"] = Hash(kind, x);
    out->push_back(std::move(o));
  }
}

}  // namespace

size_t Document::AddEquipment(const Equipment& e) { return AddOnce(&equipment, e); }
size_t Document::AddUser(const User& u) { return AddOnce(&users, u); }
size_t Document::AddAttachment(const Attachment& a) { return AddOnce(&attachments, a); }

Status ValidateEmail(std::string_view email) {
  const size_t at = email.find('@');
  auto bad = [&](const char* why) {
    return Status::InvalidArgument("email '" + std::string(email) + "' " + why);
  };
  if (at == std::string_view::npos || email.find('@', at + 1) != std::string_view::npos) {
    return bad("needs exactly one '@'");
  }
  if (at == 0) return bad("has no name before '@'");
  if (email.find_first_of(" \t\r\n") != std::string_view::npos) return bad("contains a space");
  const std::string_view domain = email.substr(at + 1);
  const size_t dot = domain.find('.');
  if (dot == std::string_view::npos || dot == 0 || domain.back() == '.' ||
      domain.find("..") != std::string_view::npos) {
    return bad("needs a domain with a dot (name@clinic.org)");
  }
  return Status::OK();
}

std::string FormatPerformDatetime(MicrosUtc t, int utc_offset_minutes) {
  const MicrosUtc local = t + int64_t{utc_offset_minutes} * kMicrosPerMinute;
  auto civil = UtcToCivil(local, "UTC");  // UTC never fails
  const CivilTime c = civil.ok() ? *civil : CivilTime{};
  char buf[48];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d", c.year, c.month, c.day, c.hour,
                c.minute, c.second);
  std::string out = buf;
  if (c.micros != 0) {
    std::snprintf(buf, sizeof buf, ".%06d", c.micros);
    out += buf;
  }
  return out + (utc_offset_minutes == 0 ? "Z" : FormatUtcOffset(utc_offset_minutes, true));
}

std::string HashOf(const Equipment& e) { return Hash(ObjectKind::kEquipment, e); }
std::string HashOf(const User& u) { return Hash(ObjectKind::kUser, u); }
std::string HashOf(const Attachment& a) { return Hash(ObjectKind::kAttachment, a); }

std::string HashOf(const Document& doc, const DataPoint& dp) {
  References refs(doc);
  auto h = ObjectHash(ObjectKind::kDataPoint, json(Written(dp, refs)));
  return h.ok() ? *h : std::string();
}

Result<std::string> WriteQuaacJson(const Document& doc, int indent) {
  for (const User& u : doc.users) {
    QCFLOW_RETURN_IF_ERROR(ValidateEmail(u.email).WithContext("user '" + u.name + "'"));
  }
  References refs(doc);
  ordered out;
  out["version"] = std::string(kVersion);
  out["datapoints"] = ordered::array();
  for (size_t i = 0; i < doc.datapoints.size(); ++i) {
    const DataPoint& dp = doc.datapoints[i];
    if (!InRange(doc, dp)) {
      return Status::InvalidArgument("datapoint " + std::to_string(i) + " ('" + dp.name +
                                     "') references an object the document does not list");
    }
    ordered o = Written(dp, refs);
    auto hash = ObjectHash(ObjectKind::kDataPoint, json(o));  // before "hash" is added
    o["hash"] = hash.ok() ? *hash : std::string();
    out["datapoints"].push_back(std::move(o));
  }
  WriteList(ObjectKind::kEquipment, doc.equipment, &out["equipment"]);
  WriteList(ObjectKind::kUser, doc.users, &out["users"]);
  WriteList(ObjectKind::kAttachment, doc.attachments, &out["attachments"]);
  return out.dump(indent, ' ', false, ordered::error_handler_t::replace);
}

}  // namespace qcflow::quaac
