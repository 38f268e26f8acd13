// Small text helpers every layer uses (the base library's, beside status.h).
#ifndef QCFLOW_STORE_TEXT_UTIL_H_
#define QCFLOW_STORE_TEXT_UTIL_H_

#include <string_view>

namespace qcflow {

// `s` without leading and trailing characters of `chars`.
inline std::string_view TrimChars(std::string_view s, std::string_view chars = " \t\r\n") {
  const size_t b = s.find_first_not_of(chars);
  if (b == std::string_view::npos) return {};
  return s.substr(b, s.find_last_not_of(chars) - b + 1);
}

}  // namespace qcflow

#endif  // QCFLOW_STORE_TEXT_UTIL_H_
