#include "export/quaac/quaac_reader.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "export/quaac/quaac_hash.h"

namespace qcflow::quaac {
namespace {

using json = nlohmann::json;

Document Sample() {
  Document doc;
  const size_t user = doc.AddUser({"physicist", "qa@clinic.org"});
  const size_t reviewer = doc.AddUser({"Chief °", "chief@clinic.org"});
  const size_t linac = doc.AddEquipment({"TB1", "linac", "H191157", "Varian", ""});
  const size_t file = doc.AddAttachment({.name = "Results.csv", .content = "H4sIAAAA", .type = "csv"});
  DataPoint a{.name = "BeamGroup/BeamOutputChange (6x)",
              .performed = *CivilToUtc({2024, 7, 1, 8, 0, 0, 500000}, "UTC"),
              .utc_offset_minutes = 120, .measurement_value = 0.1, .measurement_unit = "%",
              .reference_value = 2.0, .parameters = {{"beam", "6x"}, {"energy", "6 MV"}},
              .performer = user, .primary_equipment = linac, .reviewer = reviewer,
              .attachments = {file}};
  DataPoint b = a;
  b.name = "note";
  b.measurement_value = std::string("looks fine");
  b.reference_value.reset();
  b.reviewer.reset();
  b.attachments.clear();
  DataPoint c = b;
  c.name = "nothing";
  c.measurement_value = std::monostate{};
  doc.datapoints = {a, b, c};
  return doc;
}

std::string Written(const Document& doc) {
  auto text = WriteQuaacJson(doc);
  EXPECT_TRUE(text.ok()) << text.status().ToString();
  return text.ok() ? *text : "";
}

bool Mentions(const std::vector<std::string>& problems, const std::string& what) {
  for (const std::string& p : problems) {
    if (p.find(what) != std::string::npos) return true;
  }
  return false;
}

TEST(QuaacReader, RoundTripsWhatTheWriterWrites) {
  const Document doc = Sample();
  const std::string text = Written(doc);
  EXPECT_TRUE(CheckQuaacJson(text).empty());
  auto back = ReadQuaacJson(text);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, doc);
}

TEST(QuaacReader, TamperedValueFailsTheHashCheck) {
  json j = json::parse(Written(Sample()));
  j["datapoints"][0]["measurement value"] = 0.2;
  auto problems = CheckQuaacJson(j.dump());
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_TRUE(Mentions(problems, "datapoints[0]: hash")) << problems[0];
  EXPECT_FALSE(ReadQuaacJson(j.dump()).ok());
}

TEST(QuaacReader, TamperedListedObjectFailsItsHashAndLeavesReferencesDangling) {
  json j = json::parse(Written(Sample()));
  j["equipment"][0]["serial number"] = "H000000";
  auto problems = CheckQuaacJson(j.dump());
  EXPECT_TRUE(Mentions(problems, "equipment[0]: hash"));
  // Fixing the object's hash does not help: the datapoints name the old one.
  j["equipment"][0]["hash"] = *ObjectHash(ObjectKind::kEquipment, j["equipment"][0]);
  problems = CheckQuaacJson(j.dump());
  EXPECT_FALSE(Mentions(problems, "equipment[0]: hash"));
  EXPECT_TRUE(Mentions(problems, "datapoints[0]: reference"));
}

TEST(QuaacReader, WhitespaceAndAliasesDoNotChangeHashes) {
  // The reference trims declared strings and accepts underscore names.
  json j = json::parse(Written(Sample()));
  j["users"][0]["name"] = "  physicist ";
  j["equipment"][0]["serial_number"] = j["equipment"][0]["serial number"];
  j["equipment"][0].erase("serial number");
  EXPECT_TRUE(CheckQuaacJson(j.dump()).empty());
}

TEST(QuaacReader, StructureProblems) {
  json j = json::parse(Written(Sample()));
  j["version"] = 1.0;
  j.erase("attachments");
  j["datapoints"][1].erase("reviewer");
  auto problems = CheckQuaacJson(j.dump());
  EXPECT_TRUE(Mentions(problems, "version is 1.0, not the string"));
  EXPECT_TRUE(Mentions(problems, "missing list 'attachments'"));
  EXPECT_TRUE(Mentions(problems, "datapoints[1]: missing 'reviewer'"));
  EXPECT_TRUE(Mentions(CheckQuaacJson("[1]"), "not a JSON object"));
  EXPECT_TRUE(Mentions(CheckQuaacJson("{"), "not JSON"));
  json bad_email = json::parse(Written(Sample()));
  bad_email["users"][0]["email"] = "nobody";
  EXPECT_TRUE(Mentions(CheckQuaacJson(bad_email.dump()), "users[0]: email 'nobody'"));
}

}  // namespace
}  // namespace qcflow::quaac
