#include "process/common/json_writer.h"

#include <gtest/gtest.h>

#include <cfloat>
#include <cmath>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>
#include <random>

namespace qcflow {
namespace {

// What the writer promises to equal.
std::string NlohmannDump(const nlohmann::ordered_json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string WriteDouble(double d) {
  std::string out;
  JsonWriter(&out).Double(d);
  return out;
}

std::string WriteString(std::string_view s) {
  std::string out;
  JsonWriter(&out).String(s);
  return out;
}

TEST(JsonWriter, DoublesAreNlohmannsLayout) {
  const double cases[] = {0.0, -0.0, 1.0, -1.0, 5.0, 0.1, -0.17, 100.5, 1e-5, 1e-4, 1.5e-7,
                          123456789012345.0, 1e15, 1e16, 1e17, 1.7976931348623157e308,
                          DBL_MIN, DBL_TRUE_MIN, -DBL_MAX, 1e-300, 2.5e21, 0.3333333333333333};
  for (double d : cases) EXPECT_EQ(WriteDouble(d), NlohmannDump(d)) << d;
}

TEST(JsonWriter, RandomDoublesAreNlohmannsLayout) {
  std::mt19937_64 rng(16);
  for (int i = 0; i < 200000; ++i) {
    uint64_t bits = rng();
    double d;
    std::memcpy(&d, &bits, sizeof d);
    if (!std::isfinite(d)) continue;
    if (i % 2) d = std::ldexp(static_cast<double>(bits % 2000000) - 1e6, -static_cast<int>(i % 40));
    ASSERT_EQ(WriteDouble(d), NlohmannDump(d)) << "bits " << bits;
  }
}

TEST(JsonWriter, StringsEscapeAndReplaceLikeNlohmann) {
  const std::string cases[] = {"", "plain", "quote \" backslash \\ slash /", "\b\f\n\r\t",
                               std::string("nul \0 inside", 12), "\x01\x1f\x7f", "\xC2\xB0 \xC3\xA9",
                               "\xF0\x9F\x98\x80", "bad \xFF byte", "cut \xC3", "\xE2\x82", "\xC0\xAF",
                               "\xED\xA0\x80 surrogate", "mixed \"\xFF\" \n"};
  for (const std::string& s : cases) EXPECT_EQ(WriteString(s), NlohmannDump(s)) << s;
}

TEST(JsonWriter, RandomStringsEscapeAndReplaceLikeNlohmann) {
  std::mt19937_64 rng(19);
  const std::string alphabet = std::string("ab\"\\\n\x01\x7f\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\xFF\xC0", 20);
  for (int i = 0; i < 50000; ++i) {
    std::string s;
    const size_t n = rng() % 12;
    for (size_t k = 0; k < n; ++k) {
      if (rng() % 3 == 0) {
        s.push_back(static_cast<char>(rng() % 256));  // any byte
      } else {
        s.push_back(alphabet[rng() % alphabet.size()]);
      }
    }
    ASSERT_EQ(WriteString(s), NlohmannDump(s)) << testing::PrintToString(s);
  }
}

TEST(JsonWriter, NestedDocumentMatchesNlohmann) {
  std::string out;
  JsonWriter w(&out);
  w.BeginObject();
  w.Key("a");
  w.Int(-9223372036854775807 - 1);
  w.Key("b");
  w.BeginArray();
  w.Uint(18446744073709551615ull);
  w.BeginObject();
  w.EndObject();
  w.BeginArray();
  w.EndArray();
  w.Bool(false);
  w.String("x");
  w.EndArray();
  w.Key("k\"ey\n");
  w.Double(2.0);
  w.Key("c");
  w.BeginObject();
  w.Key("d");
  w.Bool(true);
  w.EndObject();
  w.EndObject();
  nlohmann::ordered_json j;
  j["a"] = std::numeric_limits<int64_t>::min();
  j["b"] = nlohmann::ordered_json::array(
      {18446744073709551615ull, nlohmann::ordered_json::object(), nlohmann::ordered_json::array(),
       false, "x"});
  j["k\"ey\n"] = 2.0;
  j["c"] = {{"d", true}};
  EXPECT_EQ(out, NlohmannDump(j));
}

}  // namespace
}  // namespace qcflow
