#include "store/text_util.h"

#include <fnmatch.h>

#include <cstdint>

namespace qcflow {
namespace {

void AppendUtf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    *out += char(cp);
  } else if (cp < 0x800) {
    *out += char(0xC0 | (cp >> 6));
    *out += char(0x80 | (cp & 0x3F));
  } else {
    *out += char(0xE0 | (cp >> 12));
    *out += char(0x80 | ((cp >> 6) & 0x3F));
    *out += char(0x80 | (cp & 0x3F));
  }
}

// Windows-1252's 0x80..0x9F; 0 = unassigned.
constexpr uint16_t kCp1252High[32] = {
    0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0,      0x017D, 0,      0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178};

}  // namespace

bool MatchesAnyGlob(const std::vector<std::string>& globs, const std::string& text) {
  for (const std::string& g : globs) {
    if (!g.empty() && ::fnmatch(g.c_str(), text.c_str(), 0) == 0) return true;
  }
  return false;
}

std::string Base64(std::string_view in) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8) | uint8_t(in[i + 2]);
    for (int s = 18; s >= 0; s -= 6) out += kAlphabet[(v >> s) & 63];
  }
  if (i < in.size()) {
    uint32_t v = uint8_t(in[i]) << 16;
    if (i + 1 < in.size()) v |= uint8_t(in[i + 1]) << 8;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += i + 1 < in.size() ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::optional<size_t> FirstInvalidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const uint8_t c = uint8_t(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t n = 0;
    uint32_t cp = 0, min = 0;
    if ((c & 0xE0) == 0xC0) {
      n = 1, cp = c & 0x1F, min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
      n = 2, cp = c & 0x0F, min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
      n = 3, cp = c & 0x07, min = 0x10000;
    } else {
      return i;
    }
    for (size_t k = 1; k <= n; ++k) {
      if (i + k >= s.size() || (uint8_t(s[i + k]) & 0xC0) != 0x80) return i;
      cp = (cp << 6) | (uint8_t(s[i + k]) & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return i;
    i += n + 1;
  }
  return std::nullopt;
}

std::string Latin1ToUtf8(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() + bytes.size() / 8);
  for (char c : bytes) AppendUtf8(uint8_t(c), &out);
  return out;
}

std::string Cp1252ToUtf8(std::string_view bytes, std::optional<size_t>* bad_offset) {
  std::string out;
  out.reserve(bytes.size() + bytes.size() / 8);
  for (size_t i = 0; i < bytes.size(); ++i) {
    const uint8_t c = uint8_t(bytes[i]);
    uint32_t cp = c;
    if (c >= 0x80 && c <= 0x9F) {
      cp = kCp1252High[c - 0x80];
      if (cp == 0) {
        *bad_offset = i;
        return "";
      }
    }
    AppendUtf8(cp, &out);
  }
  *bad_offset = std::nullopt;
  return out;
}

Result<std::string> TextToUtf8(std::string_view bytes, std::string_view encoding) {
  std::optional<size_t> bad;
  std::string text;
  if (encoding == "utf-8") {
    bad = FirstInvalidUtf8(bytes);
    if (!bad) text.assign(bytes);
  } else if (encoding == "latin-1") {
    text = Latin1ToUtf8(bytes);
  } else if (encoding == "cp1252") {
    text = Cp1252ToUtf8(bytes, &bad);
  } else {
    return Status::InvalidArgument("unknown text encoding '" + std::string(encoding) +
                                   "' (known: utf-8, latin-1, cp1252)");
  }
  if (bad) {
    return Status::InvalidArgument("byte offset " + std::to_string(*bad) + " is not valid " +
                                   std::string(encoding) + " text");
  }
  return text;
}

}  // namespace qcflow
