// Internal to ingest/dqa3: one SOCI result row -> the record payload's "row" object
// and the values the envelope needs (notes/contracts.md, DQA3 journal record).
#ifndef QCFLOW_INGEST_DQA3_ROW_JSON_H_
#define QCFLOW_INGEST_DQA3_ROW_JSON_H_

#include <ctime>
#include <string>
#include <string_view>
#include <vector>

#include "store/status.h"
#include "store/time_util.h"

namespace soci {
class row;
}

namespace qcflow::dqa3 {

struct ConvertedRow {
  std::string row_json;         // {"tr.DATA_KEY":123,...} in column order
  std::string data_key;         // column 0 as text
  std::string set_key;          // tr.SET_KEY as text ("" when the schema has none)
  bool set_key_mismatch = false;
  CivilTime work_started;       // column 1, the database's wall clock
  std::string work_started_text;  // "YYYY-MM-DD HH:MM:SS"
  bool replaced_invalid_utf8 = false;  // a text value was not valid UTF-8
};

// REQUIRES: row has keys.size() columns, selected in `keys` order; keys[0] is the
// data key and keys[1] the measurement datetime. `win1251`: text is WIN1251 bytes.
Result<ConvertedRow> ConvertRow(const soci::row& row, const std::vector<std::string>& keys,
                                bool win1251);

// WIN1251 (CP1251) bytes -> UTF-8. Every byte has a mapping except 0x98 (-> U+FFFD).
std::string Win1251ToUtf8(std::string_view bytes);

// A wall-clock time as the std::tm SOCI binds to TIMESTAMP parameters.
std::tm ToTm(const CivilTime& c);


}  // namespace qcflow::dqa3

#endif  // QCFLOW_INGEST_DQA3_ROW_JSON_H_
