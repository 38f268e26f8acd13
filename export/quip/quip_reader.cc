#include "export/quip/quip_reader.h"

#include <regex>
#include <vector>

#include <nlohmann/json.hpp>

namespace qcflow::quip {
namespace {

using json = nlohmann::json;

class Reader {
 public:
  std::vector<std::string> problems;

  void Problem(const std::string& where, const std::string& what) { problems.push_back(where + ": " + what); }

  std::string Str(const json& o, const char* key) {
    auto it = o.find(key);
    return it != o.end() && it->is_string() ? it->get<std::string>() : "";
  }

  std::vector<KeyValue> Pairs(const json& o, const char* list, const char* k, const char* v) {
    std::vector<KeyValue> out;
    auto it = o.find(list);
    if (it == o.end() || !it->is_array()) return out;
    for (const json& p : *it) {
      if (p.is_object()) out.push_back({Str(p, k), p.contains(v) && !p[v].is_string() ? p[v].dump() : Str(p, v)});
    }
    return out;
  }

  std::optional<Quantity> Environment(const json& t, const char* key, const std::string& where) {
    auto it = t.find(key);
    if (it == t.end() || it->is_null()) return std::nullopt;
    if (!it->is_object() || !it->contains("value") || !(*it)["value"].is_number()) {
      Problem(where, std::string("'") + key + "' is neither null nor {units, value}");
      return std::nullopt;
    }
    Quantity q{.value = (*it)["value"].get<double>()};
    if (auto u = it->find("units"); u != it->end() && u->is_object()) q.unit = Str(*u, "name");
    return q;
  }

  bool Baseline(const json& o, const std::string& where) {
    for (const char* key : {"is-baseline", "is-basline"}) {
      auto it = o.find(key);
      if (it == o.end()) continue;
      if (it->is_boolean()) return it->get<bool>();
      Problem(where, std::string("'") + key + "' is not a boolean");
      return false;
    }
    Problem(where, "missing 'is-baseline'");
    return false;
  }

  DataValue Value(const json& d, const std::string& where) {
    DataValue v;
    const bool raw = d.contains("test-raw-data-value-code"), dev = d.contains("test-value-code");
    if (raw == dev) Problem(where, "needs exactly one of test-value-code / test-raw-data-value-code");
    v.raw = raw;
    v.code = Str(d, raw ? "test-raw-data-value-code" : "test-value-code");
    v.unit = Str(d, "unit");
    v.is_baseline = Baseline(d, where);
    if (!d.contains("value") || !d["value"].is_number()) Problem(where, "value is not a number");
    else v.value = d["value"].get<double>();
    v.attributes = Pairs(d, "attribute-list", "type", "value");
    return v;
  }

  MachineTest TestAt(const json& t, const std::string& where) {
    static const std::regex kDate(R"(\d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} [+-]\d{4})");
    MachineTest out;
    if (auto d = t.find("device"); d != t.end() && d->is_object()) {
      out.device_type = Str(*d, "type");
      out.device_serial = Str(*d, "serial-number");
    }
    out.performed_on = Str(t, "performed-on-date");
    if (!std::regex_match(out.performed_on, kDate)) {
      Problem(where, "performed-on-date '" + out.performed_on + "' is not like '22 Jun 2015 10:01:53 -0700'");
    }
    out.is_baseline = Baseline(t, where);
    out.temperature = Environment(t, "temperature", where);
    out.pressure = Environment(t, "atmospheric-pressure", where);
    auto values = t.find("data-values");
    if (values == t.end() || !values->is_array()) {
      Problem(where, "missing list 'data-values'");
      return out;
    }
    for (size_t i = 0; i < values->size(); ++i) {
      out.data_values.push_back(Value((*values)[i], where + ".data-values[" + std::to_string(i) + "]"));
    }
    return out;
  }

  Machine MachineAt(const json& m, const std::string& where) {
    Machine out;
    out.serial = Str(m, "serial-number");
    out.alternate_keys = Pairs(m, "alternate-mapping-key-value-pairs", "key", "value");
    if (out.serial.empty() && out.alternate_keys.empty()) {
      Problem(where, "neither serial-number nor alternate-mapping-key-value-pairs");
    }
    if (auto c = m.find("configuration"); c != m.end() && c->is_object()) {
      if (auto v = c->find("machine-configuration-values"); v != c->end() && v->is_array()) {
        for (const json& x : *v) {
          out.configuration.push_back({Str(x, "field-code"), Str(x, "unit-code"), Str(x, "value")});
        }
      }
    }
    auto tests = m.find("tests");
    if (tests == m.end() || !tests->is_array()) {
      Problem(where, "missing list 'tests'");
      return out;
    }
    for (size_t i = 0; i < tests->size(); ++i) {
      out.tests.push_back(TestAt((*tests)[i], where + ".tests[" + std::to_string(i) + "]"));
    }
    return out;
  }
};

}  // namespace

Result<Document> ReadQuipJson(std::string_view text) {
  const json doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return Status::InvalidArgument("not JSON");
  auto machines = doc.is_object() ? doc.find("machines") : doc.end();
  if (!doc.is_object() || machines == doc.end() || !machines->is_array()) {
    return Status::InvalidArgument("not a QUIP document: no list 'machines'");
  }
  Reader r;
  Document out;
  for (size_t i = 0; i < machines->size(); ++i) {
    const std::string where = "machines[" + std::to_string(i) + "]";
    if (!(*machines)[i].is_object()) r.Problem(where, "not an object");
    else out.machines.push_back(r.MachineAt((*machines)[i], where));
  }
  if (r.problems.empty()) return out;
  std::string joined;
  for (const std::string& p : r.problems) joined += (joined.empty() ? "" : "; ") + p;
  return Status::InvalidArgument("not a valid QUIP document: " + joined);
}

}  // namespace qcflow::quip
