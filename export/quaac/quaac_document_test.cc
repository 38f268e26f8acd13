#include "export/quaac/quaac_document.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "export/quaac/quaac_hash.h"

namespace qcflow::quaac {
namespace {

using json = nlohmann::json;

Document OnePoint() {
  Document doc;
  const size_t user = doc.AddUser({"Dr. Ø", "physics@clinic.org"});
  const size_t linac = doc.AddEquipment({"TrueBeam 1", "linac", "H191157", "Varian", "TrueBeam"});
  const size_t dqa3 = doc.AddEquipment({"Daily QA 3 77030074", "Daily QA 3", "77030074", "", "Daily QA 3"});
  DataPoint dp{.name = "dose (6 MV)", .performed = *CivilToUtc({2015, 6, 22, 17, 1, 53, 0}, "UTC"),
               .utc_offset_minutes = -420, .measurement_value = 99.0037868714,
               .measurement_unit = "cGy", .reference_value = 100.0, .procedure = "Daily QA3",
               .parameters = {{"energy", "6"}}, .performer = user, .primary_equipment = linac,
               .ancillary_equipment = {dqa3}};
  doc.datapoints.push_back(dp);
  return doc;
}

TEST(QuaacDocument, AddListsEachObjectOnce) {
  Document doc;
  EXPECT_EQ(doc.AddUser({"a", "a@b.org"}), 0u);
  EXPECT_EQ(doc.AddUser({"b", "b@b.org"}), 1u);
  EXPECT_EQ(doc.AddUser({"a", "a@b.org"}), 0u);
  EXPECT_EQ(doc.users.size(), 2u);
}

TEST(QuaacDocument, EmailRules) {
  EXPECT_TRUE(ValidateEmail("qa@clinic.org").ok());
  EXPECT_FALSE(ValidateEmail("qa@localhost").ok());
  EXPECT_FALSE(ValidateEmail("qa").ok());
  EXPECT_FALSE(ValidateEmail("@clinic.org").ok());
  EXPECT_FALSE(ValidateEmail("a@b@clinic.org").ok());
  EXPECT_FALSE(ValidateEmail("qa@clinic.").ok());
}

TEST(QuaacDocument, PerformDatetimeHasTheOffset) {
  const MicrosUtc t = *CivilToUtc({2015, 6, 22, 17, 1, 53, 0}, "UTC");
  EXPECT_EQ(FormatPerformDatetime(t, -420), "2015-06-22T10:01:53-07:00");
  EXPECT_EQ(FormatPerformDatetime(t, 0), "2015-06-22T17:01:53Z");
  EXPECT_EQ(FormatPerformDatetime(t + 250000, 330), "2015-06-22T22:31:53.250000+05:30");
}

TEST(QuaacDocument, WritesAllKeysAndHashes) {
  const Document doc = OnePoint();
  auto text = WriteQuaacJson(doc);
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  const json j = json::parse(*text);
  EXPECT_EQ(j["version"], "1.0");
  EXPECT_FALSE(j.contains("hash"));  // no document-level hash (spec)
  ASSERT_EQ(j["datapoints"].size(), 1u);
  EXPECT_EQ(j["equipment"].size(), 2u);
  EXPECT_EQ(j["users"].size(), 1u);
  EXPECT_EQ(j["attachments"], json::array());
  const json& dp = j["datapoints"][0];
  for (const char* key : {"name", "perform datetime", "measurement value", "measurement unit",
                          "reference value", "description", "procedure", "performer comment",
                          "parameters", "performer", "primary equipment", "reviewer",
                          "ancillary equipment", "attachments", "hash"}) {
    EXPECT_TRUE(dp.contains(key)) << key;
  }
  EXPECT_EQ(dp["perform datetime"], "2015-06-22T10:01:53-07:00");
  EXPECT_EQ(dp["measurement value"], 99.0037868714);
  EXPECT_TRUE(dp["reviewer"].is_null());
  EXPECT_EQ(dp["performer"], "(Dr. Ø) " + HashOf(doc.users[0]));
  EXPECT_EQ(dp["primary equipment"], "(TrueBeam 1) " + HashOf(doc.equipment[0]));
  EXPECT_EQ(dp["ancillary equipment"][0], "(Daily QA 3 77030074) " + HashOf(doc.equipment[1]));
  EXPECT_EQ(dp["hash"], HashOf(doc, doc.datapoints[0]));
  EXPECT_EQ(j["users"][0]["hash"], HashOf(doc.users[0]));
  EXPECT_EQ(HashOf(doc.users[0]).size(), 32u);
}

TEST(QuaacDocument, AHashChangesWithItsObject) {
  Document doc = OnePoint();
  const std::string before = HashOf(doc, doc.datapoints[0]);
  doc.datapoints[0].measurement_value = 99.0;
  EXPECT_NE(HashOf(doc, doc.datapoints[0]), before);
  // A datapoint's hash covers its references: a changed machine changes it.
  doc.datapoints[0].measurement_value = 99.0037868714;
  EXPECT_EQ(HashOf(doc, doc.datapoints[0]), before);
  doc.equipment[0].model = "TrueBeam STx";
  EXPECT_NE(HashOf(doc, doc.datapoints[0]), before);
}

TEST(QuaacDocument, RefusesBadIndexesAndEmails) {
  Document doc = OnePoint();
  doc.datapoints[0].primary_equipment = 7;
  EXPECT_FALSE(WriteQuaacJson(doc).ok());
  doc = OnePoint();
  doc.users[0].email = "nobody";
  EXPECT_FALSE(WriteQuaacJson(doc).ok());
}

}  // namespace
}  // namespace qcflow::quaac
