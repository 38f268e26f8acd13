// The TRF columns table: which column an item part (`<item>_<sub>`) is, what
// its numbers mean, and the names of the linac state and wedge codes. It is
// data, not code: ingest/trf/columns.json (from PyMedPhys, shared/spec/trf.md),
// installed with qcflow as share/qcflow/trf/columns.json and found by
// FindColumnsFile() below.
//
// What is read from the file: `item_part_names` (key -> column name, in file
// order), `linac_state_codes` and `wedge_codes` (code -> name). Other keys are
// ignored. The value rule of each column (ValueRule) follows from its name and
// its place in `item_part_names`, as the spec's "Values" section says.
#ifndef QCFLOW_INGEST_TRF_COLUMNS_H_
#define QCFLOW_INGEST_TRF_COLUMNS_H_

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>

#include "store/status.h"

namespace qcflow::trf {

// How a column's raw number becomes the vendor's value.
enum class ValueRule : uint8_t {
  kInteger,       // the raw number (counters, codes without names, Table Isocentric)
  kTenth,         // raw ÷ 10: 0.1 MU (Step Dose), 0.1°, 0.1 mm
  kTenthNegated,  // -raw ÷ 10: `Y2 Leaf n/Scaled Actual (mm)`
  kUnsigned16,    // `Dose/Raw value (1/64th Mu)`: an int16 read as unsigned
  kLinacState,    // a code named by `linac_state_codes`
  kWedge,         // a code named by `wedge_codes`
};

struct ColumnInfo {
  std::string name;  // "Step Gantry/Scaled Actual (deg)"
  ValueRule rule = ValueRule::kInteger;
};

class ColumnsTable {
 public:
  // Parses the text of a columns.json; `where` (a path) prefixes every error.
  // Fails (InvalidArgument) when the text is not JSON, a key is not
  // `<int16>_<int16>`, a code is not an integer, or one of the columns the
  // value rules depend on (Step Dose, Dose raw, Linac State, Wedge Position,
  // Step Gantry/Scaled Actual) is missing.
  static Result<ColumnsTable> Parse(std::string_view json, std::string_view where);
  // Reads and parses the file at `path`.
  static Result<ColumnsTable> Load(const std::string& path);
  // Load(FindColumnsFile()).
  static Result<ColumnsTable> LoadInstalled();

  // The column of an item part, or nullptr when the table does not know it.
  const ColumnInfo* Find(int16_t item, int16_t sub) const;
  // The name of a linac state / wedge code, or nullptr when unknown.
  const std::string* StateName(int32_t code) const { return Lookup(states_, code); }
  const std::string* WedgeName(int32_t code) const { return Lookup(wedges_, code); }
  size_t size() const { return parts_.size(); }

 private:
  static uint32_t Key(int16_t item, int16_t sub) {
    return (static_cast<uint32_t>(static_cast<uint16_t>(item)) << 16) | static_cast<uint16_t>(sub);
  }
  static const std::string* Lookup(const std::map<int32_t, std::string>& m, int32_t code) {
    auto it = m.find(code);
    return it == m.end() ? nullptr : &it->second;
  }
  std::unordered_map<uint32_t, ColumnInfo> parts_;
  std::map<int32_t, std::string> states_, wedges_;
};

// Where qcflow's installed columns.json is, looked for in this order:
//   1. $QCFLOW_DATA_DIR/trf/columns.json, when QCFLOW_DATA_DIR is set;
//   2. <directory of the running binary>/../share/qcflow/trf/columns.json
//      (an install: /usr/local/bin/qcflow -> /usr/local/share/qcflow/...; the
//      build tree: the build copies it to <build>/share/qcflow/trf/);
//   3. <directory of the running binary>/share/qcflow/trf/columns.json (a
//      folder copied whole).
// The first that exists wins; NotFound lists every path tried.
Result<std::string> FindColumnsFile();

// Reads the whole file at `path` into *out (a log, or columns.json): NotFound
// or IOError with a sentence naming the path and the OS's reason.
Status ReadFileBytes(const std::string& path, std::string* out);

}  // namespace qcflow::trf

#endif  // QCFLOW_INGEST_TRF_COLUMNS_H_
