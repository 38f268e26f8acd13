// ServerChecks (what `qcflow validate` asks QATrack+) against the QATrack+ test double.
#include "export/qatrack/server_checks.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/testing/qatrack_test_server.h"

namespace qcflow::qatrack {
namespace {

using qcflow::testing::QatrackTestServer;

constexpr const char* kReadOnlyToken = "abcdefabcdefabcdefabcdefabcdefabcdefabcd";

class ServerChecksTest : public ::testing::Test {
 protected:
  void SetUp() override { Start(false); }
  void Start(bool radmachine) {
    QatrackTestServer::Options o;
    o.radmachine = radmachine;
    auto s = QatrackTestServer::Start(o);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    server_ = std::move(s.value());
  }
  ServerChecks Checks(const std::string& token, bool radmachine = false) {
    HttpClientOptions o;
    o.token = token;
    o.radmachine = radmachine;
    o.request_timeout = std::chrono::milliseconds(3000);
    auto c = HttpClient::Create(o);
    EXPECT_TRUE(c.ok());
    http_ = std::move(c.value());
    return ServerChecks(http_.get(), server_->base_url(), [](std::chrono::microseconds) {});
  }
  size_t Posts() {
    auto log = server_->Requests();
    size_t n = 0;
    for (const auto& e : nlohmann::json::parse(log.ok() ? *log : "{}").value("results", nlohmann::json::array())) {
      n += e["method"] == "POST";
    }
    return n;
  }

  std::unique_ptr<QatrackTestServer> server_;
  std::unique_ptr<HttpClient> http_;
};

TEST_F(ServerChecksTest, TokenIsCheckedOnARouteThatNeedsOne) {
  EXPECT_TRUE(Checks(server_->token()).CheckToken().ok());
  Status wrong = Checks("ffffffffffffffffffffffffffffffffffffffff").CheckToken();
  EXPECT_EQ(wrong.code(), Status::Code::kInvalidArgument) << wrong.ToString();
  EXPECT_NE(wrong.message().find("Invalid token"), std::string::npos) << wrong.message();
  EXPECT_EQ(wrong.message().find("ffffffffff"), std::string::npos);
  // RadAuthorization sent to QATrack+: /api/auth/ would say 200, units/ says 401.
  Status mismatched = Checks(server_->token(), /*radmachine=*/true).CheckToken();
  EXPECT_EQ(mismatched.code(), Status::Code::kInvalidArgument) << mismatched.ToString();
  EXPECT_NE(mismatched.message().find("not provided"), std::string::npos) << mismatched.message();
}

TEST_F(ServerChecksTest, RadMachineTokenMismatchTheOtherWay) {
  Start(/*radmachine=*/true);
  EXPECT_TRUE(Checks(server_->token(), true).CheckToken().ok());
  EXPECT_EQ(Checks(server_->token(), false).CheckToken().code(), Status::Code::kInvalidArgument);
}

TEST_F(ServerChecksTest, UploadPermissionProbeStoresNothing) {
  EXPECT_TRUE(Checks(server_->token()).CheckUploadPermission().ok());
  ASSERT_TRUE(server_->Configure(std::string(R"({"read_only_tokens": [")") + kReadOnlyToken + "\"]}").ok());
  ServerChecks read_only = Checks(kReadOnlyToken);
  EXPECT_TRUE(read_only.CheckToken().ok()) << "a user without the permission still reads";
  Status denied = read_only.CheckUploadPermission();
  EXPECT_EQ(denied.code(), Status::Code::kFailedPrecondition) << denied.ToString();
  EXPECT_NE(denied.message().find("Can add test list instance"), std::string::npos) << denied.message();
  EXPECT_EQ(Posts(), 2u);
  auto stored = server_->Stored();
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(nlohmann::json::parse(*stored)["count"], 0);
}

TEST_F(ServerChecksTest, A307IsRetried) {
  ASSERT_TRUE(server_->AddFault(R"({"path_prefix":"/api/units/","action":"redirect307","times":2})").ok());
  EXPECT_TRUE(Checks(server_->token()).CheckToken().ok());
  ASSERT_TRUE(server_->AddFault(R"({"path_prefix":"/api/units/","action":"redirect307","times":-1})").ok());
  EXPECT_EQ(Checks(server_->token()).CheckToken().code(), Status::Code::kUnavailable);
}

TEST_F(ServerChecksTest, UnitsAssignmentsAndTestLists) {
  ServerChecks checks = Checks(server_->token());
  auto one = checks.UnitsWith("serial_number", "1234");
  ASSERT_TRUE(one.ok()) << one.status().ToString();
  ASSERT_EQ(one->size(), 1u);
  EXPECT_EQ(one->front().number, 1);
  EXPECT_EQ(checks.UnitsWith("serial_number", "2222")->size(), 2u);  // serials are not unique
  EXPECT_TRUE(checks.UnitsWith("serial_number", "9999")->empty());
  EXPECT_EQ(checks.UnitsWith("number", "2")->front().name, "TrueBeam 2");

  auto couch2 = checks.AssignmentsOf(2, "MPC: Enhanced Couch Checks");
  ASSERT_TRUE(couch2.ok()) << couch2.status().ToString();
  EXPECT_EQ(couch2->active, 0u);
  EXPECT_EQ(couch2->inactive, 1u);
  EXPECT_EQ(checks.AssignmentsOf(1, "MPC: Enhanced Couch Checks")->active, 1u);
  EXPECT_EQ(checks.AssignmentsOf(2, "MPC: Enhanced MLC Checks")->active, 0u);

  auto beam = checks.TestListTests("MPC: Beam and Geometry Checks");
  ASSERT_TRUE(beam.ok()) << beam.status().ToString();
  ASSERT_TRUE(beam->has_value());
  EXPECT_EQ((**beam).size(), 8u);  // 6 own (one composite) + 2 of the sublist
  EXPECT_EQ((**beam).at("mpc_output_change_mean"), "composite");
  EXPECT_EQ((**beam).count("beamgroup_beamoutputchange_per_6fff"), 1u);
  auto none = checks.TestListTests("MPC: Collimation Devices Checks");
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  auto odd = checks.TestListTests("MPC: Beam & Geometry/Checks?x=1");  // encoded, not a filter
  ASSERT_TRUE(odd.ok()) << odd.status().ToString();
  EXPECT_FALSE(odd->has_value());
}

}  // namespace
}  // namespace qcflow::qatrack
