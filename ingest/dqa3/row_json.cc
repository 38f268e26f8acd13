#include "ingest/dqa3/row_json.h"

#include <ctime>

#include <nlohmann/json.hpp>
#include <soci/soci.h>

namespace qcflow::dqa3 {
namespace {

using Json = nlohmann::ordered_json;

// CP1251 0x80..0xBF; 0xC0..0xFF are U+0410..U+044F.
const char16_t kWin1251High[64] = {
    0x0402, 0x0403, 0x201A, 0x0453, 0x201E, 0x2026, 0x2020, 0x2021,  // 80
    0x20AC, 0x2030, 0x0409, 0x2039, 0x040A, 0x040C, 0x040B, 0x040F,  // 88
    0x0452, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,  // 90
    0xFFFD, 0x2122, 0x0459, 0x203A, 0x045A, 0x045C, 0x045B, 0x045F,  // 98
    0x00A0, 0x040E, 0x045E, 0x0408, 0x00A4, 0x0490, 0x00A6, 0x00A7,  // A0
    0x0401, 0x00A9, 0x0404, 0x00AB, 0x00AC, 0x00AD, 0x00AE, 0x0407,  // A8
    0x00B0, 0x00B1, 0x0406, 0x0456, 0x0491, 0x00B5, 0x00B6, 0x00B7,  // B0
    0x0451, 0x2116, 0x0454, 0x00BB, 0x0458, 0x0405, 0x0455, 0x0457,  // B8
};

void AppendUtf8(char32_t cp, std::string* out) {
  if (cp < 0x80) {
    *out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    *out += static_cast<char>(0xC0 | (cp >> 6));
    *out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    *out += static_cast<char>(0xE0 | (cp >> 12));
    *out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    *out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

bool ValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t n;
    if (c < 0x80) {
      n = 0;
    } else if ((c >> 5) == 0x6) {
      n = 1;
    } else if ((c >> 4) == 0xE) {
      n = 2;
    } else if ((c >> 3) == 0x1E) {
      n = 3;
    } else {
      return false;
    }
    if (i + n >= s.size()) return false;
    for (size_t k = 1; k <= n; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    }
    i += n + 1;
  }
  return true;
}

CivilTime FromTm(const std::tm& t) {
  CivilTime c;
  c.year = t.tm_year + 1900;
  c.month = t.tm_mon + 1;
  c.day = t.tm_mday;
  c.hour = t.tm_hour;
  c.minute = t.tm_min;
  c.second = t.tm_sec;
  return c;
}

// Parses "YYYY-MM-DD HH:MM:SS[.ffffff]" (SQLite columns without a declared type).
bool ParseCivil(const std::string& s, CivilTime* c) {
  char frac[8] = {0};
  int n = std::sscanf(s.c_str(), "%d-%d-%d%*[ T]%d:%d:%d.%6[0-9]", &c->year, &c->month, &c->day,
                      &c->hour, &c->minute, &c->second, frac);
  if (n < 6) return false;
  if (n == 7) {
    std::string f(frac);
    f.resize(6, '0');
    c->micros = std::stoi(f);
  }
  return true;
}

std::string ValueText(const Json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

}  // namespace

std::string Win1251ToUtf8(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() * 2);
  for (char ch : bytes) {
    unsigned char b = static_cast<unsigned char>(ch);
    if (b < 0x80) {
      out += ch;
    } else if (b >= 0xC0) {
      AppendUtf8(0x0410 + (b - 0xC0), &out);
    } else {
      AppendUtf8(kWin1251High[b - 0x80], &out);
    }
  }
  return out;
}

std::tm ToTm(const CivilTime& c) {
  std::tm t{};
  t.tm_year = c.year - 1900;
  t.tm_mon = c.month - 1;
  t.tm_mday = c.day;
  t.tm_hour = c.hour;
  t.tm_min = c.minute;
  t.tm_sec = c.second;
  return t;
}

Result<ConvertedRow> ConvertRow(const soci::row& row, const std::vector<std::string>& keys,
                                bool win1251) {
  if (row.size() != keys.size()) {
    return Status::Internal("DQA3 query returned " + std::to_string(row.size()) +
                            " columns, expected " + std::to_string(keys.size()));
  }
  ConvertedRow out;
  Json obj = Json::object();
  Json tr_set, data_set;
  bool have_time = false;
  for (size_t i = 0; i < keys.size(); ++i) {
    Json v;  // null unless set below
    if (row.get_indicator(i) != soci::i_null) {
      switch (row.get_properties(i).get_data_type()) {
        case soci::dt_string:
        case soci::dt_xml:
        case soci::dt_blob: {
          std::string s = row.get<std::string>(i);
          if (win1251) {
            s = Win1251ToUtf8(s);
          } else if (!ValidUtf8(s)) {
            out.replaced_invalid_utf8 = true;
          }
          v = std::move(s);
          break;
        }
        case soci::dt_date: {
          CivilTime c = FromTm(row.get<std::tm>(i));
          if (i == 1) {
            out.work_started = c;
            have_time = true;
          }
          v = FormatCivil(c);
          break;
        }
        case soci::dt_double: v = row.get<double>(i); break;
        case soci::dt_integer: v = row.get<int>(i); break;
        case soci::dt_long_long: v = row.get<long long>(i); break;
        case soci::dt_unsigned_long_long: v = row.get<unsigned long long>(i); break;
      }
    }
    if (i == 1) {
      if (v.is_null()) {
        return Status::Corruption("a DQA3 row (" + keys[0] + " " + ValueText(obj[keys[0]]) +
                                  ") has no " + keys[1]);
      }
      if (!have_time && (!v.is_string() ||
          !ParseCivil(v.get<std::string>(), &out.work_started))) {
        return Status::Corruption("cannot read " + keys[1] + " " + v.dump() +
                                  " as a date and time");
      }
      out.work_started_text = FormatCivil(out.work_started);
    }
    if (keys[i] == "tr.SET_KEY") tr_set = v;
    if (keys[i] == "data.SET_KEY") data_set = v;
    obj[keys[i]] = std::move(v);
  }
  if (obj[keys[0]].is_null()) return Status::Corruption("a DQA3 row has no " + keys[0]);
  out.data_key = ValueText(obj[keys[0]]);
  if (!tr_set.is_null()) out.set_key = ValueText(tr_set);
  out.set_key_mismatch = !tr_set.is_null() && !data_set.is_null() &&
                         ValueText(tr_set) != ValueText(data_set);
  out.row_json = obj.dump(-1, ' ', false, Json::error_handler_t::replace);
  return out;
}

}  // namespace qcflow::dqa3
