// QatrackSink::TestListExists (used by `qcflow validate`) against the QATrack+ test double.
#include <gtest/gtest.h>

#include "export/qatrack/qatrack_sink.h"
#include "store/store.h"
#include "tests/testing/qatrack_test_server.h"
#include "tests/testing/temp_dir.h"

namespace qcflow::qatrack {
namespace {

using qcflow::testing::QatrackTestServer;

class TestListExistsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = QatrackTestServer::Start();
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    server_ = std::move(s.value());
    auto st = Store::Open(dir_.Sub("store"));
    ASSERT_TRUE(st.ok()) << st.status().ToString();
    store_ = std::move(st.value());
  }
  std::unique_ptr<QatrackSink> Sink(const std::string& token) {
    QatrackSinkConfig c;
    c.api_url = server_->base_url();
    c.token = token;
    c.server_zone = "America/Toronto";
    c.request_timeout = std::chrono::milliseconds(2000);
    c.sleep = [](std::chrono::microseconds) {};
    auto sink = QatrackSink::Create(with_store_ ? store_.get() : nullptr, c);
    EXPECT_TRUE(sink.ok()) << sink.status().ToString();
    return sink.ok() ? std::move(sink.value()) : nullptr;
  }

  bool with_store_ = true;
  qcflow::testing::TempDir dir_;
  std::unique_ptr<QatrackTestServer> server_;
  std::unique_ptr<Store> store_;
};

TEST_F(TestListExistsTest, FindsExactlyOneByName) {
  auto sink = Sink(server_->token());
  ASSERT_NE(sink, nullptr);
  auto yes = sink->TestListExists("MPC: Enhanced Couch Checks");
  ASSERT_TRUE(yes.ok()) << yes.status().ToString();
  EXPECT_TRUE(*yes);
  auto no = sink->TestListExists("MPC: Collimation Devices Checks");
  ASSERT_TRUE(no.ok()) << no.status().ToString();
  EXPECT_FALSE(*no);
  auto odd = sink->TestListExists("MPC: Beam & Geometry/Checks?x=1");  // encoded, not a filter
  ASSERT_TRUE(odd.ok()) << odd.status().ToString();
  EXPECT_FALSE(*odd);
}

TEST_F(TestListExistsTest, FailuresAreErrorsWithoutTheToken) {
  const std::string wrong = "ffffffffffffffffffffffffffffffffffffffff";
  auto bad = Sink(wrong);
  ASSERT_NE(bad, nullptr);
  auto r = bad->TestListExists("MPC: Enhanced Couch Checks");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(r.status().message().find(wrong), std::string::npos);

  auto sink = Sink(server_->token());
  ASSERT_TRUE(server_->AddFault(R"({"path_prefix":"/api/qa/testlists/","action":"status","code":503})").ok());
  r = sink->TestListExists("MPC: Enhanced Couch Checks");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kUnavailable);

  // A 307 from a network appliance is retried.
  ASSERT_TRUE(server_->AddFault(R"({"path_prefix":"/api/qa/testlists/","action":"redirect307"})").ok());
  r = sink->TestListExists("MPC: Enhanced Couch Checks");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(*r);
}

TEST_F(TestListExistsTest, ASinkWithoutStoreOnlyChecks) {
  with_store_ = false;  // as `qcflow validate` uses it: no store is opened for writing
  auto sink = Sink(server_->token());
  ASSERT_NE(sink, nullptr);
  EXPECT_TRUE(sink->CheckConnection().ok());
  EXPECT_TRUE(*sink->TestListExists("MPC: Beam and Geometry Checks"));
  EXPECT_EQ(sink->DeliverOnce(NowMicros()).status().code(), Status::Code::kFailedPrecondition);
}

}  // namespace
}  // namespace qcflow::qatrack
