// Test-only: DQA3 journal payloads as the dqa3 source writes them (the
// contract in notes/contracts.md / docs/dqa3.md), for every schema version,
// so process/dqa3 tests do not depend on a database. Each result column gets
// a distinct value, so a test can compute every expected macro value itself.
#ifndef QCFLOW_PROCESS_DQA3_DQA3_TEST_ROWS_H_
#define QCFLOW_PROCESS_DQA3_DQA3_TEST_ROWS_H_

#include <cstdint>
#include <map>
#include <string>
#include <variant>

namespace qcflow::dqa3::testing {

using TestValue = std::variant<std::nullptr_t, int64_t, double, std::string>;

struct TestRow {
  std::string schema;
  bool set_key_mismatch = false;
  std::map<std::string, TestValue> cols;  // payload "row" keys as the source writes them

  double Num(const std::string& key) const;  // REQUIRES: cols[key] is a number
  TestRow& Set(const std::string& key, TestValue v) {
    cols[key] = std::move(v);
    return *this;
  }
};

struct BeamSpec {
  int64_t data_key = 1;
  std::string measured = "2024-05-01 07:12:33";
  int64_t machine_id = 7;
  std::string machine = "TrueBeam 1";
  std::string room = "Bunker A";
  std::string beam_name = "6 MV";
  std::string beam_type = "Photon";  // Photon | Electron | FFF
  double energy = 6.0;
  std::string wedge_type;            // "" = none
  int64_t wedge_angle = 0;
};

// A wedged photon beam ("6MV EDW60" style).
BeamSpec WedgeBeam(int64_t data_key, const std::string& wedge_type, int64_t angle);

// A complete row of `schema` ("01.03", "01.04", "01.06", "1.5") for `beam`.
// Result values depend on data_key and the column, never repeat within a row.
TestRow MakeTestRow(const std::string& schema, const BeamSpec& beam);

// The payload JSON for the journal record.
std::string EncodeTestPayload(const TestRow& row);

}  // namespace qcflow::dqa3::testing

#endif  // QCFLOW_PROCESS_DQA3_DQA3_TEST_ROWS_H_
