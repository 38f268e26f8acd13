#include "export/quip/quip_document.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <map>

#include <nlohmann/json.hpp>

#include "process/common/slug.h"
#include "process/common/utc_offset.h"
#include "store/text_util.h"

namespace qcflow::quip {
namespace {

using ordered = nlohmann::ordered_json;

std::string Upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

// The measure a test is about: its name without the role's suffix.
std::string MeasureOf(const TestResult& t) {
  std::string name = t.name.empty() ? t.key : t.name;
  for (std::string_view suffix : {"_baseline", "_diff"}) {
    if (t.role != TestRole::kMeasured && name.size() > suffix.size() &&
        name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0) {
      name.resize(name.size() - suffix.size());
    }
  }
  return name;
}

bool IsEnvironment(const TestResult& t, std::string_view what) {
  return t.role == TestRole::kContext && (t.name == what || (t.name.empty() && t.key == what));
}

// "6 MV" / "6" + beam type -> ENERGY {value "6", unit MV | MeV | "MV FFF"}.
ConfigValue Energy(const std::string& energy, const std::map<std::string, std::string>& params) {
  auto param = [&](const char* k) {
    auto it = params.find(k);
    return it == params.end() ? std::string() : Upper(it->second);
  };
  std::string value = energy, unit;
  if (const size_t space = energy.find(' '); space != std::string::npos) {
    value = energy.substr(0, space);
    unit = std::string(TrimChars(energy.substr(space + 1)));
  }
  const std::string type = param("beam_type");
  if (unit.empty()) unit = type == "ELECTRON" ? "MeV" : "MV";
  if (unit == "MV" && (type == "FFF" || param("fff") == "TRUE")) unit = "MV FFF";
  return {"ENERGY", unit, value};
}

ordered NullIfEmpty(const std::string& s) { return s.empty() ? ordered(nullptr) : ordered(s); }

ordered Written(const std::optional<Quantity>& q) {
  if (!q) return nullptr;
  return {{"units", {{"name", NullIfEmpty(q->unit)}}}, {"value", q->value}};
}

ordered Written(const MachineTest& t) {
  ordered o;
  o["device"] = {{"type", NullIfEmpty(t.device_type)}, {"serial-number", NullIfEmpty(t.device_serial)}};
  o["performed-on-date"] = t.performed_on;
  o["is-baseline"] = t.is_baseline;
  o["temperature"] = Written(t.temperature);
  o["atmospheric-pressure"] = Written(t.pressure);
  o["data-values"] = ordered::array();
  for (const DataValue& v : t.data_values) {
    ordered d;
    d[v.raw ? "test-raw-data-value-code" : "test-value-code"] = v.code;
    d["unit"] = NullIfEmpty(v.unit);
    d["is-baseline"] = v.is_baseline;
    d["value"] = v.value;
    if (!v.attributes.empty()) {
      d["attribute-list"] = ordered::array();
      for (const KeyValue& a : v.attributes) d["attribute-list"].push_back({{"type", a.key}, {"value", a.value}});
    }
    o["data-values"].push_back(std::move(d));
  }
  return o;
}

ordered Written(const Machine& m) {
  ordered o;
  o["id"] = nullptr;  // the example's; qcflow has no QUIP machine id
  o["serial-number"] = NullIfEmpty(m.serial);
  if (m.serial.empty()) {
    o["alternate-mapping-key-value-pairs"] = ordered::array();
    for (const KeyValue& k : m.alternate_keys) {
      o["alternate-mapping-key-value-pairs"].push_back({{"key", k.key}, {"value", k.value}});
    }
  }
  ordered values = ordered::array();
  for (const ConfigValue& c : m.configuration) {
    values.push_back({{"field-code", c.field_code}, {"unit-code", NullIfEmpty(c.unit_code)},
                      {"value", c.value}});
  }
  o["configuration"] = {{"machine-configuration-value-groups", ordered::array()},
                        {"machine-configuration-values", std::move(values)}};
  o["tests"] = ordered::array();
  for (const MachineTest& t : m.tests) o["tests"].push_back(Written(t));
  return o;
}

// The parameters every written data value of the session shares.
std::map<std::string, std::string> SharedParameters(const std::vector<const TestResult*>& tests) {
  if (tests.empty()) return {};
  std::map<std::string, std::string> shared = tests.front()->parameters;
  for (const TestResult* t : tests) {
    std::erase_if(shared, [&](const auto& kv) {
      auto it = t->parameters.find(kv.first);
      return it == t->parameters.end() || it->second != kv.second;
    });
  }
  return shared;
}

}  // namespace

QuipUnit QuipUnitOf(std::string_view u) {
  static const std::map<std::string, QuipUnit, std::less<>> kUnits = {
      {"mm", {"CENTIMETERS", -1}}, {"cm", {"CENTIMETERS", 0}}, {"%", {"PERCENTAGE", 0}},
      {"°", {"DEGREES", 0}},        {"deg", {"DEGREES", 0}},    {"cGy", {"CENTIGRAY", 0}},
      {"Gy", {"CENTIGRAY", 2}},     {"MU", {"MONITOR_UNIT", 0}}, {"MU/min", {"MU_PER_MINUTE", 0}},
      {"°C", {"CELSIUS", 0}},       {"C", {"CELSIUS", 0}}};
  auto it = kUnits.find(TrimChars(u));
  return it != kUnits.end() ? it->second : QuipUnit{std::string(TrimChars(u)), 0};
}

double ShiftDecimal(double v, int shift) {
  if (shift == 0 || !std::isfinite(v)) return v;
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
  std::string text(buf, r.ptr);  // "3.5e-01"
  const size_t e = text.find('e');
  const int exp10 = std::stoi(text.substr(e + 1)) + shift;
  text = text.substr(0, e + 1) + std::to_string(exp10);
  double out = v;
  std::from_chars(text.data(), text.data() + text.size(), out);
  return out;
}

std::string QuipCode(std::string_view measure) {
  static const std::map<std::string, std::string, std::less<>> kDqa3 = {
      {"dose", "DOSE"},           {"axsym", "AXIAL_SYMMETRY"}, {"axialsym", "AXIAL_SYMMETRY"},
      {"trsym", "TRANS_SYMMETRY"}, {"qaflat", "FLATNESS"},     {"xsize", "X_DIMENSION"},
      {"ysize", "Y_DIMENSION"},   {"xshift", "X_SHIFT"},      {"yshift", "Y_SHIFT"},
      {"energy", "DELTA_ENERGY"}};
  auto it = kDqa3.find(measure);
  return it != kDqa3.end() ? it->second : Upper(Slugify(measure));
}

std::string QuipCodeOf(const TestResult& test) { return QuipCode(MeasureOf(test)); }

Status AppendSession(const QcSession& session, Document* doc) {
  const std::string where = "session '" + session.user_key + "'";
  Machine machine{.serial = session.machine.serial};
  if (machine.serial.empty()) {
    const std::string source = session.source_kind.empty() ? "source" : session.source_kind;
    if (!session.machine.id.empty()) machine.alternate_keys.push_back({source + "-id", session.machine.id});
    if (!session.machine.name.empty()) machine.alternate_keys.push_back({"linac-name", session.machine.name});
    if (machine.alternate_keys.empty()) {
      return Status::InvalidArgument(where + ": the machine has no serial, id or name");
    }
  }
  auto offset = UtcOffsetMinutes(session.work_started, session.zone);
  if (!offset.ok()) return offset.status().WithContext(where);
  auto clock = FormatInZone(session.work_started, session.zone.empty() ? "UTC" : session.zone,
                            "%d %b %Y %H:%M:%S");
  if (!clock.ok()) return clock.status().WithContext(where);

  MachineTest test{.device_type = session.device.type, .device_serial = session.device.serial,
            .performed_on = *clock + " " + FormatUtcOffset(*offset, false)};
  std::vector<const TestResult*> values;
  for (const TestResult& t : session.tests) {
    if (t.skipped || !t.number) continue;
    const QuipUnit unit = QuipUnitOf(t.unit);
    if (IsEnvironment(t, "temperature")) test.temperature = Quantity{unit.name, ShiftDecimal(*t.number, unit.shift)};
    else if (IsEnvironment(t, "pressure")) test.pressure = Quantity{unit.name, ShiftDecimal(*t.number, unit.shift)};
    else if (t.role != TestRole::kContext && !t.file) values.push_back(&t);
  }
  const std::map<std::string, std::string> shared = SharedParameters(values);
  for (const auto& [k, v] : shared) {
    if (k == "energy") machine.configuration.push_back(Energy(v, shared));
    else machine.configuration.push_back({Upper(k), "", v});
  }
  for (const TestResult* t : values) {
    const QuipUnit unit = QuipUnitOf(t->unit);
    DataValue d{.code = QuipCodeOf(*t), .raw = t->role != TestRole::kDeviation,
                .unit = unit.name, .is_baseline = t->role == TestRole::kReference,
                .value = ShiftDecimal(*t->number, unit.shift)};
    for (const auto& [k, v] : t->parameters) {
      if (!shared.count(k)) d.attributes.push_back({k, v});
    }
    test.data_values.push_back(std::move(d));
  }

  auto same = [&](const Machine& m) {
    return m.serial == machine.serial && m.alternate_keys == machine.alternate_keys &&
           m.configuration == machine.configuration;
  };
  auto it = std::find_if(doc->machines.begin(), doc->machines.end(), same);
  if (it == doc->machines.end()) {
    doc->machines.push_back(std::move(machine));
    it = doc->machines.end() - 1;
  }
  it->tests.push_back(std::move(test));
  return Status::OK();
}

std::string WriteQuipJson(const Document& doc, int indent) {
  ordered o;
  o["machines"] = ordered::array();
  for (const Machine& m : doc.machines) o["machines"].push_back(Written(m));
  return o.dump(indent, ' ', false, ordered::error_handler_t::replace);
}

}  // namespace qcflow::quip
