// Round trip of `qcflow export`: one store holding MPC runs (backfilled by the
// binary), DQA3 rows and an iCom stream (journaled as their sources write them
// and processed by their transforms); exported as QuAAC and as QUIP, read back
// by the checking readers, and compared with what `qcflow query sessions` and
// `qcflow query deliveries` show: every value, unit, reference, time (instant
// and the source zone's offset) and machine identity, and nothing more.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "export/quaac/quaac_reader.h"
#include "export/quip/quip_document.h"
#include "export/quip/quip_reader.h"
#include "process/dqa3/dqa3_test_rows.h"
#include "process/dqa3/dqa3_transform.h"
#include "process/icom/icom_transform.h"
#include "store/journal.h"
#include "store/store.h"
#include "store/time_util.h"
#include "tests/testing/child_process.h"
#include "tests/testing/icom_journal.h"
#include "tests/testing/mpc_runs.h"
#include "tests/testing/run_qcflow.h"
#include "tests/testing/temp_dir.h"

namespace qcflow {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr const char* kMpcZone = "Europe/Berlin";
constexpr const char* kDqa3Zone = "America/New_York";
constexpr const char* kIcomZone = "Asia/Kolkata";  // +05:30: minutes in the offset matter

// "+02:00" / "-04:00" / "+05:30" at the end of an RFC 3339 text, in minutes.
int OffsetMinutes(const std::string& rfc3339) {
  const std::string tail = rfc3339.substr(rfc3339.size() - 6);
  const int minutes = std::stoi(tail.substr(1, 2)) * 60 + std::stoi(tail.substr(4, 2));
  return tail[0] == '-' ? -minutes : minutes;
}

// QUIP's "performed-on-date" for the clock `qcflow query` printed:
// "2024-05-01T07:12:33-04:00" -> "01 May 2024 07:12:33 -0400".
std::string QuipClock(const std::string& rfc3339) {
  static const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const std::string tail = rfc3339.substr(rfc3339.size() - 6);
  return rfc3339.substr(8, 2) + " " + kMonths[std::stoi(rfc3339.substr(5, 2)) - 1] + " " +
         rfc3339.substr(0, 4) + " " + rfc3339.substr(11, 8) + " " + tail.substr(0, 3) + tail.substr(4, 2);
}

std::string Exact(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

std::string Text(const json& j, const char* key) {
  return j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : "";
}

// A test of `qcflow query sessions --format json`, as a TestResult.
TestResult FromQuery(const json& t) {
  TestResult r{.key = t["key"], .name = Text(t, "name"), .unit = Text(t, "unit")};
  const std::string role = Text(t, "role");
  for (TestRole candidate : {TestRole::kMeasured, TestRole::kReference, TestRole::kDeviation, TestRole::kContext}) {
    if (TestRoleName(candidate) == role) r.role = candidate;
  }
  if (t.contains("number")) r.number = t["number"].get<double>();
  if (t.contains("text")) r.text = t["text"].get<std::string>();
  r.skipped = t.value("skipped", false);
  if (t.contains("parameters")) r.parameters = t["parameters"].get<std::map<std::string, std::string>>();
  return r;
}

// One QUIP data value as text, so tests compare as sorted lists.
std::string ValueText(const std::string& code, bool raw, const std::string& unit, bool baseline, double v) {
  return code + (raw ? " raw " : " dev ") + unit + (baseline ? " baseline " : " ") + Exact(v);
}

std::string QuipMachineKey(const quip::Machine& m) {
  if (!m.serial.empty()) return m.serial;
  std::string key;
  for (const quip::KeyValue& kv : m.alternate_keys) key += kv.key + "=" + kv.value + ";";
  return key;
}

// A machine without a serial, as QUIP's alternate keys name it (QuipMachineKey's text).
std::string AlternateKey(const std::string& source_kind, const std::string& id, const std::string& name) {
  std::string key;
  if (!id.empty()) key += source_kind + "-id=" + id + ";";
  if (!name.empty()) key += "linac-name=" + name + ";";
  return key;
}

class ExportRoundTripTest : public ::testing::Test {
 protected:
  void SetUp() override {
    {
      auto store = Store::Open(dir_.Sub("store"));
      ASSERT_TRUE(store.ok()) << store.status().ToString();
      AppendDqa3Rows(store->get());
      dqa3::Dqa3TransformConfig dqa3_config;
      dqa3_config.zone = kDqa3Zone;
      dqa3_config.unit_map = {{"Bunker A/TrueBeam 1", UnitRef::Named("TB1")},
                              {"Bunker A/Clinac 9", UnitRef::Named("Clinac-9")}};
      ASSERT_TRUE(dqa3::ValidateDqa3TransformConfig(dqa3_config).ok());
      dqa3::Dqa3Transform dqa3(store->get(), dqa3_config);
      ASSERT_TRUE(dqa3.Restore().ok());
      ASSERT_TRUE(dqa3.RunUntilCaughtUp(NowMicros()).ok());

      icom::LinacGeneratorConfig c;
      c.seed = 5;
      c.messages = 900;
      c.fields_per_patient = 2;
      ASSERT_TRUE(testing::AppendGeneratedIcom(&(*store)->journal(), "LA1", c).ok());
      icom::IcomTransform icom(store->get(), {});
      ASSERT_TRUE(icom.RunUntilCaughtUp().ok());
    }
    for (int i = 0; i < 3; ++i) testing::WriteGeometryRun(dir_.Sub("TDS"), i);
    testing::Run b = Qcflow(std::string("backfill mpc --tds ") + dir_.Sub("TDS") + " --zone " + kMpcZone +
                            " --settle 0 --wait 0");
    ASSERT_EQ(b.exit_code, 0) << b.out;
  }

  void AppendDqa3Rows(Store* store) {
    std::vector<dqa3::testing::BeamSpec> beams(4);
    beams[0].measured = "2024-05-01 07:12:33";
    beams[1].measured = "2024-05-02 07:10:00";
    beams[1].beam_name = "10 MV";
    beams[1].energy = 10;
    beams[2].measured = "2024-05-02 07:20:00";
    beams[2].beam_name = "6 MeV";
    beams[2].beam_type = "Electron";
    beams[3].measured = "2024-11-04 07:00:00";  // after the change to EST: another offset
    beams[3].machine_id = 9;
    beams[3].machine = "Clinac 9";
    for (size_t i = 0; i < beams.size(); ++i) {
      beams[i].data_key = int64_t(i + 1);
      Record r;
      r.kind = Kind::kDqa3;
      r.source_id = "dqa3-main";
      r.event_time = *ParseTimeArg(beams[i].measured, kDqa3Zone);
      r.capture_time = NowMicros();
      r.dedup_key = "db|dqa3-main|" + std::to_string(i + 1);
      r.payload = dqa3::testing::EncodeTestPayload(dqa3::testing::MakeTestRow("01.04", beams[i]));
      ASSERT_TRUE(store->journal().Append(r).ok());
    }
  }

  testing::Run Qcflow(const std::string& args) {
    return testing::RunQcflow(QCFLOW_BIN, "--store " + dir_.Sub("store") + " " + args);
  }
  // `qcflow query ... --format json`'s items.
  json QueryItems(const std::string& args) {
    testing::Run q = Qcflow("query " + args + " --limit 0 --format json");
    EXPECT_EQ(q.exit_code, 0) << q.out;
    json doc = json::parse(q.out, nullptr, false);
    EXPECT_TRUE(doc.is_object()) << q.out;
    return doc.is_object() ? doc["items"] : json::array();
  }
  // Every MPC and DQA3 session, each shown in its source's zone.
  json Sessions() {
    json all = json::array();
    for (auto [kind, zone] : {std::pair{"mpc", kMpcZone}, std::pair{"dqa3", kDqa3Zone}}) {
      json items = QueryItems(std::string("sessions --source-kind ") + kind + " --tz " + zone);
      EXPECT_FALSE(items.empty()) << kind;
      for (json& s : items) all.push_back(std::move(s));
    }
    return all;
  }
  json ClosedDeliveries() {
    json closed = json::array();
    for (json& d : QueryItems(std::string("deliveries --linac LA1 --tz ") + kIcomZone)) {
      if (!d["open"].get<bool>()) closed.push_back(std::move(d));
    }
    EXPECT_FALSE(closed.empty());
    return closed;
  }
  // The text of every exported document, each checked by its reader.
  std::vector<std::string> Export(const std::string& format, const std::string& extra = "") {
    const std::string out = dir_.Sub(format);
    testing::Run r = Qcflow("export " + format + " --out " + out + " --tz " + kIcomZone + extra);
    EXPECT_EQ(r.exit_code, 0) << r.out;
    std::vector<std::string> texts;
    for (auto& e : fs::recursive_directory_iterator(out)) {
      if (!e.is_regular_file()) continue;
      texts.push_back(testing::ReadAll(e.path().string()));
      testing::Run check = Qcflow("export check " + e.path().string());
      EXPECT_EQ(check.exit_code, 0) << e.path() << ": " << check.out;
    }
    EXPECT_FALSE(texts.empty()) << r.out;
    return texts;
  }
  testing::TempDir dir_;
};

TEST_F(ExportRoundTripTest, QuaacHoldsEveryValueQueryShowsAndNothingElse) {
  std::map<std::pair<std::string, std::string>, quaac::DataPoint> points;  // (session, test key)
  std::vector<quaac::Document> docs;
  for (const std::string& text : Export("quaac", " --user-email qa@clinic.org")) {
    EXPECT_TRUE(quaac::CheckQuaacJson(text).empty());
    auto doc = quaac::ReadQuaacJson(text);
    ASSERT_TRUE(doc.ok()) << doc.status().ToString();
    docs.push_back(*doc);
  }
  // The machine of each session, as its datapoints' primary equipment names it.
  std::map<std::string, quaac::Equipment> machine_of;
  std::map<std::string, std::vector<quaac::Equipment>> devices_of;
  for (const quaac::Document& doc : docs) {
    for (const quaac::DataPoint& dp : doc.datapoints) {
      const std::string session = dp.parameters.at("qcflow_session");
      EXPECT_TRUE(points.emplace(std::pair{session, dp.parameters.at("qcflow_key")}, dp).second)
          << session << " " << dp.name << " exported twice";
      machine_of[session] = doc.equipment.at(dp.primary_equipment);
      devices_of[session].clear();
      for (size_t i : dp.ancillary_equipment) devices_of[session].push_back(doc.equipment.at(i));
    }
  }

  size_t expected = 0;
  auto expect_point = [&](const std::string& session, const std::string& key,
                          const std::string& when) -> const quaac::DataPoint* {
    auto it = points.find({session, key});
    if (it == points.end()) {
      ADD_FAILURE() << session << " test " << key << " is in no document";
      return nullptr;
    }
    ++expected;
    EXPECT_EQ(it->second.performed, *ParseTimeArg(when)) << session;
    EXPECT_EQ(it->second.utc_offset_minutes, OffsetMinutes(when)) << session << " " << when;
    return &it->second;
  };

  for (const json& s : Sessions()) {
    const std::string session = s["user_key"];
    for (const json& jt : s["tests"]) {
      const TestResult t = FromQuery(jt);
      const bool datapoint = !t.skipped && t.role != TestRole::kReference &&
                             (t.role != TestRole::kContext || t.number.has_value());
      if (!datapoint) {
        EXPECT_EQ(points.count({session, t.key}), 0u) << session << " " << t.key << " is no datapoint";
        continue;
      }
      const quaac::DataPoint* dp = expect_point(session, t.key, s["work_started"]);
      if (dp == nullptr) continue;
      EXPECT_EQ(dp->name.rfind(t.name.empty() ? t.key : t.name, 0), 0u) << dp->name;
      if (t.number) EXPECT_EQ(std::get<double>(dp->measurement_value), *t.number) << dp->name;
      if (t.text) EXPECT_EQ(std::get<std::string>(dp->measurement_value), *t.text) << dp->name;
      EXPECT_EQ(dp->measurement_unit, t.unit) << dp->name;
      std::optional<double> reference;
      if (jt.contains("reference")) reference = jt["reference"].get<double>();
      else if (jt.contains("tolerance")) reference = jt["tolerance"].get<double>();
      EXPECT_EQ(dp->reference_value, reference) << dp->name;
      for (const auto& [k, v] : t.parameters) EXPECT_EQ(dp->parameters.at(k), v) << dp->name;
    }
    const json& m = s["machine"];
    const quaac::Equipment& e = machine_of[session];
    EXPECT_EQ(e.serial_number, Text(m, "serial")) << session;
    EXPECT_EQ(e.name, !Text(m, "name").empty() ? Text(m, "name") : Text(m, "serial")) << session;
    EXPECT_EQ(e.manufacturer, Text(m, "manufacturer")) << session;
    EXPECT_EQ(e.model, Text(m, "model")) << session;
    if (s.contains("device") && !Text(s["device"], "serial").empty()) {
      ASSERT_EQ(devices_of[session].size(), 1u) << session;
      EXPECT_EQ(devices_of[session][0].serial_number, Text(s["device"], "serial"));
      EXPECT_EQ(devices_of[session][0].type, Text(s["device"], "type"));
    }
  }

  for (const json& d : ClosedDeliveries()) {
    const std::string session = "qcflow/icom/" + d["id"].get<std::string>();
    const quaac::DataPoint* mu = expect_point(session, "mu", d["start"]);
    if (mu == nullptr) continue;
    EXPECT_EQ(std::get<double>(mu->measurement_value), d["mu"].get<double>());
    EXPECT_EQ(mu->measurement_unit, "MU");
    if (!d["prescribed_mu"].is_null()) EXPECT_EQ(mu->reference_value, d["prescribed_mu"].get<double>());
    EXPECT_EQ(mu->parameters.at("field_id"), d["field"].get<std::string>());
    for (const char* angle : {"gantry_min", "gantry_max", "collimator_min", "collimator_max"}) {
      if (d[angle].is_null()) continue;
      const quaac::DataPoint* a = expect_point(session, angle, d["start"]);
      if (a == nullptr) continue;
      EXPECT_EQ(std::get<double>(a->measurement_value), d[angle].get<double>()) << angle;
      EXPECT_EQ(a->measurement_unit, "°");
    }
    if (expect_point(session, "segments", d["start"]) == nullptr) continue;
    EXPECT_EQ(machine_of[session].name, d["linac"].get<std::string>());
    EXPECT_EQ(machine_of[session].manufacturer, "Elekta");
  }
  EXPECT_EQ(points.size(), expected) << "datapoints no query shows";
}

TEST_F(ExportRoundTripTest, QuipHoldsEveryValueQueryShowsAndNothingElse) {
  // "<machine>|<performed-on>|<device>|<environment>|<values...>" of every test read back.
  std::multiset<std::string> read, expected;
  for (const std::string& text : Export("quip")) {
    auto doc = quip::ReadQuipJson(text);
    ASSERT_TRUE(doc.ok()) << doc.status().ToString();
    for (const quip::Machine& m : doc->machines) {
      for (const quip::MachineTest& t : m.tests) {
        std::vector<std::string> values;
        for (const quip::DataValue& v : t.data_values) {
          values.push_back(ValueText(v.code, v.raw, v.unit, v.is_baseline, v.value));
        }
        std::sort(values.begin(), values.end());
        std::string line = QuipMachineKey(m) + "|" + t.performed_on + "|" + t.device_type + " " +
                           t.device_serial + "|";
        if (t.temperature) line += t.temperature->unit + " " + Exact(t.temperature->value);
        if (t.pressure) line += "; " + t.pressure->unit + " " + Exact(t.pressure->value);
        for (const std::string& v : values) line += "|" + v;
        read.insert(line);
      }
    }
  }

  for (const json& s : Sessions()) {
    const json& m = s["machine"];
    std::string machine = Text(m, "serial");
    if (machine.empty()) machine = AlternateKey(Text(s, "source_kind"), Text(m, "id"), Text(m, "name"));
    std::string device = " ";
    if (s.contains("device")) device = Text(s["device"], "type") + " " + Text(s["device"], "serial");
    std::string temperature, pressure;
    std::vector<std::string> values;
    for (const json& jt : s["tests"]) {
      const TestResult t = FromQuery(jt);
      if (t.skipped || !t.number) continue;
      const quip::QuipUnit unit = quip::QuipUnitOf(t.unit);
      const double v = quip::ShiftDecimal(*t.number, unit.shift);
      if (t.role == TestRole::kContext) {
        const std::string& what = t.name.empty() ? t.key : t.name;
        if (what == "temperature") temperature = unit.name + " " + Exact(v);
        if (what == "pressure") pressure = "; " + unit.name + " " + Exact(v);
        continue;
      }
      values.push_back(ValueText(quip::QuipCodeOf(t), t.role != TestRole::kDeviation, unit.name,
                                 t.role == TestRole::kReference, v));
    }
    std::sort(values.begin(), values.end());
    std::string line = machine + "|" + QuipClock(s["work_started"]) + "|" + device + "|" + temperature + pressure;
    for (const std::string& v : values) line += "|" + v;
    expected.insert(line);
  }

  // iCom: the values a delivery shows, each in QUIP's unit (codes are the tests' names).
  for (const json& d : ClosedDeliveries()) {
    std::vector<std::string> values = {
        ValueText("DELIVERED_MU", true, "MONITOR_UNIT", false, d["mu"].get<double>()),
        ValueText("SEGMENTS", true, "", false, d["segments"].get<double>())};
    for (auto [key, code] : {std::pair{"gantry_min", "GANTRY_MIN"}, std::pair{"gantry_max", "GANTRY_MAX"},
                             std::pair{"collimator_min", "COLLIMATOR_MIN"},
                             std::pair{"collimator_max", "COLLIMATOR_MAX"}}) {
      if (!d[key].is_null()) values.push_back(ValueText(code, true, "DEGREES", false, d[key].get<double>()));
    }
    std::sort(values.begin(), values.end());
    std::string line = AlternateKey("icom", d["machine_id"], d["linac"]) + "|" + QuipClock(d["start"]) + "| |";
    for (const std::string& v : values) line += "|" + v;
    expected.insert(line);
  }

  for (const std::string& line : expected) {
    EXPECT_EQ(read.count(line), expected.count(line)) << "expected in the documents: " << line;
  }
  for (const std::string& line : read) EXPECT_EQ(expected.count(line), read.count(line)) << "not shown by query: " << line;
}

}  // namespace
}  // namespace qcflow
