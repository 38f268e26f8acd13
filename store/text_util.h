// Small text helpers every layer uses (the base library's, beside status.h).
#ifndef QCFLOW_STORE_TEXT_UTIL_H_
#define QCFLOW_STORE_TEXT_UTIL_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/status.h"

namespace qcflow {

// `s` without leading and trailing characters of `chars`.
inline std::string_view TrimChars(std::string_view s, std::string_view chars = " \t\r\n") {
  const size_t b = s.find_first_not_of(chars);
  if (b == std::string_view::npos) return {};
  return s.substr(b, s.find_last_not_of(chars) - b + 1);
}

// Characters (code points) of UTF-8 text: the bytes that do not continue one.
inline size_t Utf8Length(std::string_view s) {
  size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

// True when one of the fnmatch(3) `globs` matches `text`; an empty glob never does.
bool MatchesAnyGlob(const std::vector<std::string>& globs, const std::string& text);

// Base64 (RFC 4648, with padding) of `bytes`.
std::string Base64(std::string_view bytes);

// The byte offset of the first byte that is not well-formed UTF-8 (overlong
// forms, surrogates and code points above U+10FFFF are not), or nullopt.
std::optional<size_t> FirstInvalidUtf8(std::string_view bytes);

// Single-byte text to UTF-8. Latin-1 maps every byte; Windows-1252 maps
// 0x80-0x9F to its printable characters (the euro sign, curly quotes, ...)
// and has five unassigned bytes (0x81, 0x8D, 0x8F, 0x90, 0x9D): for those,
// *bad_offset is set to the first one and "" returned.
std::string Latin1ToUtf8(std::string_view bytes);
std::string Cp1252ToUtf8(std::string_view bytes, std::optional<size_t>* bad_offset);

// `bytes` in `encoding` ("utf-8", "latin-1" or "cp1252") as UTF-8. InvalidArgument:
// "byte offset N is not valid <encoding> text", or an unknown encoding.
Result<std::string> TextToUtf8(std::string_view bytes, std::string_view encoding);

}  // namespace qcflow

#endif  // QCFLOW_STORE_TEXT_UTIL_H_
