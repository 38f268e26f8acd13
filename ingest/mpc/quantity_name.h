// The name column of a Results.csv row, "<group path> [<unit>]", split into the
// quantity and its unit (shared/spec/mpc.md "Results.csv"):
//   "IsoCenterGroup/IsoCenterSize [mm]"  -> {"IsoCenterGroup/IsoCenterSize", "mm"}
//   "GantryGroup/GantryAbsolute [Â°]"    -> {"GantryGroup/GantryAbsolute", "°"}
//   "SomeGroup/Count"                    -> {"SomeGroup/Count", ""}
// The mis-decoded "Â°" of some files is read as "°"; nothing else is changed.
#ifndef QCFLOW_INGEST_MPC_QUANTITY_NAME_H_
#define QCFLOW_INGEST_MPC_QUANTITY_NAME_H_

#include <string>
#include <string_view>

namespace qcflow::mpc {

struct QuantityName {
  std::string name;  // trimmed, without the unit
  std::string unit;  // "" when the name has no trailing "[...]"
};

QuantityName SplitQuantityName(std::string_view column);

}  // namespace qcflow::mpc

#endif  // QCFLOW_INGEST_MPC_QUANTITY_NAME_H_
