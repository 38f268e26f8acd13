#include "process/dqa3/dqa3_test_rows.h"

#include <nlohmann/json.hpp>
#include <stdexcept>
#include <vector>

namespace qcflow::dqa3::testing {
namespace {

const char* const kAbsolute[] = {"DOSE",  "AXIALSYM", "TRSYM",  "QAFLAT",
                                 "XSIZE", "YSIZE",    "XSHIFT", "YSHIFT"};
const char* const kAtlas[] = {"Dose",  "Axialsym", "Trsym",  "Qaflat",
                              "Xsize", "Ysize",    "Xshift", "Yshift"};
const char* const kRelative[] = {"DOSE",  "AXSYM", "TRSYM",  "QAFLAT", "XSIZE",
                                 "YSIZE", "XSHIFT", "YSHIFT", "EENERGY", "XENERGY"};

}  // namespace

double TestRow::Num(const std::string& key) const {
  const TestValue& v = cols.at(key);
  if (const double* d = std::get_if<double>(&v)) return *d;
  if (const int64_t* i = std::get_if<int64_t>(&v)) return double(*i);
  throw std::invalid_argument("test column " + key + " is not a number");
}

BeamSpec WedgeBeam(int64_t data_key, const std::string& wedge_type, int64_t angle) {
  BeamSpec b;
  b.data_key = data_key;
  b.beam_name = "6MV EDW" + std::to_string(angle);
  b.wedge_type = wedge_type;
  b.wedge_angle = angle;
  return b;
}

TestRow MakeTestRow(const std::string& schema, const BeamSpec& b) {
  TestRow r;
  r.schema = schema;
  // Distinct, non-round values: 0.25 steps plus a per-row offset.
  double next = 0.5 + double(b.data_key % 97) / 8;
  auto value = [&] {
    next += 0.25;
    return next;
  };
  const bool atlas = schema == "1.5";
  if (atlas) {
    r.Set("data.Dqa3DataId", b.data_key).Set("data.Created", b.measured);
    r.Set("data.AdditionalNotes", std::string("morning check"));
    r.Set("data.CollectedBy", std::string("physicist"));
    r.Set("data.Temperature", 21.5).Set("data.Pressure", 101.25);
    r.Set("dev.SerialNumber", std::string("DQA3-0042"));
    r.Set("mach.MachineId", b.machine_id).Set("mach.MachineName", b.machine);
    r.Set("mach.RoomNumber", b.room).Set("energy.EnergyValue", b.energy);
    r.Set("energy.BeamType", std::string(b.beam_type == "FFF" ? "Photon" : b.beam_type));
    r.Set("energy.BeamTypeFlag", int64_t(b.beam_type == "FFF" ? 1 : 0));
    r.Set("tmpl.MachineTestName", b.beam_name).Set("tmpl.WedgeType", b.wedge_type);
    r.Set("tmpl.WedgeAngle", b.wedge_angle).Set("tmpl.WedgeOrient", nullptr);
    for (const char* q : kAtlas) {
      r.Set(std::string("data.AB") + q, value()).Set(std::string("data.") + q, value() / 10);
    }
    r.Set("data.ENERGY", value() / 10).Set("data.PENERGY", value() / 10);
    return r;
  }
  r.Set("tr.DATA_KEY", b.data_key).Set("tr.MEASURED_DATETIME", b.measured);
  r.Set("tr.SET_KEY", int64_t(100 + b.machine_id)).Set("data.SET_KEY", int64_t(100 + b.machine_id));
  r.Set("data.COMMENTS", nullptr).Set("data.SIGNATURE", std::string("physicist"));
  r.Set("data.TEMPERATURE", 21.5).Set("data.PRESSURE", 101.25);
  r.Set("dev.SERIAL", std::string("DQA3-0042"));
  r.Set("mach.MACH_KEY", b.machine_id).Set("mach.TREE_NAME", b.machine);
  r.Set("room.TREE_NAME", b.room).Set("tmpl.BEAMENERGY", b.energy);
  r.Set("tmpl.BEAMTYPE", b.beam_type).Set("tmpl.TREE_NAME", b.beam_name);
  r.Set("tmpl.WEDGETYPE", b.wedge_type).Set("tmpl.WEDGEANGLE", b.wedge_angle);
  r.Set("tmpl.WEDGEORIENT", nullptr);
  if (schema == "01.03") {
    for (const char* q : kAbsolute) {
      r.Set(std::string("tr.AB_") + q, value()).Set(std::string("tr.") + q, value() / 10);
    }
    r.Set("tr.ENERGY", value() / 10).Set("tr.PENERGY", value() / 10);
    return r;
  }
  std::vector<std::string> qs(std::begin(kRelative), std::end(kRelative));
  if (schema == "01.06") qs.insert(qs.end(), {"BSC1", "BSC2", "BSC3"});
  for (const std::string& q : qs) {
    r.Set("tr.RESULTS_" + q, value()).Set("tr.REL_BASELINE_" + q, value());
    r.Set("tr.REL_DIFF_" + q, value() / 10);
  }
  return r;
}

std::string EncodeTestPayload(const TestRow& r) {
  nlohmann::ordered_json row = nlohmann::ordered_json::object();
  for (const auto& [key, v] : r.cols) {
    std::visit([&, k = key](const auto& x) { row[k] = x; }, v);
  }
  nlohmann::ordered_json j = {{"v", 1},
                              {"schema", r.schema},
                              {"database", "firebird:127.0.0.1:3050:/data/Sncdata.fdb"},
                              {"set_key_mismatch", r.set_key_mismatch},
                              {"row", row}};
  return j.dump();
}

}  // namespace qcflow::dqa3::testing
