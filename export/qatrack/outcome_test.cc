#include "export/qatrack/outcome.h"

#include <gtest/gtest.h>

namespace qcflow::qatrack {
namespace {

using Kind = Outcome::Kind;
using Strings = std::vector<std::string>;
constexpr TransportError kOk = TransportError::kNone;

TEST(OutcomeTest, Created) {
  Outcome o = ClassifyUpload(201, R"j({"url":"http://h/api/qc/testlistinstances/1/"})j", kOk);
  EXPECT_EQ(o.kind, Kind::kStored);
}

TEST(OutcomeTest, DuplicateUserKeyIsAlreadyStored) {
  Outcome o = ClassifyUpload(
      400, R"j({"user_key": ["test list instance with this user key already exists."]})j", kOk);
  EXPECT_EQ(o.kind, Kind::kAlreadyStored);
}

TEST(OutcomeTest, MissingTestsAreListed) {
  Outcome o = ClassifyUpload(
      400, R"j({"non_field_errors": ["Missing data for tests: flatness, symmetry_x"]})j", kOk);
  ASSERT_EQ(o.kind, Kind::kMissingTests);
  EXPECT_EQ(o.missing_tests, (Strings{"flatness", "symmetry_x"}));
}

TEST(OutcomeTest, WrongValueTypeIsDeadLetterEvenWithMissingData) {
  const char* body =
      R"j({"non_field_errors": ["Missing data for tests: flatness\nWrong value type (number/string) for tests: output_6mv, output_x2\nIf these are composite tests with missing dependencies, they should be marked as skipped in your request (e.g. {'tests': {'output_6mv': {'skipped': True}}})"]})j";
  Outcome o = ClassifyUpload(400, body, kOk);
  EXPECT_EQ(o.kind, Kind::kDeadLetter);
  EXPECT_NE(o.message.find("Wrong value type (number/string) for tests: output_6mv, output_x2"),
            std::string::npos);
  EXPECT_EQ(o.message.find('\n'), std::string::npos);
  o = ClassifyUpload(
      400, R"j({"non_field_errors": ["Wrong value type (number/string) for tests: dose"]})j", kOk);
  EXPECT_EQ(o.kind, Kind::kDeadLetter);
}

TEST(OutcomeTest, OtherFieldErrorsAreDeadLetters) {
  for (const char* body : {
           R"j({"work_started": ["Datetime has wrong format. Use one of these formats instead: YYYY-MM-DD HH:MM."]})j",
           R"j({"unit_test_collection": ["Invalid hyperlink - Object does not exist."]})j",
           R"j({"non_field_errors": ["work_completed date must be after work_started"]})j",
           R"j({"detail": "JSON parse error - Expecting value: line 1 column 1 (char 0)"})j",
           "<html>bad</html>"}) {
    Outcome o = ClassifyUpload(400, body, kOk);
    EXPECT_EQ(o.kind, Kind::kDeadLetter) << body;
    EXPECT_FALSE(o.message.empty());
  }
  Outcome o = ClassifyUpload(
      400, R"j({"unit_test_collection": ["Invalid hyperlink - Object does not exist."]})j", kOk);
  EXPECT_NE(o.message.find("Object does not exist"), std::string::npos);
}

TEST(OutcomeTest, PermissionAndNotFoundAreDeadLetters) {
  Outcome o = ClassifyUpload(
      403, R"j({"detail":"You do not have permission to perform this action."})j", kOk);
  EXPECT_EQ(o.kind, Kind::kDeadLetter);
  EXPECT_NE(o.message.find("permission"), std::string::npos);
  EXPECT_EQ(ClassifyUpload(404, R"j({"detail":"Not found."})j", kOk).kind, Kind::kDeadLetter);
  EXPECT_EQ(ClassifyUpload(301, "", kOk).kind, Kind::kDeadLetter);
}

TEST(OutcomeTest, UnauthorizedPauses) {
  for (const char* body : {R"j({"detail":"Authentication credentials were not provided."})j",
                           R"j({"detail":"Invalid token."})j"}) {
    Outcome o = ClassifyUpload(401, body, kOk);
    EXPECT_EQ(o.kind, Kind::kPauseAuth);
  }
}

TEST(OutcomeTest, RedirectFromApplianceRetriesSoon) {
  EXPECT_EQ(ClassifyUpload(307, "", kOk).kind, Kind::kRetrySoon);
}

TEST(OutcomeTest, ThrottleHonoursTheWait) {
  Outcome o = ClassifyUpload(
      429, R"j({"detail":"Request was throttled. Expected available in 12 seconds."})j", kOk);
  ASSERT_EQ(o.kind, Kind::kThrottled);
  EXPECT_EQ(o.throttle_seconds, 12);
  o = ClassifyUpload(429, R"j({"detail":"Request was throttled. Expected available in 1 second."})j",
                     kOk);
  EXPECT_EQ(o.throttle_seconds, 1);
  o = ClassifyUpload(429, R"j({"detail":"Request was throttled."})j", kOk);
  EXPECT_EQ(o.kind, Kind::kThrottled);
  EXPECT_GT(o.throttle_seconds, 0);
}

TEST(OutcomeTest, ServerErrorsAndTransportFailuresAreTransient) {
  for (long code : {500L, 502L, 503L, 504L}) {
    Outcome o = ClassifyUpload(code, "<html><body><h1>503 Bad Gateway</h1></body></html>", kOk);
    EXPECT_EQ(o.kind, Kind::kTransient) << code;
    EXPECT_EQ(o.message.find("<html>"), std::string::npos);
  }
  for (TransportError e : {TransportError::kDns, TransportError::kConnectFailed,
                           TransportError::kTimeoutBeforeSend, TransportError::kResetBeforeSend,
                           TransportError::kTls, TransportError::kOther}) {
    EXPECT_EQ(ClassifyUpload(0, "", e).kind, Kind::kTransient) << TransportErrorName(e);
  }
}

TEST(OutcomeTest, FailureAfterSendIsAmbiguousForUploadsOnly) {
  EXPECT_EQ(ClassifyUpload(0, "", TransportError::kTimeoutAfterSend).kind, Kind::kAmbiguous);
  EXPECT_EQ(ClassifyUpload(0, "", TransportError::kResetAfterSend).kind, Kind::kAmbiguous);
  EXPECT_EQ(ClassifyLookup(0, "", TransportError::kTimeoutAfterSend).kind, Kind::kTransient);
}

TEST(OutcomeTest, Lookup) {
  EXPECT_EQ(ClassifyLookup(200, R"j({"count":0})j", kOk).kind, Kind::kStored);
  EXPECT_EQ(ClassifyLookup(400, R"j({"unit__number":["Enter a number."]})j", kOk).kind,
            Kind::kDeadLetter);
  EXPECT_EQ(ClassifyLookup(201, "{}", kOk).kind, Kind::kDeadLetter);
  EXPECT_EQ(ClassifyLookup(401, R"j({"detail":"Invalid token."})j", kOk).kind, Kind::kPauseAuth);
  EXPECT_EQ(ClassifyLookup(503, "<html/>", kOk).kind, Kind::kTransient);
}

TEST(OutcomeTest, ParseMissingTestsSplitsLinesFirst) {
  EXPECT_EQ(ParseMissingTests("Missing data for tests: a, b\nWrong value type (number/string) "
                              "for tests: c\nIf these are composite tests ..."),
            (Strings{"a", "b"}));
  EXPECT_EQ(ParseMissingTests("Missing data for tests: only"), (Strings{"only"}));
  EXPECT_TRUE(ParseMissingTests("work_completed date must be after work_started").empty());
  EXPECT_TRUE(ParseMissingTests("").empty());
}

TEST(OutcomeTest, ParseThrottleSeconds) {
  EXPECT_EQ(ParseThrottleSeconds("Request was throttled. Expected available in 59 seconds."), 59);
  EXPECT_EQ(ParseThrottleSeconds("Request was throttled."), -1);
  EXPECT_EQ(ParseThrottleSeconds("Expected available in x seconds."), -1);
}

}  // namespace
}  // namespace qcflow::qatrack
