#include "cli/model/json_model.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace qcflow::model {
namespace {

constexpr MicrosUtc kJan5_0700Z = 1767596400LL * 1000000;  // 2026-01-05T07:00:00Z

TEST(JsonModelTest, RecordInstantsAreInTheZoneAndMetaIsAnObject) {
  Record r;
  r.kind = Kind::kMpc;
  r.source_id = "tb";
  r.event_time = kJan5_0700Z;
  r.event_time_text = "2026-01-05 08:00:00";
  r.capture_time = kJan5_0700Z + 90 * 1000000LL;
  r.dedup_key = "k1";
  r.meta = R"({"path":"/tds/a/Results.csv","rows":3})";
  r.payload = "abcdef";
  r.flags = kFlagQuarantined;
  const nlohmann::json j = RecordJson(7, r.View(), "Europe/Berlin");
  EXPECT_EQ(j["seq"], 7);
  EXPECT_EQ(j["kind"], "mpc");
  EXPECT_EQ(j["event_time"], "2026-01-05T08:00:00+01:00");
  EXPECT_EQ(j["source_time"], "2026-01-05 08:00:00");
  EXPECT_EQ(j["captured"], "2026-01-05T08:01:30+01:00");
  EXPECT_EQ(j["bytes"], 6);
  EXPECT_EQ(j["quarantined"], true);
  ASSERT_TRUE(j["meta"].is_object());
  EXPECT_EQ(j["meta"]["rows"], 3);
  EXPECT_FALSE(j.contains("payload"));
}

TEST(JsonModelTest, MetaThatIsNotJsonIsKeptAsItsText) {
  Record r;
  r.meta = "not json {";
  EXPECT_EQ(RecordJson(1, r.View(), "UTC")["meta"], "not json {");
  r.meta = "";
  EXPECT_TRUE(RecordJson(1, r.View(), "UTC")["meta"].is_null());
  EXPECT_FALSE(RecordJson(1, r.View(), "UTC")["quarantined"].get<bool>());
}

TEST(JsonModelTest, SessionTimesAreInstantsAndItsClockZoneIsNamed) {
  QcSession s;
  s.source_kind = "mpc";
  s.source_id = "tb";
  s.zone = "America/Toronto";
  s.work_started = kJan5_0700Z;
  s.work_completed = kJan5_0700Z + 60 * 1000000LL;
  s.user_key = "mpc/1";
  const nlohmann::json j = SessionJson(s, "Asia/Kolkata");
  EXPECT_EQ(j["work_started"], "2026-01-05T12:30:00+05:30");
  EXPECT_EQ(j["work_completed"], "2026-01-05T12:31:00+05:30");
  EXPECT_EQ(j["source_zone"], "America/Toronto");
  EXPECT_EQ(j["user_key"], "mpc/1");
  EXPECT_EQ(j["amendment"], false);
  EXPECT_FALSE(j.contains("v"));  // the store's encoding version is not the document's
}

TEST(JsonModelTest, AFilesContentsCanBeLeftOut) {
  QcSession s;
  s.user_key = "files/1";
  TestResult t;
  t.key = "upload";
  t.file = FileValue{"profile.csv", "text", "a,b\n1,2\n"};
  s.tests.push_back(t);
  EXPECT_EQ(SessionJson(s, "UTC")["tests"][0]["file"]["value"], "a,b\n1,2\n");
  const nlohmann::json lean = SessionJson(s, "UTC", /*file_contents=*/false)["tests"][0]["file"];
  EXPECT_FALSE(lean.contains("value"));
  EXPECT_EQ(lean["bytes"], 8);
  EXPECT_EQ(lean["filename"], "profile.csv");
}

TEST(JsonModelTest, DeliveryHidesThePatientUnlessAsked) {
  icom::Delivery d;
  d.linac = "LA1";
  d.patient_id = "QC000885";
  d.patient_name = "Doe^Jane";
  d.start = kJan5_0700Z;
  d.end = kJan5_0700Z + 6 * 1000000LL;
  d.start_text = "2026-01-05 08:00:00";
  d.open = false;
  d.close_reason = "field";
  const nlohmann::json hidden = DeliveryJson(d, false, "Europe/Berlin");
  EXPECT_EQ(hidden["patient_id"], "*****885");
  EXPECT_TRUE(hidden["patient_name"].is_null());
  EXPECT_EQ(hidden["start"], "2026-01-05T08:00:00+01:00");
  EXPECT_EQ(hidden["source_start"], "2026-01-05 08:00:00");
  EXPECT_EQ(hidden["open"], false);
  EXPECT_EQ(hidden["close_reason"], "field");
  EXPECT_TRUE(hidden["prescribed_mu"].is_null());
  const nlohmann::json shown = DeliveryJson(d, true, "UTC");
  EXPECT_EQ(shown["patient_id"], "QC000885");
  EXPECT_EQ(shown["patient_name"], "Doe^Jane");
  EXPECT_EQ(shown["end"], "2026-01-05T07:00:06+00:00");
  d.open = true;
  d.close_reason.clear();
  EXPECT_TRUE(DeliveryJson(d, true, "UTC")["close_reason"].is_null());
}

TEST(JsonModelTest, MaskKeepsTheLastThreeCharacters) {
  EXPECT_EQ(MaskPatientId("QC000123"), "*****123");
  EXPECT_EQ(MaskPatientId("123"), "***");
  EXPECT_EQ(MaskPatientId(""), "");
}

TEST(JsonModelTest, DocumentCarriesVersionAndZone) {
  const nlohmann::json doc = ItemsDocument(nlohmann::json::array({1, 2}), "Europe/Berlin");
  EXPECT_EQ(doc["v"], 1);
  EXPECT_EQ(doc["zone"], "Europe/Berlin");
  EXPECT_EQ(doc["items"].size(), 2u);
}

TEST(JsonValues, AStoredInstantIsShownInTheZoneOtherValuesAsStored) {
  using nlohmann::json;
  EXPECT_EQ(ZonedIfInstant(json("2026-01-05T07:00:00Z"), "Europe/Berlin"), "2026-01-05T08:00:00+01:00");
  EXPECT_EQ(ZonedIfInstant(json("connected"), "Europe/Berlin"), "connected");
  EXPECT_EQ(ZonedIfInstant(json(7), "Europe/Berlin"), 7);
  EXPECT_EQ(StoredField("\"2026-07-05T07:00:00.5Z\"", "Europe/Berlin"), "2026-07-05T09:00:00.500000+02:00");
  EXPECT_EQ(StoredField("not json", "Europe/Berlin"), "not json");
  EXPECT_TRUE(StoredField("", "Europe/Berlin").is_null());
}

}  // namespace
}  // namespace qcflow::model
