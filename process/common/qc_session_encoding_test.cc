// EncodeQcSession writes with JsonWriter; before, it built an
// nlohmann::ordered_json and dumped it. Stored sessions are compared by their
// bytes (a re-derived session equal to the stored one is not written again),
// so the two must agree byte for byte: the old encoder is kept here as the
// reference and both encode many random sessions.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>
#include <random>

#include "process/common/qc_session.h"

namespace qcflow {
namespace {

using Json = nlohmann::ordered_json;

// The encoder as it was before JsonWriter (process/common/qc_session.cc at 3b2914f).
Json NumberToJson(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
  return d;
}

void PutIfSet(Json& j, const char* field, const std::string& value) {
  if (!value.empty()) j[field] = value;
}

Json ReferenceEncodeTest(const TestResult& t) {
  Json jt;
  jt["key"] = t.key;
  if (t.number) jt["number"] = NumberToJson(*t.number);
  if (t.text) jt["text"] = *t.text;
  if (t.skipped) jt["skipped"] = true;
  PutIfSet(jt, "comment", t.comment);
  PutIfSet(jt, "name", t.name);
  PutIfSet(jt, "unit", t.unit);
  if (t.role != TestRole::kMeasured) jt["role"] = std::string(TestRoleName(t.role));
  PutIfSet(jt, "measure", t.measure);
  if (t.reference) jt["reference"] = NumberToJson(*t.reference);
  if (t.tolerance) jt["tolerance"] = NumberToJson(*t.tolerance);
  PutIfSet(jt, "evaluation", t.evaluation);
  if (!t.parameters.empty()) jt["parameters"] = Json(t.parameters);
  if (t.file) {
    jt["file"] = {{"filename", t.file->filename}, {"encoding", t.file->encoding},
                  {"value", t.file->value}};
  }
  return jt;
}

std::string ReferenceEncode(const QcSession& s) {
  Json j;
  j["v"] = 3;
  j["source_kind"] = s.source_kind;
  j["source_id"] = s.source_id;
  Json machine = Json::object();
  PutIfSet(machine, "serial", s.machine.serial);
  PutIfSet(machine, "name", s.machine.name);
  PutIfSet(machine, "id", s.machine.id);
  PutIfSet(machine, "type", s.machine.type);
  PutIfSet(machine, "manufacturer", s.machine.manufacturer);
  PutIfSet(machine, "model", s.machine.model);
  j["machine"] = std::move(machine);
  if (!s.device.type.empty() || !s.device.serial.empty()) {
    j["device"] = {{"type", s.device.type}, {"serial", s.device.serial}};
  }
  PutIfSet(j, "procedure", s.procedure);
  PutIfSet(j, "performer", s.performer);
  PutIfSet(j, "zone", s.zone);
  j["unit_name"] = s.unit_name;
  if (s.unit_number) j["unit_number"] = *s.unit_number;
  j["test_list_name"] = s.test_list_name;
  j["machine_names"] = s.machine_names;
  j["test_list_vars"] = Json(s.test_list_vars);
  j["work_started"] = s.work_started;
  j["work_completed"] = s.work_completed;
  j["user_key"] = s.user_key;
  Json tests = Json::array();
  for (const TestResult& t : s.tests) tests.push_back(ReferenceEncodeTest(t));
  j["tests"] = std::move(tests);
  j["comment"] = s.comment;
  j["source_files"] = s.source_files;
  j["source_seqs"] = s.source_seqs;
  j["amendment"] = s.amendment;
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

class RandomSessions {
 public:
  explicit RandomSessions(uint64_t seed) : rng_(seed) {}

  QcSession Next() {
    QcSession s;
    s.source_kind = Text();
    s.source_id = Text();
    s.machine = {Text(), Text(), Text(), Text(), Text(), Text()};
    if (Coin()) s.device = {Text(), Text()};
    s.procedure = Text();
    s.performer = Text();
    s.zone = Text();
    s.unit_name = Text();
    if (Coin()) s.unit_number = static_cast<int64_t>(rng_());
    s.test_list_name = Text();
    for (size_t i = rng_() % 3; i > 0; --i) s.machine_names.push_back(Text());
    for (size_t i = rng_() % 3; i > 0; --i) s.test_list_vars[Text()] = Text();
    s.work_started = static_cast<int64_t>(rng_());
    s.work_completed = static_cast<int64_t>(rng_() >> 1);
    s.user_key = Text();
    for (size_t i = rng_() % 6; i > 0; --i) s.tests.push_back(Test());
    s.comment = Text();
    for (size_t i = rng_() % 3; i > 0; --i) s.source_files.push_back(Text());
    for (size_t i = rng_() % 3; i > 0; --i) s.source_seqs.push_back(rng_());
    s.amendment = Coin();
    return s;
  }

 private:
  bool Coin() { return rng_() % 2 == 0; }

  // Empty half the time (fields written only when set), else a mix of
  // ordinary text, escapes, multi-byte UTF-8 and bytes that are not UTF-8.
  std::string Text() {
    static const std::string kPieces[] = {"MPC", "Beam", " ", "\"", "\\", "\n", "\t", "\x01", "\x1b",
                                          "\xC2\xB0", "\xC3\xA9", "\xF0\x9F\x98\x80", "\xFF",
                                          "\xC3", "/", "Results.csv", "0.5"};
    std::string s;
    if (Coin()) return s;
    for (size_t n = 1 + rng_() % 5; n > 0; --n) s += kPieces[rng_() % std::size(kPieces)];
    return s;
  }

  double Number() {
    switch (rng_() % 5) {
      case 0: return std::numeric_limits<double>::quiet_NaN();
      case 1: return (Coin() ? 1 : -1) * std::numeric_limits<double>::infinity();
      case 2: return static_cast<double>(static_cast<int64_t>(rng_() % 2001) - 1000);
      case 3: return static_cast<double>(static_cast<int64_t>(rng_() % 200001) - 100000) / 1000;
      default: {
        uint64_t bits = rng_();
        double d;
        std::memcpy(&d, &bits, sizeof d);
        return d;  // any bit pattern, NaN and infinity included
      }
    }
  }

  TestResult Test() {
    TestResult t;
    t.key = Text();
    switch (rng_() % 4) {
      case 0: t.number = Number(); break;
      case 1: t.text = Text(); break;
      case 2: t.skipped = true; break;
      default: break;
    }
    t.comment = Text();
    t.name = Text();
    t.unit = Text();
    t.role = static_cast<TestRole>(rng_() % 4);
    t.measure = Text();
    if (Coin()) t.reference = Number();
    if (Coin()) t.tolerance = Number();
    t.evaluation = Text();
    for (size_t i = rng_() % 3; i > 0; --i) t.parameters[Text()] = Text();
    if (rng_() % 4 == 0) t.file = FileValue{Text(), Text(), Text()};
    return t;
  }

  std::mt19937_64 rng_;
};

TEST(QcSessionEncoding, EqualsThePreviousEncoderByteForByte) {
  RandomSessions sessions(2026);
  for (int i = 0; i < 20000; ++i) {
    const QcSession s = sessions.Next();
    ASSERT_EQ(EncodeQcSession(s), ReferenceEncode(s)) << "session " << i;
  }
}

TEST(QcSessionEncoding, EmptySessionEqualsThePreviousEncoder) {
  EXPECT_EQ(EncodeQcSession(QcSession{}), ReferenceEncode(QcSession{}));
}

}  // namespace
}  // namespace qcflow
