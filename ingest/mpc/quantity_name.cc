#include "ingest/mpc/quantity_name.h"

#include "store/text_util.h"

namespace qcflow::mpc {

QuantityName SplitQuantityName(std::string_view column) {
  column = TrimChars(column);
  const size_t open = column.rfind('[');
  if (column.empty() || column.back() != ']' || open == std::string_view::npos || open == 0) {
    return {std::string(column), ""};
  }
  std::string unit(TrimChars(column.substr(open + 1, column.size() - open - 2)));
  if (unit == "\xC3\x82\xC2\xB0") unit = "\xC2\xB0";  // "Â°" read back as "°"
  return {std::string(TrimChars(column.substr(0, open))), std::move(unit)};
}

}  // namespace qcflow::mpc
