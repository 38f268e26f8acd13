#include "process/common/json_writer.h"

#include <simdjson.h>

#include <charconv>
#include <nlohmann/json.hpp>

namespace qcflow {

void JsonWriter::BeforeValue() {
  if (need_comma_) out_->push_back(',');
  need_comma_ = true;
}

void JsonWriter::Open(char bracket) {
  BeforeValue();
  out_->push_back(bracket);
  need_comma_ = false;
}

void JsonWriter::Close(char bracket) {
  out_->push_back(bracket);
  need_comma_ = true;
}

void JsonWriter::BeginObject() { Open('{'); }
void JsonWriter::EndObject() { Close('}'); }
void JsonWriter::BeginArray() { Open('['); }
void JsonWriter::EndArray() { Close(']'); }

void JsonWriter::Key(std::string_view key) {
  if (need_comma_) out_->push_back(',');
  AppendQuoted(key);
  out_->push_back(':');
  need_comma_ = false;  // the value follows without a comma
}

void JsonWriter::String(std::string_view value) {
  BeforeValue();
  AppendQuoted(value);
}

void JsonWriter::Double(double value) {
  BeforeValue();
  // nlohmann's own shortest round-trip formatting (exponent layout and the
  // ".0" of integral values differ from std::to_chars).
  char buf[64];
  char* end = nlohmann::detail::to_chars(buf, buf + sizeof buf, value);
  out_->append(buf, end);
}

void JsonWriter::Int(int64_t value) {
  BeforeValue();
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, value);
  out_->append(buf, r.ptr);
}

void JsonWriter::Uint(uint64_t value) {
  BeforeValue();
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, value);
  out_->append(buf, r.ptr);
}

void JsonWriter::Bool(bool value) {
  BeforeValue();
  out_->append(value ? "true" : "false");
}

void JsonWriter::AppendQuoted(std::string_view s) {
  bool plain = true;  // no byte to escape, and valid UTF-8
  bool ascii = true;
  for (unsigned char c : s) {
    if (c < 0x20 || c == '"' || c == '\\') plain = false;
    if (c >= 0x80) ascii = false;
  }
  if (!ascii && !simdjson::validate_utf8(s.data(), s.size())) {
    // Rare (an odd file name): nlohmann's replacement rules, exactly.
    out_->append(nlohmann::json(std::string(s)).dump(-1, ' ', false,
                                                     nlohmann::json::error_handler_t::replace));
    return;
  }
  out_->push_back('"');
  if (plain) {
    out_->append(s);
  } else {
    static constexpr char kHex[] = "0123456789abcdef";
    for (unsigned char c : s) {
      switch (c) {
        case '"': out_->append("\\\""); break;
        case '\\': out_->append("\\\\"); break;
        case '\b': out_->append("\\b"); break;
        case '\f': out_->append("\\f"); break;
        case '\n': out_->append("\\n"); break;
        case '\r': out_->append("\\r"); break;
        case '\t': out_->append("\\t"); break;
        default:
          if (c < 0x20) {
            const char esc[] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 15]};
            out_->append(esc, sizeof esc);
          } else {
            out_->push_back(static_cast<char>(c));
          }
      }
    }
  }
  out_->push_back('"');
}

}  // namespace qcflow
