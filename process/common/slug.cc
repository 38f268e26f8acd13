#include "process/common/slug.h"

#include <cstdint>
#include <unordered_map>

namespace qcflow {
namespace {

// NFKD of U+00A0..U+017F with non-ASCII code points removed, i.e. what
// Python's unicodedata.normalize("NFKD", c).encode("ascii", "ignore") yields
// (generated from Unicode 14 data). "" means the character is dropped.
constexpr const char* kLatinToAscii[] = {
    /* U+00A0 */ " ", "", "", "", "", "", "", "", " ", "", "a", "", "", "", "", " ",
    /* U+00B0 */ "", "", "2", "3", " ", "", "", "", " ", "1", "o", "", "14", "12", "34", "",
    /* U+00C0 */ "A", "A", "A", "A", "A", "A", "", "C", "E", "E", "E", "E", "I", "I", "I", "I",
    /* U+00D0 */ "", "N", "O", "O", "O", "O", "O", "", "", "U", "U", "U", "U", "Y", "", "",
    /* U+00E0 */ "a", "a", "a", "a", "a", "a", "", "c", "e", "e", "e", "e", "i", "i", "i", "i",
    /* U+00F0 */ "", "n", "o", "o", "o", "o", "o", "", "", "u", "u", "u", "u", "y", "", "y",
    /* U+0100 */ "A", "a", "A", "a", "A", "a", "C", "c", "C", "c", "C", "c", "C", "c", "D", "d",
    /* U+0110 */ "", "", "E", "e", "E", "e", "E", "e", "E", "e", "E", "e", "G", "g", "G", "g",
    /* U+0120 */ "G", "g", "G", "g", "H", "h", "", "", "I", "i", "I", "i", "I", "i", "I", "i",
    /* U+0130 */ "I", "", "IJ", "ij", "J", "j", "K", "k", "", "L", "l", "L", "l", "L", "l", "L",
    /* U+0140 */ "l", "", "", "N", "n", "N", "n", "N", "n", "n", "", "", "O", "o", "O", "o",
    /* U+0150 */ "O", "o", "", "", "R", "r", "R", "r", "R", "r", "S", "s", "S", "s", "S", "s",
    /* U+0160 */ "S", "s", "T", "t", "T", "t", "", "", "U", "u", "U", "u", "U", "u", "U", "u",
    /* U+0170 */ "U", "u", "U", "u", "W", "w", "Y", "y", "Y", "Z", "z", "Z", "z", "Z", "z", "s",
};
constexpr uint32_t kTableFirst = 0xA0;
constexpr uint32_t kTableEnd = kTableFirst + sizeof(kLatinToAscii) / sizeof(kLatinToAscii[0]);
static_assert(kTableEnd == 0x180, "table covers Latin-1 Supplement and Latin Extended-A");

void AppendUtf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(char(cp));
  } else if (cp < 0x800) {
    out->push_back(char(0xC0 | (cp >> 6)));
    out->push_back(char(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(char(0xE0 | (cp >> 12)));
    out->push_back(char(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(char(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(char(0xF0 | (cp >> 18)));
    out->push_back(char(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(char(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(char(0x80 | (cp & 0x3F)));
  }
}

// Decodes one UTF-8 sequence at s[*i], advancing *i. Returns false (and leaves
// *i) for a byte that does not start a valid, shortest-form sequence.
bool DecodeUtf8(std::string_view s, size_t* i, uint32_t* cp) {
  const auto b0 = static_cast<unsigned char>(s[*i]);
  int len;
  uint32_t min;
  if (b0 < 0x80) {
    *cp = b0;
    ++*i;
    return true;
  } else if ((b0 & 0xE0) == 0xC0) {
    len = 2, *cp = b0 & 0x1F, min = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3, *cp = b0 & 0x0F, min = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4, *cp = b0 & 0x07, min = 0x10000;
  } else {
    return false;
  }
  if (*i + len > s.size()) return false;
  for (int k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(s[*i + k]);
    if ((b & 0xC0) != 0x80) return false;
    *cp = (*cp << 6) | (b & 0x3F);
  }
  if (*cp < min || *cp > 0x10FFFF || (*cp >= 0xD800 && *cp <= 0xDFFF)) return false;
  *i += len;
  return true;
}

// Valid UTF-8 passes unchanged; any other byte is taken as a Latin-1 character.
std::string NormalizeUtf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    size_t start = i;
    uint32_t cp;
    if (DecodeUtf8(s, &i, &cp)) {
      out.append(s.substr(start, i - start));
    } else {
      AppendUtf8(static_cast<unsigned char>(s[i]), &out);
      ++i;
    }
  }
  return out;
}

void ReplaceAll(std::string* s, std::string_view from, std::string_view to) {
  std::string out;
  out.reserve(s->size());
  size_t pos = 0;
  for (size_t hit; (hit = s->find(from, pos)) != std::string::npos; pos = hit + from.size()) {
    out.append(*s, pos, hit - pos);
    out.append(to);
  }
  out.append(*s, pos, std::string::npos);
  *s = std::move(out);
}

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c; }

bool IsWord(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// Python's re "\s" on str: includes the ASCII information separators 0x1C-0x1F.
bool IsSpace(char c) {
  return c == ' ' || (c >= '\t' && c <= '\r') || (c >= '\x1c' && c <= '\x1f');
}

// Step 2: Django's slugify (allow_unicode=False), as vendored by QCPump.
std::string DjangoSlugify(std::string_view utf8) {
  // NFKD -> ASCII, dropping what has no ASCII decomposition.
  std::string ascii;
  ascii.reserve(utf8.size());
  for (size_t i = 0; i < utf8.size();) {
    uint32_t cp;
    if (!DecodeUtf8(utf8, &i, &cp)) {  // cannot happen after NormalizeUtf8
      ++i;
      continue;
    }
    if (cp < 0x80) {
      ascii.push_back(char(cp));
    } else if (cp >= kTableFirst && cp < kTableEnd) {
      ascii.append(kLatinToAscii[cp - kTableFirst]);
    }
  }
  // Lowercase, keep word chars / whitespace / '-', collapse [-\s]+ to '-'.
  std::string out;
  out.reserve(ascii.size());
  bool in_dash_run = false;
  for (char c : ascii) {
    c = Lower(c);
    if (c == '-' || IsSpace(c)) {
      if (!in_dash_run) out.push_back('-');
      in_dash_run = true;
    } else if (IsWord(c)) {
      out.push_back(c);
      in_dash_run = false;
    }
    // Anything else is removed before the collapse in Django, so it does not
    // break a run: "a - ! - b" -> "a-b". Hence in_dash_run is left as is.
  }
  size_t b = out.find_first_not_of("-_");
  if (b == std::string::npos) return "";
  size_t e = out.find_last_not_of("-_");
  return out.substr(b, e - b + 1);
}

}  // namespace

std::string Slugify(std::string_view text) {
  // Step 1, in the spec's order (order matters: "[°]" must survive "Â" removal).
  std::string s = NormalizeUtf8(text);
  static constexpr std::string_view kReplacements[][2] = {
      {"\xC3\x82", ""},  // "Â": "°" mis-decoded as "Â°"
      {"/", "_"},        {" ", "_"},   {".", "_"},          {"-", "_"},
      {"[mm]", "mm"},    {"[\xC2\xB0]", "deg"},  // "[°]"
      {"[%]", "per"},
  };
  for (const auto& r : kReplacements) ReplaceAll(&s, r[0], r[1]);

  // Step 2.
  s = DjangoSlugify(s);

  // Step 3: collapse "__", prefix "_" before a leading digit (already lowercase).
  std::string out;
  out.reserve(s.size() + 1);
  for (char c : s) {
    if (c == '_' && !out.empty() && out.back() == '_') continue;
    out.push_back(c);
  }
  if (!out.empty() && out[0] >= '0' && out[0] <= '9') out.insert(out.begin(), '_');
  return out;
}

std::string MacroSlug(std::string_view name, std::string_view beam_label) {
  // Results.csv files repeat the same few dozen row names per beam, so a
  // backfill slugs the same text hundreds of thousands of times: remembered
  // per thread, bounded (real trees have a few hundred distinct names).
  constexpr size_t kMaxRemembered = 4096;
  thread_local std::unordered_map<std::string, std::string> remembered;
  thread_local std::string joined;
  joined.assign(name).append("_").append(beam_label);
  if (auto it = remembered.find(joined); it != remembered.end()) return it->second;
  std::string slug = Slugify(joined);
  if (remembered.size() >= kMaxRemembered) remembered.clear();
  remembered.emplace(joined, slug);
  return slug;
}

}  // namespace qcflow
