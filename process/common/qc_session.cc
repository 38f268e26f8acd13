// Encoding: JsonWriter writes as it goes (no document built; nlohmann's
// number formatting and escaping). Decoding: simdjson's DOM (validates UTF-8,
// exact double parsing, never throws with the error-code API used here).
#include "process/common/qc_session.h"

#include <simdjson.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "process/common/json_writer.h"
#include "store/text_util.h"

namespace qcflow {
namespace {

// 3: the neutral form (machine, device, procedure, performer, zone; tests by
// "key" with name, unit, role, reference, tolerance, evaluation, parameters).
// 2 added unit_number, machine_names and test_list_vars. 1 and 2 are still read.
constexpr int64_t kVersion = 3;
constexpr int64_t kOldestVersion = 1;
constexpr size_t kMaxUserKeyChars = 255;  // QATrack+ column width

Status Bad(std::string_view field, std::string_view what) {
  return Status::Corruption("QcSession: field '" + std::string(field) + "' " + std::string(what));
}

Status ReadString(simdjson::dom::object obj, std::string_view field, bool required,
                  std::string* out) {
  simdjson::dom::element el;
  if (obj[field].get(el) != simdjson::SUCCESS) {
    return required ? Bad(field, "is missing") : Status::OK();
  }
  std::string_view sv;
  if (el.get_string().get(sv) != simdjson::SUCCESS) return Bad(field, "is not a string");
  out->assign(sv);
  return Status::OK();
}

Status ReadInt64(simdjson::dom::object obj, std::string_view field, int64_t* out) {
  simdjson::dom::element el;
  if (obj[field].get(el) != simdjson::SUCCESS) return Bad(field, "is missing");
  if (el.get_int64().get(*out) != simdjson::SUCCESS) return Bad(field, "is not a 64-bit integer");
  return Status::OK();
}

Status ReadBool(simdjson::dom::object obj, std::string_view field, bool* out) {
  simdjson::dom::element el;
  if (obj[field].get(el) != simdjson::SUCCESS) return Status::OK();  // optional, false
  if (el.get_bool().get(*out) != simdjson::SUCCESS) return Bad(field, "is not true/false");
  return Status::OK();
}

Status ReadNumber(simdjson::dom::element el, double* out) {
  if (el.get_double().get(*out) == simdjson::SUCCESS) return Status::OK();
  std::string_view sv;
  if (el.get_string().get(sv) == simdjson::SUCCESS) {
    constexpr double kInf = std::numeric_limits<double>::infinity();
    if (sv == "NaN" || sv == "Infinity" || sv == "-Infinity") {
      *out = sv == "NaN" ? std::numeric_limits<double>::quiet_NaN() : sv[0] == '-' ? -kInf : kInf;
      return Status::OK();
    }
  }
  return Bad("tests[].number", "is not a number");
}

Status ReadOptionalNumber(simdjson::dom::object obj, std::string_view field,
                          std::optional<double>* out) {
  simdjson::dom::element v;
  if (obj[field].get(v) != simdjson::SUCCESS) return Status::OK();
  double d = 0;
  if (!ReadNumber(v, &d).ok()) return Bad(field, "is not a number");
  *out = d;
  return Status::OK();
}

constexpr TestRole kRoles[] = {TestRole::kMeasured, TestRole::kReference, TestRole::kDeviation,
                               TestRole::kContext};

Status ReadStringMap(simdjson::dom::object obj, std::string_view field,
                     std::map<std::string, std::string>* out);

Status ReadDescription(simdjson::dom::object obj, TestResult* t) {
  QCFLOW_RETURN_IF_ERROR(ReadString(obj, "name", false, &t->name));
  QCFLOW_RETURN_IF_ERROR(ReadString(obj, "unit", false, &t->unit));
  std::string role;
  QCFLOW_RETURN_IF_ERROR(ReadString(obj, "role", false, &role));
  if (!role.empty()) {
    auto it = std::find_if(std::begin(kRoles), std::end(kRoles),
                           [&](TestRole r) { return TestRoleName(r) == role; });
    if (it == std::end(kRoles)) return Bad("role", "is '" + role + "', not a known role");
    t->role = *it;
  }
  QCFLOW_RETURN_IF_ERROR(ReadString(obj, "measure", false, &t->measure));
  QCFLOW_RETURN_IF_ERROR(ReadOptionalNumber(obj, "reference", &t->reference));
  QCFLOW_RETURN_IF_ERROR(ReadOptionalNumber(obj, "tolerance", &t->tolerance));
  QCFLOW_RETURN_IF_ERROR(ReadString(obj, "evaluation", false, &t->evaluation));
  QCFLOW_RETURN_IF_ERROR(ReadStringMap(obj, "parameters", &t->parameters));
  simdjson::dom::element el;
  if (obj["file"].get(el) != simdjson::SUCCESS) return Status::OK();
  simdjson::dom::object file;
  if (el.get_object().get(file) != simdjson::SUCCESS) return Bad("file", "is not an object");
  FileValue f;
  QCFLOW_RETURN_IF_ERROR(ReadString(file, "filename", true, &f.filename));
  QCFLOW_RETURN_IF_ERROR(ReadString(file, "encoding", true, &f.encoding));
  QCFLOW_RETURN_IF_ERROR(ReadString(file, "value", true, &f.value));
  t->file = std::move(f);
  return Status::OK();
}

Status ReadTest(simdjson::dom::element el, size_t index, int64_t version, TestResult* t) {
  simdjson::dom::object obj;
  if (el.get_object().get(obj) != simdjson::SUCCESS) {
    return Bad("tests[" + std::to_string(index) + "]", "is not an object");
  }
  Status s = ReadString(obj, version >= 3 ? "key" : "macro", true, &t->key);
  simdjson::dom::element v;
  if (s.ok() && obj["number"].get(v) == simdjson::SUCCESS) {
    double d = 0;
    s = ReadNumber(v, &d);
    if (s.ok()) t->number = d;
  }
  if (s.ok() && obj["text"].get(v) == simdjson::SUCCESS) {
    std::string text;
    s = ReadString(obj, "text", true, &text);
    if (s.ok()) t->text = std::move(text);
  }
  if (s.ok()) s = ReadBool(obj, "skipped", &t->skipped);
  if (s.ok()) s = ReadString(obj, "comment", false, &t->comment);
  if (s.ok() && version >= 3) s = ReadDescription(obj, t);
  return s.WithContext("tests[" + std::to_string(index) + "]");
}

Status ReadStrings(simdjson::dom::object obj, std::string_view field, std::vector<std::string>* out) {
  simdjson::dom::element el;
  if (obj[field].get(el) != simdjson::SUCCESS) return Status::OK();  // optional, empty
  simdjson::dom::array arr;
  if (el.get_array().get(arr) != simdjson::SUCCESS) return Bad(field, "is not an array");
  for (simdjson::dom::element f : arr) {
    std::string_view sv;
    if (f.get_string().get(sv) != simdjson::SUCCESS) return Bad(field, "holds a non-string");
    out->emplace_back(sv);
  }
  return Status::OK();
}

Status ReadStringMap(simdjson::dom::object obj, std::string_view field,
                     std::map<std::string, std::string>* out) {
  simdjson::dom::element el;
  if (obj[field].get(el) != simdjson::SUCCESS) return Status::OK();  // optional, empty
  simdjson::dom::object map;
  if (el.get_object().get(map) != simdjson::SUCCESS) return Bad(field, "is not an object");
  for (auto [key, value] : map) {
    std::string_view sv;
    if (value.get_string().get(sv) != simdjson::SUCCESS) return Bad(field, "holds a non-string");
    (*out)[std::string(key)] = std::string(sv);
  }
  return Status::OK();
}

}  // namespace

std::string_view TestRoleName(TestRole role) {
  switch (role) {
    case TestRole::kMeasured: return "measured";
    case TestRole::kReference: return "reference";
    case TestRole::kDeviation: return "deviation";
    case TestRole::kContext: return "context";
  }
  return "measured";
}

namespace {

// JSON has no NaN/Infinity; keep them as strings so a session still
// round-trips (ValidateQcSession rejects them before upload).
void PutNumber(JsonWriter& w, const char* field, double d) {
  w.Key(field);
  if (std::isnan(d)) {
    w.String("NaN");
  } else if (std::isinf(d)) {
    w.String(d > 0 ? "Infinity" : "-Infinity");
  } else {
    w.Double(d);
  }
}

void PutString(JsonWriter& w, std::string_view field, std::string_view value) {
  w.Key(field);
  w.String(value);
}

// Writes the non-empty string fields only: sessions are stored by the million.
void PutIfSet(JsonWriter& w, const char* field, const std::string& value) {
  if (!value.empty()) PutString(w, field, value);
}

void PutStringMap(JsonWriter& w, const char* field, const std::map<std::string, std::string>& m) {
  w.Key(field);
  w.BeginObject();
  for (const auto& [k, v] : m) PutString(w, k, v);
  w.EndObject();
}

void PutStrings(JsonWriter& w, const char* field, const std::vector<std::string>& v) {
  w.Key(field);
  w.BeginArray();
  for (const std::string& s : v) w.String(s);
  w.EndArray();
}

void EncodeTest(JsonWriter& w, const TestResult& t) {
  w.BeginObject();
  PutString(w, "key", t.key);
  if (t.number) PutNumber(w, "number", *t.number);
  if (t.text) PutString(w, "text", *t.text);
  if (t.skipped) {
    w.Key("skipped");
    w.Bool(true);
  }
  PutIfSet(w, "comment", t.comment);
  PutIfSet(w, "name", t.name);
  PutIfSet(w, "unit", t.unit);
  if (t.role != TestRole::kMeasured) PutString(w, "role", TestRoleName(t.role));
  PutIfSet(w, "measure", t.measure);
  if (t.reference) PutNumber(w, "reference", *t.reference);
  if (t.tolerance) PutNumber(w, "tolerance", *t.tolerance);
  PutIfSet(w, "evaluation", t.evaluation);
  if (!t.parameters.empty()) PutStringMap(w, "parameters", t.parameters);
  if (t.file) {
    w.Key("file");
    w.BeginObject();
    PutString(w, "filename", t.file->filename);
    PutString(w, "encoding", t.file->encoding);
    PutString(w, "value", t.file->value);
    w.EndObject();
  }
  w.EndObject();
}

}  // namespace

// Written field by field in a fixed order (the order nlohmann::ordered_json
// kept before, so encodings compare equal across the change; the test holds
// the old encoder as its reference). Strings are expected to be UTF-8; a
// stray byte (an odd file name) becomes U+FFFD rather than an exception.
std::string EncodeQcSession(const QcSession& s) {
  std::string out;
  out.reserve(256 + 160 * s.tests.size());
  JsonWriter w(&out);
  w.BeginObject();
  w.Key("v");
  w.Int(kVersion);
  PutString(w, "source_kind", s.source_kind);
  PutString(w, "source_id", s.source_id);
  w.Key("machine");
  w.BeginObject();
  PutIfSet(w, "serial", s.machine.serial);
  PutIfSet(w, "name", s.machine.name);
  PutIfSet(w, "id", s.machine.id);
  PutIfSet(w, "type", s.machine.type);
  PutIfSet(w, "manufacturer", s.machine.manufacturer);
  PutIfSet(w, "model", s.machine.model);
  w.EndObject();
  if (!s.device.type.empty() || !s.device.serial.empty()) {
    w.Key("device");
    w.BeginObject();
    PutString(w, "type", s.device.type);
    PutString(w, "serial", s.device.serial);
    w.EndObject();
  }
  PutIfSet(w, "procedure", s.procedure);
  PutIfSet(w, "performer", s.performer);
  PutIfSet(w, "zone", s.zone);
  PutString(w, "unit_name", s.unit_name);
  if (s.unit_number) {
    w.Key("unit_number");
    w.Int(*s.unit_number);
  }
  PutString(w, "test_list_name", s.test_list_name);
  PutStrings(w, "machine_names", s.machine_names);
  PutStringMap(w, "test_list_vars", s.test_list_vars);
  w.Key("work_started");
  w.Int(s.work_started);
  w.Key("work_completed");
  w.Int(s.work_completed);
  PutString(w, "user_key", s.user_key);
  w.Key("tests");
  w.BeginArray();
  for (const TestResult& t : s.tests) EncodeTest(w, t);
  w.EndArray();
  PutString(w, "comment", s.comment);
  PutStrings(w, "source_files", s.source_files);
  w.Key("source_seqs");
  w.BeginArray();
  for (uint64_t seq : s.source_seqs) w.Uint(seq);
  w.EndArray();
  w.Key("amendment");
  w.Bool(s.amendment);
  w.EndObject();
  return out;
}

namespace {

Status ReadObject(simdjson::dom::object obj, std::string_view field, simdjson::dom::object* out,
                  bool* present) {
  simdjson::dom::element el;
  *present = obj[field].get(el) == simdjson::SUCCESS;
  if (*present && el.get_object().get(*out) != simdjson::SUCCESS) {
    return Bad(field, "is not an object");
  }
  return Status::OK();
}

// Format 3's machine, device, procedure, performer and zone; format 1 and 2
// knew the machine by its serial only.
Status ReadIdentity(simdjson::dom::object obj, int64_t version, QcSession* s) {
  if (version < 3) return ReadString(obj, "unit_serial", false, &s->machine.serial);
  simdjson::dom::object o;
  bool present = false;
  QCFLOW_RETURN_IF_ERROR(ReadObject(obj, "machine", &o, &present));
  if (present) {
    QCFLOW_RETURN_IF_ERROR(ReadString(o, "serial", false, &s->machine.serial));
    QCFLOW_RETURN_IF_ERROR(ReadString(o, "name", false, &s->machine.name));
    QCFLOW_RETURN_IF_ERROR(ReadString(o, "id", false, &s->machine.id));
    QCFLOW_RETURN_IF_ERROR(ReadString(o, "type", false, &s->machine.type));
    QCFLOW_RETURN_IF_ERROR(ReadString(o, "manufacturer", false, &s->machine.manufacturer));
    QCFLOW_RETURN_IF_ERROR(ReadString(o, "model", false, &s->machine.model));
  }
  QCFLOW_RETURN_IF_ERROR(ReadObject(obj, "device", &o, &present));
  if (present) {
    QCFLOW_RETURN_IF_ERROR(ReadString(o, "type", false, &s->device.type));
    QCFLOW_RETURN_IF_ERROR(ReadString(o, "serial", false, &s->device.serial));
  }
  QCFLOW_RETURN_IF_ERROR(ReadString(obj, "procedure", false, &s->procedure));
  QCFLOW_RETURN_IF_ERROR(ReadString(obj, "performer", false, &s->performer));
  return ReadString(obj, "zone", false, &s->zone);
}

}  // namespace

Result<QcSession> DecodeQcSession(std::string_view json) {
  thread_local simdjson::dom::parser parser;
  simdjson::padded_string padded(json);
  simdjson::dom::element root;
  if (auto err = parser.parse(padded).get(root); err != simdjson::SUCCESS) {
    return Status::Corruption(std::string("QcSession: not valid JSON (") +
                              simdjson::error_message(err) + ")");
  }
  simdjson::dom::object obj;
  if (root.get_object().get(obj) != simdjson::SUCCESS) {
    return Status::Corruption("QcSession: not a JSON object");
  }
  simdjson::dom::element vel;
  int64_t version = 0;
  if (obj["v"].get(vel) != simdjson::SUCCESS || vel.get_int64().get(version) != simdjson::SUCCESS) {
    return Status::Corruption("QcSession: no integer version field 'v'");
  }
  if (version < kOldestVersion || version > kVersion) {
    return Status::Incompatible("QcSession version " + std::to_string(version) +
                                "; this qcflow reads versions " + std::to_string(kOldestVersion) +
                                " to " + std::to_string(kVersion));
  }

  QcSession s;
  simdjson::dom::array arr;
  simdjson::dom::element el;
  QCFLOW_RETURN_IF_ERROR(ReadString(obj, "source_kind", false, &s.source_kind));
  QCFLOW_RETURN_IF_ERROR(ReadString(obj, "source_id", false, &s.source_id));
  QCFLOW_RETURN_IF_ERROR(ReadIdentity(obj, version, &s));
  QCFLOW_RETURN_IF_ERROR(ReadString(obj, "unit_name", false, &s.unit_name));
  QCFLOW_RETURN_IF_ERROR(ReadString(obj, "test_list_name", false, &s.test_list_name));
  if (obj["unit_number"].get(el) == simdjson::SUCCESS) {
    int64_t number = 0;
    if (el.get_int64().get(number) != simdjson::SUCCESS) return Bad("unit_number", "is not an integer");
    s.unit_number = number;
  }
  QCFLOW_RETURN_IF_ERROR(ReadStrings(obj, "machine_names", &s.machine_names));
  QCFLOW_RETURN_IF_ERROR(ReadStringMap(obj, "test_list_vars", &s.test_list_vars));
  QCFLOW_RETURN_IF_ERROR(ReadInt64(obj, "work_started", &s.work_started));
  QCFLOW_RETURN_IF_ERROR(ReadInt64(obj, "work_completed", &s.work_completed));
  QCFLOW_RETURN_IF_ERROR(ReadString(obj, "user_key", true, &s.user_key));
  QCFLOW_RETURN_IF_ERROR(ReadString(obj, "comment", false, &s.comment));
  QCFLOW_RETURN_IF_ERROR(ReadBool(obj, "amendment", &s.amendment));

  if (obj["tests"].get(el) != simdjson::SUCCESS) return Bad("tests", "is missing");
  if (el.get_array().get(arr) != simdjson::SUCCESS) return Bad("tests", "is not an array");
  s.tests.reserve(arr.size());
  for (simdjson::dom::element t : arr) {
    TestResult test;
    QCFLOW_RETURN_IF_ERROR(ReadTest(t, s.tests.size(), version, &test));
    s.tests.push_back(std::move(test));
  }

  QCFLOW_RETURN_IF_ERROR(ReadStrings(obj, "source_files", &s.source_files));
  if (obj["source_seqs"].get(el) == simdjson::SUCCESS) {
    if (el.get_array().get(arr) != simdjson::SUCCESS) return Bad("source_seqs", "is not an array");
    for (simdjson::dom::element q : arr) {
      uint64_t seq;
      if (q.get_uint64().get(seq) != simdjson::SUCCESS) {
        return Bad("source_seqs", "holds something other than an unsigned integer");
      }
      s.source_seqs.push_back(seq);
    }
  }
  return s;
}

bool SameMeasurements(const QcSession& a, const QcSession& b) {
  auto same_test = [](const TestResult& x, const TestResult& y) {
    // Bitwise for numbers, so NaN equals NaN and -0 differs from 0.
    const bool same_number = x.number.has_value() == y.number.has_value() &&
                             (!x.number || std::memcmp(&*x.number, &*y.number, sizeof(double)) == 0);
    return x.key == y.key && same_number && x.text == y.text && x.skipped == y.skipped &&
           x.comment == y.comment && x.file == y.file;
  };
  return a.source_kind == b.source_kind && a.source_id == b.source_id &&
         a.user_key == b.user_key && a.work_started == b.work_started &&
         a.work_completed == b.work_completed && a.amendment == b.amendment &&
         a.source_seqs == b.source_seqs && a.source_files == b.source_files &&
         std::equal(a.tests.begin(), a.tests.end(), b.tests.begin(), b.tests.end(), same_test);
}

std::string SessionGroup(const QcSession& s) {
  if (!s.machine_names.empty()) return s.machine_names.front();
  if (!s.machine.serial.empty()) return s.machine.serial;
  return s.unit_number ? std::to_string(*s.unit_number) : s.unit_name;
}

Status ValidateQcSession(const QcSession& s) {
  auto bad = [&](const std::string& what) {
    return Status::InvalidArgument("session '" + s.user_key + "': " + what);
  };
  if (s.user_key.empty()) return Status::InvalidArgument("session has an empty user_key");
  if (s.user_key.find_first_not_of(" \t\r\n") == std::string::npos) {
    return Status::InvalidArgument("session user_key is only whitespace");
  }
  if (Utf8Length(s.user_key) > kMaxUserKeyChars) {
    return bad("user_key is longer than 255 characters");
  }
  if (s.machine.serial.empty() && s.unit_name.empty() && !s.unit_number) {
    return bad("names no unit (no machine serial, unit name or unit number)");
  }
  if (s.test_list_name.empty()) return bad("test_list_name is empty");
  if (s.work_completed < s.work_started) {
    return bad("work_completed (" + FormatUtcIso(s.work_completed) + ") is before work_started (" +
               FormatUtcIso(s.work_started) + ")");
  }
  for (size_t i = 0; i < s.tests.size(); ++i) {
    const TestResult& t = s.tests[i];
    if (t.key.empty()) return bad("test #" + std::to_string(i) + " has no key");
    const std::string name = "test '" + t.key + "'";
    int kinds = int(t.number.has_value()) + int(t.text.has_value()) + int(t.file.has_value()) +
                int(t.skipped);
    if (kinds != 1) {
      return bad(name + " must have exactly one of a number, a text, a file or skipped (has " +
                 std::to_string(kinds) + ")");
    }
    if (t.file && (t.file->filename.empty() ||
                   (t.file->encoding != "text" && t.file->encoding != "base64"))) {
      return bad(name + " has a file without a name or with an encoding other than text/base64");
    }
    if (t.number && !std::isfinite(*t.number)) {
      return bad(name + " has a non-finite number; send it as skipped");
    }
    if (i > 0 && !(s.tests[i - 1].key < t.key)) {
      return bad(s.tests[i - 1].key == t.key ? name + " appears twice"
                                             : "tests are not sorted by key at " + name);
    }
  }
  return Status::OK();
}

}  // namespace qcflow
