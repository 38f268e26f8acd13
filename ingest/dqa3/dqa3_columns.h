// The columns a DQA3 journal record's payload carries, per schema version.
//
// Each payload "row" key is "<alias>.<COLUMN>" (notes/contracts.md), and the
// source selects exactly that expression — no arithmetic, no renaming: formulas
// (baseline, energy per beam type, FFF flag) belong to process/dqa3. The lists are
// the spec's context and result columns plus data.SET_KEY / tr.SET_KEY (Firebird,
// SQL Server), which expose the vendor's DATA_KEY race.
#ifndef QCFLOW_INGEST_DQA3_DQA3_COLUMNS_H_
#define QCFLOW_INGEST_DQA3_DQA3_COLUMNS_H_

#include <string>
#include <string_view>
#include <vector>

namespace qcflow::dqa3 {

// The versions qcflow reads, as DetectSchema() normalises them.
inline constexpr std::string_view kSchema0103 = "01.03";  // Firebird
inline constexpr std::string_view kSchema0104 = "01.04";  // Firebird
inline constexpr std::string_view kSchema0106 = "01.06";  // SQL Server
inline constexpr std::string_view kSchemaAtlas15 = "1.5";  // Atlas (SQL Server)

bool IsSupportedSchema(std::string_view version);
bool IsAtlasSchema(std::string_view version);

// "01.04.00.00" -> "01.04", "1.5.2" -> "1.5"; trims spaces.
std::string NormaliseSchemaVersion(std::string_view raw);

// Payload keys for `version`, in select order. Empty for an unsupported version.
// The first key is always the data key, the second the work_started datetime.
const std::vector<std::string>& PayloadColumns(std::string_view version);

// Result quantities in every schema (lowercase, as process/dqa3 names macros).
const std::vector<std::string>& Dqa3Quantities();  // dose axsym trsym qaflat xsize ...

}  // namespace qcflow::dqa3

#endif  // QCFLOW_INGEST_DQA3_DQA3_COLUMNS_H_
