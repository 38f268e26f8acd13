#include "process/dqa3/dqa3_row.h"

#include <simdjson.h>

#include <cctype>
#include <charconv>
#include <cmath>
#include <unordered_map>

namespace qcflow::dqa3 {
namespace {

// A JSON scalar of the row.
struct Value {
  enum Type { kNull, kInt, kDouble, kString, kBool } type = kNull;
  int64_t i = 0;
  double d = 0;
  std::string s;

  bool null() const { return type == kNull; }
  std::optional<double> Number() const {
    switch (type) {
      case kInt: return double(i);
      case kDouble: return std::isfinite(d) ? std::optional<double>(d) : std::nullopt;
      case kBool: return i != 0 ? 1.0 : 0.0;
      case kString: {  // a decimal a driver handed over as text
        double v = 0;
        auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
        if (ec == std::errc() && p == s.data() + s.size() && std::isfinite(v)) return v;
        return std::nullopt;
      }
      case kNull: break;
    }
    return std::nullopt;
  }
  // Python's str(); "" for NULL.
  std::string Text() const {
    switch (type) {
      case kInt: return std::to_string(i);
      case kDouble: return PythonFloat(d);
      case kString: return s;
      case kBool: return i != 0 ? "True" : "False";
      case kNull: break;
    }
    return "";
  }
  // Python truthiness (QCPump's `x or ""`).
  bool Truthy() const {
    switch (type) {
      case kInt: case kBool: return i != 0;
      case kDouble: return d != 0;
      case kString: return !s.empty();
      case kNull: break;
    }
    return false;
  }
};

// "<alias>.<COLUMN>" -> value; keys folded to lower case.
using Row = std::unordered_map<std::string, Value>;

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = char(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

const Value& Get(const Row& row, std::string_view key) {
  static const Value kNullValue;
  auto it = row.find(Lower(key));
  return it == row.end() ? kNullValue : it->second;
}

Status ReadRow(simdjson::dom::object obj, Row* row) {
  for (auto field : obj) {
    Value v;
    switch (field.value.type()) {
      case simdjson::dom::element_type::INT64: v.type = Value::kInt; v.i = int64_t(field.value); break;
      case simdjson::dom::element_type::UINT64:
        v.type = Value::kDouble;  // beyond int64: no DQA3 key is; keep the number
        v.d = double(uint64_t(field.value));
        break;
      case simdjson::dom::element_type::DOUBLE: v.type = Value::kDouble; v.d = double(field.value); break;
      case simdjson::dom::element_type::STRING:
        v.type = Value::kString;
        v.s = std::string(std::string_view(field.value));
        break;
      case simdjson::dom::element_type::BOOL: v.type = Value::kBool; v.i = bool(field.value); break;
      case simdjson::dom::element_type::NULL_VALUE: break;
      default:
        return Status::InvalidArgument("DQA3 row column '" + std::string(field.key) +
                                       "' is not a scalar");
    }
    (*row)[Lower(field.key)] = std::move(v);
  }
  return Status::OK();
}

// "YYYY-MM-DD HH:MM:SS[.f...]" (also 'T' between date and time).
bool ParseDateTime(std::string_view s, CivilTime* t) {
  int n = 0;
  if (std::sscanf(std::string(s).c_str(), "%4d-%2d-%2d%*[ T]%2d:%2d:%2d%n", &t->year, &t->month,
                  &t->day, &t->hour, &t->minute, &t->second, &n) != 6) {
    return false;
  }
  t->micros = 0;
  if (size_t(n) < s.size() && s[n] == '.') {
    int scale = 100000;
    for (size_t i = n + 1; i < s.size() && std::isdigit(static_cast<unsigned char>(s[i])); ++i) {
      t->micros += (s[i] - '0') * scale;
      scale /= 10;
    }
  }
  return true;
}

// A measured column's number. A text that is not a number as a whole (a
// decimal a driver handed over as "1.02x") is no value, never a different
// number, and a problem of the row.
std::optional<double> Measure(const Row& row, const std::string& key, Dqa3Row* r) {
  const Value& v = Get(row, key);
  std::optional<double> n = v.Number();
  if (!n && v.type == Value::kString && !v.s.empty()) {
    constexpr size_t kShown = 40;
    r->problems.push_back(key + " is '" + v.s.substr(0, kShown) +
                          (v.s.size() > kShown ? "...'" : "'") +
                          ", not a number; sent as no value");
  }
  return n;
}

// Adds a numeric column (nullopt = no value).
void Num(Dqa3Row* r, std::string name, std::optional<double> v) {
  if (v && !std::isfinite(*v)) v.reset();
  r->columns.push_back({std::move(name), v, std::nullopt});
}
void Text(Dqa3Row* r, std::string name, const Value& v) {
  Dqa3Column c{std::move(name), std::nullopt, std::nullopt};
  if (!v.null()) c.text = v.Text();
  r->columns.push_back(std::move(c));
}

std::optional<double> Minus(std::optional<double> a, std::optional<double> b) {
  if (!a || !b) return std::nullopt;
  return *a - *b;
}

// The quantities, in QCPump's query order (energy comes after qaflat).
struct Quantity {
  const char* macro;
  const char* absolute;  // 01.03 / Atlas diff column (value column: AB_ / AB prefix)
};
constexpr Quantity kBeforeEnergy[] = {
    {"dose", "DOSE"}, {"axsym", "AXIALSYM"}, {"trsym", "TRSYM"}, {"qaflat", "QAFLAT"}};
constexpr Quantity kAfterEnergy[] = {
    {"xsize", "XSIZE"}, {"ysize", "YSIZE"}, {"xshift", "XSHIFT"}, {"yshift", "YSHIFT"}};

// 01.03 and Atlas: value, value - diff (dose: 100·value/(100 + diff)), diff.
void AbsoluteStyle(const Row& row, const std::string& value_prefix,
                   const std::string& diff_prefix, const Quantity& q, Dqa3Row* r) {
  auto value = Measure(row, value_prefix + q.absolute, r);
  auto diff = Measure(row, diff_prefix + q.absolute, r);
  std::optional<double> baseline;
  if (std::string_view(q.macro) == "dose") {
    if (value && diff && *diff != -100) baseline = 100 * *value / (100 + *diff);
  } else {
    baseline = Minus(value, diff);
  }
  Num(r, q.macro, value);
  Num(r, std::string(q.macro) + "_baseline", baseline);
  Num(r, std::string(q.macro) + "_diff", diff);
}

// 01.04 / 01.06: RESULTS_<Q>, REL_BASELINE_<Q>, REL_DIFF_<Q>.
void RelativeStyle(const Row& row, const std::string& name, const std::string& column,
                   Dqa3Row* r) {
  Num(r, name, Measure(row, "tr.RESULTS_" + column, r));
  Num(r, name + "_baseline", Measure(row, "tr.REL_BASELINE_" + column, r));
  Num(r, name + "_diff", Measure(row, "tr.REL_DIFF_" + column, r));
}

std::string Upper(std::string s) {
  for (char& c : s) c = char(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

// Where each context field lives, per family.
struct ContextKeys {
  const char *data_key, *work_started, *comment, *machine_id, *machine_name, *room_name,
      *signature, *device, *beam_energy, *beam_name, *wedge_type, *wedge_angle, *wedge_orient;
};
constexpr ContextKeys kTrendKeys = {
    "tr.DATA_KEY", "tr.MEASURED_DATETIME", "data.COMMENTS", "mach.MACH_KEY", "mach.TREE_NAME",
    "room.TREE_NAME", "data.SIGNATURE", "dev.SERIAL", "tmpl.BEAMENERGY", "tmpl.TREE_NAME",
    "tmpl.WEDGETYPE", "tmpl.WEDGEANGLE", "tmpl.WEDGEORIENT"};
constexpr ContextKeys kAtlasKeys = {
    "data.Dqa3DataId", "data.Created", "data.AdditionalNotes", "mach.MachineId",
    "mach.MachineName", "mach.RoomNumber", "data.CollectedBy", "dev.SerialNumber",
    "energy.EnergyValue", "tmpl.MachineTestName", "tmpl.WedgeType", "tmpl.WedgeAngle",
    "tmpl.WedgeOrient"};

// QCPump's beam_params_for_row.
void TemplateVars(const Row& row, const ContextKeys& k, Dqa3Row* r) {
  auto& v = r->vars;
  const std::string type = Lower(r->beam_type);
  v["beam_type"] = type == "fff" ? "FFF" : type == "electron" ? "E" : "X";
  const std::string wedge = Lower(Get(row, k.wedge_type).Text());
  v["wedge_type"] = (wedge == "dynamic" || wedge == "edw") ? "EDW"
                    : (wedge == "none" || wedge.empty()) ? ""
                                                         : "Static";
  const Value& angle = Get(row, k.wedge_angle);
  std::string a = angle.Truthy() ? Lower(angle.Text()) : "";
  v["wedge_angle"] = (a == "0" || a == "none") ? "" : a;
  const Value& orient = Get(row, k.wedge_orient);
  v["wedge_orient"] = orient.Truthy() ? orient.Text() : "";
  v["device"] = Get(row, k.device).Text();
  v["machine_name"] = r->machine_name;
  v["room_name"] = r->room_name;
  v["beam_name"] = r->beam_name;
  v["energy"] = Get(row, k.beam_energy).Text();
}

}  // namespace

std::string PythonFloat(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[64];
  auto [p, ec] = std::to_chars(buf, buf + sizeof buf, v);
  std::string s(buf, ec == std::errc() ? p : buf);
  // Python marks a whole float: 6.0 -> "6.0" (exponent forms may differ; DQA3
  // energies and wedge angles never need them).
  if (s.find_first_of(".e") == std::string::npos) s += ".0";
  return s;
}

std::string Dqa3Row::DisplayName() const {
  return room_name.empty() ? machine_name : room_name + "/" + machine_name;
}

Result<Dqa3Row> ParseDqa3Payload(std::string_view payload) {
  thread_local simdjson::dom::parser parser;  // parses run on many threads; reuse buffers
  simdjson::dom::element doc;
  simdjson::dom::object row_obj;
  std::string_view schema;
  if (parser.parse(payload.data(), payload.size()).get(doc) != simdjson::SUCCESS) {
    return Status::InvalidArgument("DQA3 record payload is not JSON");
  }
  int64_t version = 1;
  if (doc["v"].get_int64().get(version) == simdjson::SUCCESS && version != 1) {
    return Status::InvalidArgument("DQA3 record payload version " + std::to_string(version) +
                                   " is newer than this qcflow reads (1); upgrade qcflow");
  }
  if (doc["schema"].get_string().get(schema) != simdjson::SUCCESS ||
      doc["row"].get_object().get(row_obj) != simdjson::SUCCESS) {
    return Status::InvalidArgument("DQA3 record payload has no \"schema\" or \"row\"");
  }
  Row row;
  QCFLOW_RETURN_IF_ERROR(ReadRow(row_obj, &row));

  Dqa3Row r;
  r.schema = std::string(schema);
  const bool atlas = r.schema == "1.5";
  const bool relative = r.schema == "01.04" || r.schema == "01.06";
  if (!atlas && !relative && r.schema != "01.03") {
    return Status::InvalidArgument("unsupported DQA3 schema version '" + r.schema + "'");
  }
  bool mismatch = false;
  if (doc["set_key_mismatch"].get_bool().get(mismatch) == simdjson::SUCCESS) {
    r.set_key_mismatch = mismatch;
  }
  const ContextKeys& k = atlas ? kAtlasKeys : kTrendKeys;
  const Value& data_key = Get(row, k.data_key);
  const Value& started = Get(row, k.work_started);
  const Value& machine = Get(row, k.machine_id);
  // An empty id ("" where the vendor writes a number) keys nothing: no session
  // or dedup key can be built from it, so the row is quarantined, not guessed at.
  if (data_key.null() || data_key.Text().empty()) {
    return Status::InvalidArgument(std::string("DQA3 row has no ") + k.data_key);
  }
  if (machine.null() || machine.Text().empty()) {
    return Status::InvalidArgument(std::string("DQA3 row has no ") + k.machine_id);
  }
  if (started.type != Value::kString || !ParseDateTime(started.s, &r.work_started)) {
    return Status::InvalidArgument(std::string("DQA3 row has no readable ") + k.work_started +
                                   " (\"YYYY-MM-DD HH:MM:SS\")");
  }
  r.data_key = data_key.Text();
  r.machine_id = machine.Text();
  r.comment = Get(row, k.comment).Text();
  r.machine_name = Get(row, k.machine_name).Text();
  r.room_name = Get(row, k.room_name).Text();
  r.beam_name = Get(row, k.beam_name).Text();
  if (atlas) {
    r.beam_type = Get(row, "energy.BeamTypeFlag").Number() == 1.0
                      ? "FFF"
                      : Get(row, "energy.BeamType").Text();
  } else {
    r.beam_type = Get(row, "tmpl.BEAMTYPE").Text();
  }
  TemplateVars(row, k, &r);
  // The vendor's own beam type decides the energy column (an Atlas FFF beam is
  // stored as a Photon with the FFF flag, so it reads PENERGY, as QCPump's query).
  const bool electron =
      Lower(Get(row, atlas ? "energy.BeamType" : "tmpl.BEAMTYPE").Text()) == "electron";

  // Context test columns, in QCPump's order.
  Text(&r, "data_key", data_key);
  Text(&r, "machine_name", Get(row, k.machine_name));
  Text(&r, "room_name", Get(row, k.room_name));
  Text(&r, "signature", Get(row, k.signature));
  Text(&r, "device", Get(row, k.device));
  Num(&r, "temperature", Measure(row, "data.TEMPERATURE", &r));
  Num(&r, "pressure", Measure(row, "data.PRESSURE", &r));

  const std::string value_prefix = atlas ? "data.AB" : "tr.AB_";
  const std::string diff_prefix = atlas ? "data." : "tr.";
  auto quantity = [&](const Quantity& q) {
    if (relative) {
      RelativeStyle(row, q.macro, Upper(q.macro), &r);
    } else {
      AbsoluteStyle(row, value_prefix, diff_prefix, q, &r);
    }
  };
  for (const Quantity& q : kBeforeEnergy) quantity(q);
  std::optional<double> energy;
  if (relative) {
    energy = Measure(row, electron ? "tr.REL_DIFF_EENERGY" : "tr.REL_DIFF_XENERGY", &r);
  } else {
    energy = Measure(row, diff_prefix + (electron ? "ENERGY" : "PENERGY"), &r);
  }
  Num(&r, "energy", energy);
  Num(&r, "energy_baseline", 0.0);
  Num(&r, "energy_diff", energy);
  for (const Quantity& q : kAfterEnergy) quantity(q);
  if (r.schema == "01.06") {
    for (int n = 1; n <= 3; ++n) {
      RelativeStyle(row, "bsc" + std::to_string(n), "BSC" + std::to_string(n), &r);
    }
  }
  return r;
}

}  // namespace qcflow::dqa3
