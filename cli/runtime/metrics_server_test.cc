// The metrics listener over loopback HTTP: /metrics, the probes, errors.
#include "cli/runtime/metrics_server.h"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>

#include "tests/testing/child_process.h"
#include "tests/testing/qatrack_test_server.h"

namespace qcflow::cli {
namespace {

using testing::HttpRequest;

// A free loopback port: the listen address is configuration and, like the
// operator's, must name a port from 1 to 65535.
std::string Loopback() { return "127.0.0.1:" + std::to_string(testing::FreePort()); }

class MetricsServerTest : public ::testing::Test {
 protected:
  void Start() {
    auto s = MetricsServer::Start(
        Loopback(), [this] { return "qcflow_renders " + std::to_string(++renders_) + "\n"; },
        [this] {
          std::lock_guard<std::mutex> lock(mu_);
          return not_ready_;
        });
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    server_ = std::move(*s);
    base_ = "http://" + server_->address();
  }
  void SetNotReady(const std::string& why) {
    std::lock_guard<std::mutex> lock(mu_);
    not_ready_ = why;
  }

  std::atomic<int> renders_{0};
  std::mutex mu_;
  std::string not_ready_ = "starting: parts not begun";
  std::unique_ptr<MetricsServer> server_;
  std::string base_;
};

TEST_F(MetricsServerTest, ReadyzFollowsTheReadinessCallbackAndHealthzIsAlwaysOk) {
  Start();
  auto before = HttpRequest("GET", base_ + "/readyz");
  ASSERT_TRUE(before.ok()) << before.status().ToString();
  EXPECT_EQ(before->status, 503);
  EXPECT_EQ(before->body, "not ready: starting: parts not begun\n");
  auto health = HttpRequest("GET", base_ + "/healthz");
  ASSERT_TRUE(health.ok());
  EXPECT_EQ(health->status, 200) << "liveness does not wait for readiness";

  SetNotReady("");
  auto ready = HttpRequest("GET", base_ + "/readyz");
  ASSERT_TRUE(ready.ok());
  EXPECT_EQ(ready->status, 200);
  EXPECT_EQ(ready->body, "ready\n");

  SetNotReady("stopping (SIGTERM received)");
  auto stopping = HttpRequest("GET", base_ + "/readyz?verbose=1");
  ASSERT_TRUE(stopping.ok());
  EXPECT_EQ(stopping->status, 503);
  EXPECT_NE(stopping->body.find("SIGTERM"), std::string::npos) << stopping->body;
  EXPECT_EQ(renders_, 0) << "probes never render the metrics";
}

TEST_F(MetricsServerTest, MetricsRenderPerScrapeAndOtherPathsAndMethodsAreRefused) {
  Start();
  auto first = HttpRequest("GET", base_ + "/metrics");
  auto second = HttpRequest("GET", base_ + "/metrics");
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(first->body, "qcflow_renders 1\n");
  EXPECT_EQ(second->body, "qcflow_renders 2\n");
  auto missing = HttpRequest("GET", base_ + "/health");
  ASSERT_TRUE(missing.ok());
  EXPECT_EQ(missing->status, 404);
  EXPECT_NE(missing->body.find("/readyz"), std::string::npos) << missing->body;
  auto post = HttpRequest("POST", base_ + "/readyz", "{}");
  ASSERT_TRUE(post.ok());
  EXPECT_EQ(post->status, 405);
}

TEST(MetricsServerStart, WithoutAReadinessCallbackItIsReady) {
  auto s = MetricsServer::Start(Loopback(), [] { return std::string(); });
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  auto r = HttpRequest("GET", "http://" + (*s)->address() + "/readyz");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 200);
}

TEST(MetricsServerStart, RefusesANonLoopbackAddress) {
  auto s = MetricsServer::Start("0.0.0.0:9187", [] { return std::string(); });
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("loopback"), std::string::npos) << s.status().ToString();
}

}  // namespace
}  // namespace qcflow::cli
