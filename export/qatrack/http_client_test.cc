#include "export/qatrack/http_client.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/testing/qatrack_test_server.h"

namespace qcflow::qatrack {
namespace {

using nlohmann::json;
using qcflow::testing::QatrackTestServer;

TEST(HttpHelpersTest, TrailingSlash) {
  EXPECT_EQ(WithTrailingSlash("http://h/api/auth"), "http://h/api/auth/");
  EXPECT_EQ(WithTrailingSlash("http://h/api/auth/"), "http://h/api/auth/");
  EXPECT_EQ(WithTrailingSlash("http://h/api/units/units?serial_number=1"),
            "http://h/api/units/units/?serial_number=1");
  EXPECT_EQ(WithTrailingSlash("http://h/api/units/units/?a=b/c"),
            "http://h/api/units/units/?a=b/c");
}

TEST(HttpHelpersTest, UrlEncodeRadMachineRedact) {
  EXPECT_EQ(UrlEncode("MPC: Beam & Geometry/6X"), "MPC%3A%20Beam%20%26%20Geometry%2F6X");
  EXPECT_EQ(UrlEncode("a-b_c.d~"), "a-b_c.d~");
  EXPECT_TRUE(IsRadMachineUrl("https://clinic.RadFormation.com/api"));
  EXPECT_FALSE(IsRadMachineUrl("https://qatrack.example.org/api"));
  EXPECT_EQ(Redact("token abc and abc", "abc"), "token <redacted> and <redacted>");
  EXPECT_EQ(Redact("nothing", ""), "nothing");
}

TEST(HttpClientTest, CreateNeedsToken) { EXPECT_FALSE(HttpClient::Create({}).ok()); }

class HttpClientServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = QatrackTestServer::Start();
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    server_ = std::move(s.value());
    HttpClientOptions o;
    o.token = server_->token();
    o.request_timeout = std::chrono::milliseconds(3000);
    auto c = HttpClient::Create(o);
    ASSERT_TRUE(c.ok());
    client_ = std::move(c.value());
  }
  std::unique_ptr<QatrackTestServer> server_;
  std::unique_ptr<HttpClient> client_;
};

TEST_F(HttpClientServerTest, AuthAndSlash) {
  HttpResponse r = client_->Get(server_->base_url() + "/auth");  // slash added
  EXPECT_EQ(r.error, TransportError::kNone) << r.error_message;
  EXPECT_EQ(r.status, 200) << r.body;
  r = client_->Get(server_->base_url() + "/units/units?serial_number=1234");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(json::parse(r.body)["count"], 1);
  auto log = server_->Requests();
  ASSERT_TRUE(log.ok());
  json l = json::parse(*log);
  ASSERT_EQ(l["count"], 2);
  EXPECT_EQ(l["results"][0]["auth_scheme"], "Token");
}

TEST_F(HttpClientServerTest, WrongTokenIs401AndNeverEchoed) {
  HttpClientOptions o;
  o.token = "ffffffffffffffffffffffffffffffffffffffff";
  auto c = HttpClient::Create(o);
  ASSERT_TRUE(c.ok());
  HttpResponse r = (*c)->Get(server_->base_url() + "/units/units/?limit=1");  // /auth/ answers anyone
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.body.find(o.token), std::string::npos);
}

TEST_F(HttpClientServerTest, ResetAfterSend) {
  ASSERT_TRUE(server_->AddFault(R"({"path_prefix":"/api/auth/","action":"reset"})").ok());
  HttpResponse r = client_->Get(server_->base_url() + "/auth/");
  EXPECT_EQ(r.error, TransportError::kResetAfterSend) << r.error_message;
  EXPECT_EQ(r.error_message.find(server_->token()), std::string::npos);
}

TEST_F(HttpClientServerTest, TimeoutAfterSend) {
  ASSERT_TRUE(
      server_->AddFault(R"({"path_prefix":"/api/auth/","action":"hang","seconds":10})").ok());
  HttpResponse r = client_->Get(server_->base_url() + "/auth/");
  EXPECT_EQ(r.error, TransportError::kTimeoutAfterSend) << r.error_message;
  // The client recovers on the next request.
  r = client_->Get(server_->base_url() + "/auth/");
  EXPECT_EQ(r.status, 200);
}

TEST_F(HttpClientServerTest, ConnectionRefused) {
  const std::string url = server_->base_url() + "/auth/";
  ASSERT_TRUE(server_->Stop().ok());
  HttpResponse r = client_->Get(url);
  EXPECT_EQ(r.error, TransportError::kConnectFailed) << r.error_message;
}

TEST(HttpClientRadMachineTest, SendsRadAuthorization) {
  QatrackTestServer::Options so;
  so.radmachine = true;
  auto s = QatrackTestServer::Start(so);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  HttpClientOptions o;
  o.token = (*s)->token();
  o.radmachine = true;
  auto c = HttpClient::Create(o);
  ASSERT_TRUE(c.ok());
  const std::string units = (*s)->base_url() + "/units/units/?limit=1";  // /auth/ answers anyone
  EXPECT_EQ((*c)->Get(units).status, 200);
  o.radmachine = false;
  c = HttpClient::Create(o);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ((*c)->Get(units).status, 401);
}

TEST(SafeUrl, DropsCredentialsQueryAndFragment) {
  EXPECT_EQ(SafeUrl("https://user:pw@host:8443/api?token=x"), "https://host:8443/api");
  EXPECT_EQ(SafeUrl("https://user:pw@host/api/#frag"), "https://host/api/");
  EXPECT_EQ(SafeUrl("http://127.0.0.1:80/api"), "http://127.0.0.1:80/api");
  // Unescaped '/', '?', '#' or '@' in a password: no part of it shows.
  for (const char* url : {"https://user:pa/ss@host/api", "https://user:pa?ss@host/api",
                          "https://user:pa#ss@host/api", "https://user:p@ss@host/api"}) {
    EXPECT_EQ(SafeUrl(url), "https://host/api") << url;
  }
}

TEST(TokenForm, QatrackHexAndRadMachinePrintableOnly) {
  EXPECT_TRUE(CheckTokenForm("0123456789abcdef0123456789ABCDEF01234567", false).ok());
  EXPECT_FALSE(CheckTokenForm("0123456789abcdef0123456789abcdef0123456", false).ok());  // 39
  EXPECT_FALSE(CheckTokenForm("0123456789abcdef0123456789abcdef0123456g", false).ok());
  EXPECT_TRUE(CheckTokenForm("rad-Token_1.2/abc", true).ok());
  EXPECT_FALSE(CheckTokenForm("rad token", true).ok());
  for (bool rad : {false, true}) {
    Status s = CheckTokenForm("0123456789abcdef0123456789abcdef01234567\r\nX-Injected: 1", rad);
    ASSERT_FALSE(s.ok());
    EXPECT_NE(s.message().find("line break"), std::string::npos) << s.message();
    EXPECT_EQ(s.message().find("X-Injected"), std::string::npos) << "never the token";
    // The client itself refuses it too, whoever configured it.
    HttpClientOptions o;
    o.radmachine = rad;
    o.token = "0123456789abcdef0123456789abcdef01234567\r\nX-Injected: 1";
    auto c = HttpClient::Create(o);
    EXPECT_EQ(c.ok() ? "" : c.status().message(), "the API token " + s.message());
  }
}

}  // namespace
}  // namespace qcflow::qatrack
