#include "export/quip/quip_reader.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>

namespace qcflow::quip {
namespace {

using json = nlohmann::json;

std::string Example() {
  std::ifstream in(std::string(QCFLOW_QUIP_FIXTURES) + "/JSON_data_example.json");
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(QuipReader, ReadsTheRepositorysExampleWithItsSpelling) {
  const std::string text = Example();
  ASSERT_NE(text.find("is-basline"), std::string::npos);
  auto doc = ReadQuipJson(text);
  ASSERT_TRUE(doc.ok()) << doc.status().ToString();
  ASSERT_EQ(doc->machines.size(), 1u);
  const Machine& m = doc->machines[0];
  EXPECT_EQ(m.serial, "H191157");
  EXPECT_EQ(m.configuration[0], (ConfigValue{"ENERGY", "MeV", "6"}));
  ASSERT_EQ(m.tests.size(), 1u);
  EXPECT_EQ(m.tests[0].performed_on, "22 Jun 2015 10:01:53 -0700");
  EXPECT_EQ(m.tests[0].device_serial, "77030074");
  EXPECT_FALSE(m.tests[0].temperature);
  ASSERT_EQ(m.tests[0].data_values.size(), 8u);
  EXPECT_EQ(m.tests[0].data_values[0], (DataValue{.code = "DOSE", .unit = "CENTIGRAY", .value = 99.0037868714}));
}

TEST(QuipReader, AcceptsEitherBaselineSpelling) {
  json j = json::parse(Example());
  json& test = j["machines"][0]["tests"][0];
  test.erase("is-basline");
  test["is-baseline"] = true;
  auto doc = ReadQuipJson(j.dump());
  ASSERT_TRUE(doc.ok()) << doc.status().ToString();
  EXPECT_TRUE(doc->machines[0].tests[0].is_baseline);
}

TEST(QuipReader, NamesEveryProblem) {
  json j = json::parse(Example());
  j["machines"][0].erase("serial-number");
  json& test = j["machines"][0]["tests"][0];
  test.erase("is-basline");
  test["performed-on-date"] = "2015-06-22T10:01:53";
  test["data-values"][1]["test-value-code"] = "X";
  test["data-values"][2]["value"] = "99";
  auto doc = ReadQuipJson(j.dump());
  ASSERT_FALSE(doc.ok());
  const std::string m = doc.status().message();
  EXPECT_NE(m.find("machines[0]: neither serial-number"), std::string::npos) << m;
  EXPECT_NE(m.find("machines[0].tests[0]: missing 'is-baseline'"), std::string::npos) << m;
  EXPECT_NE(m.find("performed-on-date '2015-06-22T10:01:53'"), std::string::npos) << m;
  EXPECT_NE(m.find("data-values[1]: needs exactly one"), std::string::npos) << m;
  EXPECT_NE(m.find("data-values[2]: value is not a number"), std::string::npos) << m;
  EXPECT_FALSE(ReadQuipJson("{}").ok());
  EXPECT_FALSE(ReadQuipJson("nope").ok());
}

}  // namespace
}  // namespace qcflow::quip
