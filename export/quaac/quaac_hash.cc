#include "export/quaac/quaac_hash.h"

#include <openssl/evp.h>

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <span>

#include "store/text_util.h"

namespace qcflow::quaac {
namespace {

using json = nlohmann::json;

// Python's str.strip() for the ASCII whitespace it strips (the non-ASCII
// spaces it also strips do not occur in what qcflow writes).
constexpr std::string_view kPythonSpace = " \t\n\r\v\f\x1c\x1d\x1e\x1f";

// Decodes one UTF-8 sequence at s[*i]; U+FFFD (one byte consumed) when invalid.
uint32_t NextCodePoint(std::string_view s, size_t* i) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = byte(*i);
  const int n = c < 0x80 ? 0 : (c >> 5) == 0x6 ? 1 : (c >> 4) == 0xE ? 2 : (c >> 3) == 0x1E ? 3 : -1;
  if (n == 0) return ++*i, c;
  if (n < 0 || *i + n >= s.size()) {
    return ++*i, 0xFFFD;
  }
  uint32_t cp = c & (0x3F >> n);
  for (int k = 1; k <= n; ++k) {
    if ((byte(*i + k) & 0xC0) != 0x80) return ++*i, 0xFFFD;
    cp = (cp << 6) | (byte(*i + k) & 0x3F);
  }
  static constexpr uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
  if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return ++*i, 0xFFFD;
  *i += n + 1;
  return cp;
}

void AppendEscapedString(std::string_view s, std::string* out) {
  char buf[8];
  auto u = [&](uint32_t unit) {
    std::snprintf(buf, sizeof buf, "\\u%04x", unit);
    *out += buf;
  };
  *out += '"';
  for (size_t i = 0; i < s.size();) {
    const uint32_t cp = NextCodePoint(s, &i);
    switch (cp) {
      case '"': *out += "\\\""; break;
      case '\\': *out += "\\\\"; break;
      case '\n': *out += "\\n"; break;
      case '\r': *out += "\\r"; break;
      case '\t': *out += "\\t"; break;
      case '\b': *out += "\\b"; break;
      case '\f': *out += "\\f"; break;
      default:
        if (cp < 0x20 || cp > 0x7E) {  // Python escapes DEL too
          if (cp >= 0x10000) {
            u(0xD800 + ((cp - 0x10000) >> 10));
            u(0xDC00 + ((cp - 0x10000) & 0x3FF));
          } else {
            u(cp);
          }
        } else {
          *out += static_cast<char>(cp);
        }
    }
  }
  *out += '"';
}

void Dump(const json& v, std::string* out) {
  switch (v.type()) {
    case json::value_t::null: *out += "null"; break;
    case json::value_t::boolean: *out += v.get<bool>() ? "true" : "false"; break;
    case json::value_t::number_integer: *out += std::to_string(v.get<int64_t>()); break;
    case json::value_t::number_unsigned: *out += std::to_string(v.get<uint64_t>()); break;
    case json::value_t::number_float: *out += PythonFloatRepr(v.get<double>()); break;
    case json::value_t::string: AppendEscapedString(v.get_ref<const std::string&>(), out); break;
    case json::value_t::array: {
      *out += '[';
      bool first = true;
      for (const json& e : v) {
        if (!first) *out += ", ";
        first = false;
        Dump(e, out);
      }
      *out += ']';
      break;
    }
    case json::value_t::object: {
      *out += '{';
      bool first = true;
      for (const auto& [k, e] : v.items()) {  // std::map: sorted by UTF-8 bytes
        if (!first) *out += ", ";
        first = false;
        AppendEscapedString(k, out);
        *out += ": ";
        Dump(e, out);
      }
      *out += '}';
      break;
    }
    default: *out += "null"; break;  // binary / discarded: never in parsed JSON
  }
}

// A declared field: its underscore name, the alias a document writes, and what
// it holds. kRequired* fields have no default; the others are filled.
enum class Field { kString, kRequiredString, kAny, kRequiredAny, kDatetime, kMap, kList };
struct FieldSpec {
  const char* name;
  const char* alias;
  Field field;
  const char* default_string;  // for kString
};

constexpr FieldSpec kDataPointFields[] = {
    {"name", "name", Field::kRequiredString, nullptr},
    {"perform_datetime", "perform datetime", Field::kDatetime, nullptr},
    {"measurement_value", "measurement value", Field::kRequiredAny, nullptr},
    {"measurement_unit", "measurement unit", Field::kRequiredString, nullptr},
    {"reference_value", "reference value", Field::kAny, nullptr},
    {"description", "description", Field::kString, ""},
    {"procedure", "procedure", Field::kString, ""},
    {"performer", "performer", Field::kRequiredString, nullptr},
    {"performer_comment", "performer comment", Field::kString, ""},
    {"primary_equipment", "primary equipment", Field::kRequiredString, nullptr},
    {"reviewer", "reviewer", Field::kAny, nullptr},
    {"parameters", "parameters", Field::kMap, nullptr},
    {"ancillary_equipment", "ancillary equipment", Field::kList, nullptr},
    {"attachments", "attachments", Field::kList, nullptr},
};
constexpr FieldSpec kEquipmentFields[] = {
    {"name", "name", Field::kRequiredString, nullptr},
    {"type", "type", Field::kRequiredString, nullptr},
    {"serial_number", "serial number", Field::kRequiredString, nullptr},
    {"manufacturer", "manufacturer", Field::kRequiredString, nullptr},
    {"model", "model", Field::kRequiredString, nullptr},
};
constexpr FieldSpec kUserFields[] = {
    {"name", "name", Field::kRequiredString, nullptr},
    {"email", "email", Field::kRequiredString, nullptr},
};
constexpr FieldSpec kAttachmentFields[] = {
    {"name", "name", Field::kRequiredString, nullptr},
    {"content", "content", Field::kRequiredString, nullptr},
    {"comment", "comment", Field::kString, ""},
    {"encoding", "encoding", Field::kString, "base64"},
    {"compression", "compression", Field::kAny, "gzip"},
};

std::span<const FieldSpec> FieldsOf(ObjectKind kind) {
  switch (kind) {
    case ObjectKind::kDataPoint: return kDataPointFields;
    case ObjectKind::kEquipment: return kEquipmentFields;
    case ObjectKind::kUser: return kUserFields;
    case ObjectKind::kAttachment: return kAttachmentFields;
  }
  return {};
}

// pydantic's EmailStr keeps the local part and lower-cases the domain.
std::string NormalizedEmail(std::string_view email) {
  std::string out(email);
  const size_t at = out.rfind('@');
  if (at == std::string::npos) return out;
  for (size_t i = at + 1; i < out.size(); ++i) {
    out[i] = static_cast<char>(std::tolower(static_cast<unsigned char>(out[i])));
  }
  return out;
}

int Digits(std::string_view s, size_t pos, size_t n, bool* ok) {
  int v = 0;
  if (pos + n > s.size()) { *ok = false; return 0; }
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') { *ok = false; return 0; }
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

}  // namespace

std::string PythonFloatRepr(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "Infinity" : "-Infinity";
  // Shortest round-trip digits in "d.ddde±XX" form, then Python's layout rule:
  // scientific when the decimal exponent is < -4 or >= 16.
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
  std::string_view sci(buf, r.ptr - buf);
  const bool negative = sci.front() == '-';
  if (negative) sci.remove_prefix(1);
  const size_t e = sci.find('e');
  std::string digits;
  for (char c : sci.substr(0, e)) {
    if (c != '.') digits += c;
  }
  int exp10 = 0;
  std::from_chars(sci.data() + e + 1 + (sci[e + 1] == '+'), sci.data() + sci.size(), exp10);
  std::string out = negative ? "-" : "";
  if (exp10 < -4 || exp10 >= 16) {
    out += digits.substr(0, 1);
    if (digits.size() > 1) out += "." + digits.substr(1);
    char ebuf[16];
    std::snprintf(ebuf, sizeof ebuf, "e%c%02d", exp10 < 0 ? '-' : '+', std::abs(exp10));
    return out + ebuf;
  }
  if (exp10 < 0) return out + "0." + std::string(-exp10 - 1, '0') + digits;
  const size_t int_len = static_cast<size_t>(exp10) + 1;
  if (digits.size() <= int_len) return out + digits + std::string(int_len - digits.size(), '0') + ".0";
  return out + digits.substr(0, int_len) + "." + digits.substr(int_len);
}

std::string PythonJsonDumps(const json& v) {
  std::string out;
  Dump(v, &out);
  return out;
}

std::string Md5Hex(std::string_view bytes) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(bytes.data(), bytes.size(), md, &len, EVP_md5(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) {
    out += kHex[md[i] >> 4];
    out += kHex[md[i] & 0xF];
  }
  return out;
}

Result<std::string> RenderPythonDatetime(std::string_view text) {
  const std::string_view t = TrimChars(text, kPythonSpace);
  bool ok = t.size() >= 19 && t[4] == '-' && t[7] == '-' && (t[10] == 'T' || t[10] == ' ') &&
            t[13] == ':' && t[16] == ':';
  Digits(t, 0, 4, &ok), Digits(t, 5, 2, &ok), Digits(t, 8, 2, &ok);
  Digits(t, 11, 2, &ok), Digits(t, 14, 2, &ok), Digits(t, 17, 2, &ok);
  if (!ok) return Status::InvalidArgument("not an ISO 8601 date-time: '" + std::string(text) + "'");
  std::string out(t.substr(0, 19));
  out[10] = 'T';
  size_t i = 19;
  if (i < t.size() && t[i] == '.') {
    size_t j = i + 1;
    while (j < t.size() && t[j] >= '0' && t[j] <= '9') ++j;
    if (j == i + 1 || j - i - 1 > 6) {
      return Status::InvalidArgument("bad fraction of a second in '" + std::string(text) + "'");
    }
    std::string frac(t.substr(i + 1, j - i - 1));
    frac.resize(6, '0');
    if (frac != "000000") out += "." + frac;
    i = j;
  }
  const std::string_view zone = t.substr(i);
  if (zone.empty()) return out;
  if (zone == "Z" || zone == "z") return out + "Z";
  bool zok = (zone[0] == '+' || zone[0] == '-') && (zone.size() == 6 || zone.size() == 5);
  const bool colon = zone.size() == 6;
  if (zok && colon && zone[3] != ':') zok = false;
  const int hh = Digits(zone, 1, 2, &zok), mm = Digits(zone, colon ? 4 : 3, 2, &zok);
  if (!zok || hh > 23 || mm > 59) {
    return Status::InvalidArgument("bad UTC offset in '" + std::string(text) + "'");
  }
  if (hh == 0 && mm == 0) return out + "Z";
  char buf[8];
  std::snprintf(buf, sizeof buf, "%c%02d:%02d", zone[0], hh, mm);
  return out + buf;
}

Result<json> CanonicalObject(ObjectKind kind, const json& written) {
  json out = json::object();
  // Extra keys as written; declared fields are replaced below.
  for (const auto& [k, v] : written.items()) {
    if (k != "hash") out[k] = v;
  }
  for (const FieldSpec& f : FieldsOf(kind)) {
    const json* v = nullptr;
    if (auto it = written.find(f.alias); it != written.end()) v = &*it;
    else if (auto it2 = written.find(f.name); it2 != written.end()) v = &*it2;
    out.erase(f.alias);
    const std::string name = f.name;
    const bool required = f.field == Field::kRequiredString || f.field == Field::kRequiredAny ||
                          f.field == Field::kDatetime;
    if (!v) {
      if (required) return Status::InvalidArgument("missing field '" + std::string(f.alias) + "'");
      if (f.field == Field::kMap) out[name] = json::object();
      else if (f.field == Field::kList) out[name] = json::array();
      else if (f.default_string) out[name] = f.default_string;
      else out[name] = nullptr;
      continue;
    }
    if (f.field == Field::kString || f.field == Field::kRequiredString ||
        f.field == Field::kDatetime) {
      if (!v->is_string()) {
        return Status::InvalidArgument("field '" + std::string(f.alias) + "' is not a string");
      }
      std::string s(TrimChars(v->get_ref<const std::string&>(), kPythonSpace));
      if (f.field == Field::kDatetime) {
        auto rendered = RenderPythonDatetime(s);
        if (!rendered.ok()) return rendered.status();
        s = std::move(*rendered);
      }
      if (kind == ObjectKind::kUser && name == "email") s = NormalizedEmail(s);
      out[name] = std::move(s);
    } else if (f.field == Field::kMap && !v->is_object()) {
      return Status::InvalidArgument("field '" + std::string(f.alias) + "' is not an object");
    } else if (f.field == Field::kList && !v->is_array()) {
      return Status::InvalidArgument("field '" + std::string(f.alias) + "' is not a list");
    } else {
      out[name] = *v;
    }
  }
  return out;
}

Result<std::string> ObjectHash(ObjectKind kind, const json& written) {
  auto canonical = CanonicalObject(kind, written);
  if (!canonical.ok()) return canonical.status();
  return Md5Hex(PythonJsonDumps(*canonical));
}

std::string ReferenceTo(std::string_view name, std::string_view hash) {
  return "(" + std::string(name) + ") " + std::string(hash);
}

std::string_view ReferencedHash(std::string_view reference) {
  const size_t close = reference.rfind(')');
  return TrimChars(close == std::string_view::npos ? reference : reference.substr(close + 1));
}

}  // namespace qcflow::quaac
