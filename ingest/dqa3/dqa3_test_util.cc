#include "ingest/dqa3/dqa3_test_util.h"

#include <gtest/gtest.h>

#include "ingest/dqa3/dqa3_columns.h"
#include "store/journal.h"

namespace qcflow::dqa3::testing {
namespace {

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool IsKeyColumn(const std::string& k) {
  return EndsWith(k, "_KEY") || EndsWith(k, "Id") || k == "energy.BeamTypeFlag";
}

bool IsTimeColumn(const std::string& k) {
  return k == "tr.MEASURED_DATETIME" || k == "data.Created";
}

bool IsTextColumn(const std::string& k) {
  for (const char* t : {"COMMENTS", "SIGNATURE", "SERIAL", "TREE_NAME", "BEAMTYPE", "WEDGETYPE",
                        "WEDGEORIENT", "AdditionalNotes", "CollectedBy", "SerialNumber",
                        "MachineName", "RoomNumber", "BeamType", "MachineTestName", "WedgeType",
                        "WedgeOrient"}) {
    if (EndsWith(k, std::string(".") + t)) return true;
  }
  return false;
}

}  // namespace

std::vector<Journaled> JournaledDqa3(Store* store) {
  std::vector<Journaled> out;
  Result<uint64_t> r = store->journal().Scan(1, SIZE_MAX, [&](uint64_t, const RecordView& v) {
    if (v.kind == Kind::kDqa3) {
      out.push_back({v.ToRecord(), nlohmann::json::parse(v.payload)});
    }
    return true;
  });
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return out;
}

void ExpectPayloadContract(const nlohmann::json& p, const std::string& version,
                           const std::string& identity) {
  EXPECT_EQ(p.value("v", 0), 1);
  EXPECT_EQ(p.value("schema", ""), version);
  EXPECT_EQ(p.value("database", ""), identity);
  ASSERT_TRUE(p.contains("set_key_mismatch") && p["set_key_mismatch"].is_boolean()) << p.dump();
  ASSERT_TRUE(p.contains("row") && p["row"].is_object()) << p.dump();
  const nlohmann::json& row = p["row"];
  const std::vector<std::string>& keys = PayloadColumns(version);
  EXPECT_EQ(row.size(), keys.size()) << row.dump();
  for (const std::string& k : keys) {
    ASSERT_TRUE(row.contains(k)) << "payload lacks " << k << ": " << row.dump();
    const nlohmann::json& v = row[k];
    if (v.is_null()) {
      // Only free text and wedge details may be NULL in the simulated data.
      EXPECT_TRUE(IsTextColumn(k) || k.find("Wedge") != std::string::npos ||
                  k.find("WEDGE") != std::string::npos)
          << k << " is null";
      continue;
    }
    if (IsTimeColumn(k)) {
      ASSERT_TRUE(v.is_string()) << k;
      EXPECT_EQ(v.get<std::string>().size(), 19u) << k << " " << v;
    } else if (IsKeyColumn(k) || EndsWith(k, "WEDGEANGLE") || EndsWith(k, "WedgeAngle")) {
      EXPECT_TRUE(v.is_number_integer()) << k << " " << v;
    } else if (IsTextColumn(k)) {
      EXPECT_TRUE(v.is_string()) << k << " " << v;
    } else {
      EXPECT_TRUE(v.is_number_float()) << k << " " << v;
    }
  }
}

sim::Dqa3SimOptions SimOptions(const std::string& version, int machines, int beams, int days) {
  sim::Dqa3SimOptions o;
  o.version = version;
  o.machines = machines;
  o.beams_per_machine = beams;
  o.days = days;
  return o;
}

MicrosUtc HourAfter(const CivilTime& last, const std::string& zone) {
  return CivilToUtc(last, zone).value() + 3600 * kMicrosPerSecond;
}

}  // namespace qcflow::dqa3::testing
