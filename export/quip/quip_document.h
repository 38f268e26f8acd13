// A QUIP document (shared/spec/export-formats.md, "QUIP"; shape of
// shared/fixtures/quip/JSON_data_example.json): machines, each with its
// identity, configuration and tests; a test holds the device, the time, the
// environment and its data values. Built from QcSessions (one test per
// session) and written as JSON.
#ifndef QCFLOW_EXPORT_QUIP_QUIP_DOCUMENT_H_
#define QCFLOW_EXPORT_QUIP_QUIP_DOCUMENT_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "process/common/qc_session.h"
#include "store/status.h"

namespace qcflow::quip {

struct KeyValue {
  std::string key;
  std::string value;
  bool operator==(const KeyValue&) const = default;
};

// A configuration value: {"field-code": "ENERGY", "unit-code": "MV", "value": "6"}.
struct ConfigValue {
  std::string field_code;
  std::string unit_code;  // "" is written as null
  std::string value;
  bool operator==(const ConfigValue&) const = default;
};

struct DataValue {
  std::string code;       // "DOSE", "AXIAL_SYMMETRY", ...
  bool raw = true;        // test-raw-data-value-code (a measurement), else test-value-code (a deviation)
  std::string unit;       // QUIP's spelling ("CENTIGRAY"); "" is written as null
  bool is_baseline = false;
  double value = 0;
  std::vector<KeyValue> attributes;  // "attribute-list" [{"type", "value"}]; omitted when empty
  bool operator==(const DataValue&) const = default;
};

// {"units": {"name": unit}, "value": value}; unit "" is written as null.
struct Quantity {
  std::string unit;
  double value = 0;
  bool operator==(const Quantity&) const = default;
};

struct MachineTest {
  std::string device_type;    // "Daily QA 3"; "" is written as null
  std::string device_serial;
  std::string performed_on;   // "22 Jun 2015 10:01:53 -0700": the source zone's clock and offset
  bool is_baseline = false;
  std::optional<Quantity> temperature;
  std::optional<Quantity> pressure;  // "atmospheric-pressure"
  std::vector<DataValue> data_values;
  bool operator==(const MachineTest&) const = default;
};

struct Machine {
  std::string serial;                    // "serial-number"; "" when the source has none ...
  std::vector<KeyValue> alternate_keys;  // ... then "alternate-mapping-key-value-pairs"
  std::vector<ConfigValue> configuration;  // "machine-configuration-values"
  std::vector<MachineTest> tests;
  bool operator==(const Machine&) const = default;
};

struct Document {
  std::vector<Machine> machines;
  bool operator==(const Document&) const = default;
};

// QUIP's unit for a source unit, and the power of ten the value is shifted by:
// "mm" -> CENTIMETERS, -1 (QUIP prefers cm), "%" -> PERCENTAGE, "°" -> DEGREES,
// "cGy" -> CENTIGRAY, "Gy" -> CENTIGRAY, +2, "MU" -> MONITOR_UNIT, "MU/min" ->
// MU_PER_MINUTE, "°C" -> CELSIUS; "" stays "" (unknown); any other as written.
struct QuipUnit {
  std::string name;
  int shift = 0;
};
QuipUnit QuipUnitOf(std::string_view source_unit);

// v × 10^shift, shifted in v's shortest decimal text so that 0.35 mm is
// 0.035 cm, not 0.034999999999999996.
double ShiftDecimal(double v, int shift);

// The data value code of a measure: DQA3's columns by QUIP's names (dose ->
// DOSE, axsym/axialsym -> AXIAL_SYMMETRY, trsym -> TRANS_SYMMETRY, qaflat ->
// FLATNESS, xsize/ysize -> X_/Y_DIMENSION, xshift/yshift -> X_/Y_SHIFT, energy
// -> DELTA_ENERGY); any other name upper-cased and slugged
// ("BeamGroup/BeamOutputChange" -> "BEAMGROUP_BEAMOUTPUTCHANGE").
std::string QuipCode(std::string_view measure);
// The data value code `test` is written with: QuipCode of its measure (its
// name, else key, without a reference's "_baseline" / a deviation's "_diff").
std::string QuipCodeOf(const TestResult& test);

// Appends `session` as one test of its machine: the machine with the same
// identity and configuration, appended when none has them. Identity: the
// serial, else alternate keys "<source>-id" (machine.id) and "linac-name"
// (machine.name). Configuration: the parameters every data value of the
// session shares (energy as ENERGY with MV / MeV / "MV FFF"; the others by
// upper-cased name); the others are each value's attribute-list. Measured
// tests are raw values, reference tests raw values with is-baseline, deviation
// tests test-value-code values; context tests named temperature / pressure are
// the test's environment; text, file, skipped and other context tests are not
// written. On error `doc` is unchanged.
Status AppendSession(const QcSession& session, Document* doc);

// The document as JSON ({"machines": [...]}; pretty with `indent` spaces, compact when < 0).
std::string WriteQuipJson(const Document& doc, int indent = 2);

}  // namespace qcflow::quip

#endif  // QCFLOW_EXPORT_QUIP_QUIP_DOCUMENT_H_
