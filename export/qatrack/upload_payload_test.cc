#include "export/qatrack/upload_payload.h"

#include <gtest/gtest.h>

#include <limits>
#include <regex>
#include <nlohmann/json.hpp>

namespace qcflow::qatrack {
namespace {

using nlohmann::json;

MicrosUtc Utc(int y, int mo, int d, int h, int mi, int s) {
  CivilTime c;
  c.year = y, c.month = mo, c.day = d, c.hour = h, c.minute = mi, c.second = s;
  auto t = CivilToUtc(c, "UTC");
  EXPECT_TRUE(t.ok());
  return t.ok() ? *t : 0;
}

QcSession Session() {
  QcSession s;
  s.source_kind = "mpc";
  s.machine.serial = "5678";
  s.test_list_name = "MPC: Beam and Geometry Checks";
  s.work_started = Utc(2020, 6, 25, 11, 11, 30);
  s.work_completed = Utc(2020, 6, 25, 11, 12, 30);
  s.user_key = "QCPump/MPC/5678/2020-06-25-07-11/Beam and Geometry Checks";
  TestResult dose{"dose", 99.05, std::nullopt, false, "per-test comment"};
  TestResult sig{"signature", std::nullopt, std::string("jdoe"), false, ""};
  TestResult xsize{"xsize", std::nullopt, std::nullopt, true, ""};
  TestResult one{"one", 1.0, std::nullopt, false, ""};
  s.tests = {dose, one, sig, xsize};
  s.comment = "list comment";
  return s;
}

json Build(const QcSession& s, const std::string& zone, const PayloadOptions& o = {}) {
  auto body = BuildUploadPayload(s, "https://host/api/qa/unittestcollections/12/", zone, o);
  EXPECT_TRUE(body.ok()) << body.status().ToString();
  return body.ok() ? json::parse(*body) : json();
}

TEST(UploadPayloadTest, FieldsPerSpec) {
  json b = Build(Session(), "America/Toronto");
  EXPECT_EQ(b["unit_test_collection"], "https://host/api/qa/unittestcollections/12/");
  EXPECT_EQ(b["work_started"], "2020-06-25 07:11:30");  // EDT = UTC-4
  EXPECT_EQ(b["work_completed"], "2020-06-25 07:12:30");
  EXPECT_EQ(b["day"], 0);
  EXPECT_TRUE(b["day"].is_number_integer());
  EXPECT_EQ(b["user_key"], "QCPump/MPC/5678/2020-06-25-07-11/Beam and Geometry Checks");
  EXPECT_EQ(b["in_progress"], false);
  EXPECT_EQ(b["include_for_scheduling"], true);
  EXPECT_FALSE(b.contains("comment"));
  EXPECT_FALSE(b.contains("attachments"));
  const json& t = b["tests"];
  ASSERT_EQ(t.size(), 4u);
  EXPECT_TRUE(t["dose"]["value"].is_number_float());
  EXPECT_DOUBLE_EQ(t["dose"]["value"].get<double>(), 99.05);
  EXPECT_FALSE(t["dose"].contains("comment"));
  EXPECT_TRUE(t["one"]["value"].is_number());
  EXPECT_EQ(t["signature"], json({{"value", "jdoe"}}));
  EXPECT_EQ(t["xsize"], json({{"skipped", true}}));
}

// An upload test gets the file's real name, its content and how it is encoded.
TEST(UploadPayloadTest, FileTestsCarryNameValueAndEncoding) {
  QcSession s = Session();
  TestResult report{"report", std::nullopt, std::nullopt, false, ""};
  report.file = FileValue{"profile 6X.csv", "text", "a,b\n1,2\n"};
  TestResult image{"snapshot", std::nullopt, std::nullopt, false, ""};
  image.file = FileValue{"field.png", "base64", "iVBORw0KGgo="};
  s.tests = {report, image};
  json b = Build(s, "UTC");
  EXPECT_EQ(b["tests"]["report"],
            json({{"filename", "profile 6X.csv"}, {"value", "a,b\n1,2\n"}, {"encoding", "text"}}));
  EXPECT_EQ(b["tests"]["snapshot"],
            json({{"filename", "field.png"}, {"value", "iVBORw0KGgo="}, {"encoding", "base64"}}));
}

TEST(UploadPayloadTest, DatesNeverIsoAndFollowServerZone) {
  json b = Build(Session(), "Europe/Berlin");
  const std::regex plain(R"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)");  // no 'T', no offset
  EXPECT_TRUE(std::regex_match(b["work_started"].get<std::string>(), plain));
  EXPECT_TRUE(std::regex_match(b["work_completed"].get<std::string>(), plain));
  EXPECT_EQ(b["work_started"], "2020-06-25 13:11:30");  // CEST = UTC+2
  QcSession winter = Session();
  winter.work_started = Utc(2020, 1, 5, 23, 30, 0);
  winter.work_completed = Utc(2020, 1, 5, 23, 30, 5);
  b = Build(winter, "Europe/Berlin");
  EXPECT_EQ(b["work_started"], "2020-01-06 00:30:00");  // CET = UTC+1, next day
  EXPECT_EQ(b["work_completed"], "2020-01-06 00:30:05");
  b = Build(winter, "UTC");
  EXPECT_EQ(b["work_started"], "2020-01-05 23:30:00");
}

TEST(UploadPayloadTest, CommentsOnlyWhenAsked) {
  PayloadOptions o;
  o.include_comments = true;
  json b = Build(Session(), "UTC", o);
  EXPECT_EQ(b["comment"], "list comment");
  EXPECT_EQ(b["tests"]["dose"]["comment"], "per-test comment");
  EXPECT_FALSE(b["tests"]["signature"].contains("comment"));  // empty: not sent
  QcSession blank = Session();
  blank.comment = "  ";
  b = Build(blank, "UTC", o);
  EXPECT_FALSE(b.contains("comment"));  // "" is rejected by the server
}

TEST(UploadPayloadTest, ExtraSkippedAddsOnlyMissingMacros) {
  PayloadOptions o;
  o.extra_skipped = {"flatness", "dose"};
  json b = Build(Session(), "UTC", o);
  EXPECT_EQ(b["tests"]["flatness"], json({{"skipped", true}}));
  EXPECT_DOUBLE_EQ(b["tests"]["dose"]["value"].get<double>(), 99.05);
}

TEST(UploadPayloadTest, TestWithoutValueIsSkipped) {
  QcSession s = Session();
  s.tests = {TestResult{"novalue", std::nullopt, std::nullopt, false, ""}};
  json b = Build(s, "UTC");
  EXPECT_EQ(b["tests"]["novalue"], json({{"skipped", true}}));
}

TEST(UploadPayloadTest, Errors) {
  QcSession s = Session();
  s.user_key = "";
  EXPECT_EQ(BuildUploadPayload(s, "u", "UTC").status().code(), Status::Code::kInvalidArgument);
  s.user_key = " \t ";
  EXPECT_FALSE(BuildUploadPayload(s, "u", "UTC").ok());
  s.user_key = std::string(256, 'k');
  EXPECT_FALSE(BuildUploadPayload(s, "u", "UTC").ok());
  s.user_key = std::string(255, 'k');
  EXPECT_TRUE(BuildUploadPayload(s, "u", "UTC").ok());
  s.user_key = "";
  for (int i = 0; i < 255; ++i) s.user_key += "\xC3\xA9";  // 255 x 'é': 510 bytes, 255 chars
  EXPECT_TRUE(BuildUploadPayload(s, "u", "UTC").ok());
  s.user_key += "e";
  EXPECT_FALSE(BuildUploadPayload(s, "u", "UTC").ok());

  s = Session();
  s.work_completed = s.work_started - 1;
  EXPECT_FALSE(BuildUploadPayload(s, "u", "UTC").ok());
  s = Session();
  s.tests[0].number = std::numeric_limits<double>::quiet_NaN();
  EXPECT_FALSE(BuildUploadPayload(s, "u", "UTC").ok());
  EXPECT_FALSE(BuildUploadPayload(Session(), "u", "Not/AZone").ok());
  EXPECT_FALSE(BuildUploadPayload(Session(), "", "UTC").ok());
}

}  // namespace
}  // namespace qcflow::qatrack
