// JsonWriter: appends compact JSON to a string as it is written, without
// building a document first. Sessions are encoded by the thousand per step;
// building an nlohmann::ordered_json for each (a linear key search per field,
// one allocation per value) cost more than building the session itself.
//
// The output is byte for byte what nlohmann::json::dump(-1, ' ', false,
// error_handler_t::replace) writes for the same document (shortest round-trip
// doubles with nlohmann's layout, "5.0" for integral doubles; control
// characters escaped; a byte that is not UTF-8 becomes U+FFFD), so encodings
// written before and after it compare equal.
#ifndef QCFLOW_PROCESS_COMMON_JSON_WRITER_H_
#define QCFLOW_PROCESS_COMMON_JSON_WRITER_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace qcflow {

class JsonWriter {
 public:
  // REQUIRES: out outlives the writer.
  explicit JsonWriter(std::string* out) : out_(out) {}

  // REQUIRES (all below): calls form one valid document — every Key inside
  // an object and followed by one value, Begin/End balanced.
  void BeginObject();
  void EndObject();
  void BeginArray();
  void EndArray();
  void Key(std::string_view key);

  void String(std::string_view value);
  // REQUIRES: finite (JSON has no NaN or Infinity; nlohmann would write null).
  void Double(double value);
  void Int(int64_t value);
  void Uint(uint64_t value);
  void Bool(bool value);

 private:
  void BeforeValue();
  void Open(char bracket);   // '{' or '['
  void Close(char bracket);  // '}' or ']'
  void AppendQuoted(std::string_view s);

  std::string* out_;
  bool need_comma_ = false;  // a value was written at this level
};

}  // namespace qcflow

#endif  // QCFLOW_PROCESS_COMMON_JSON_WRITER_H_
