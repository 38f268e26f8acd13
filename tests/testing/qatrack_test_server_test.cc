// Tests of the QatrackTestServer fixture: it starts the Python double, controls it, and
// stops it. The double's own behaviour is covered by qatrack_server_test.py.
#include "tests/testing/qatrack_test_server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <nlohmann/json.hpp>

namespace qcflow::testing {
namespace {

using nlohmann::json;

constexpr char kSeed[] = R"({
  "units": [{"number": 7, "name": "Linac 7", "serial_number": "7777"}],
  "test_lists": [{"name": "MPC: Beam and Geometry Checks",
                  "tests": [{"slug": "isocentergroup_isocentersize_mm_6x"},
                            {"slug": "beamgroup_beamoutputchange_per_6x"}]}],
  "utcs": [{"unit": 7, "test_list": "MPC: Beam and Geometry Checks"}]
})";

constexpr char kUpload[] = R"({
  "unit_test_collection": "/api/qa/unittestcollections/1/",
  "work_started": "2020-06-25 07:11:30", "work_completed": "2020-06-25 07:12:30",
  "user_key": "QCPump/MPC/7777/2020-06-25-07-11/Beam and Geometry Checks",
  "tests": {"isocentergroup_isocentersize_mm_6x": {"value": 0.3},
            "beamgroup_beamoutputchange_per_6x": {"skipped": true}}
})";

std::unique_ptr<QatrackTestServer> StartOrDie(const QatrackTestServer::Options& options) {
  auto server = QatrackTestServer::Start(options);
  EXPECT_TRUE(server.ok()) << server.status().ToString();
  if (!server.ok()) return nullptr;
  return std::move(server.value());
}

Result<HttpReply> PostUpload(const QatrackTestServer& server, const std::string& body) {
  return HttpRequest("POST", server.base_url() + "/qa/testlistinstances/", body, {server.auth_header()});
}

bool Accepts(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  close(fd);
  return ok;
}

TEST(QatrackTestServerTest, StartSeedUploadReadBackStop) {
  QatrackTestServer::Options options;
  options.zone = "Europe/Berlin";
  auto server = StartOrDie(options);
  ASSERT_NE(server, nullptr);
  EXPECT_GT(server->port(), 0);
  EXPECT_EQ(server->base_url(), "http://127.0.0.1:" + std::to_string(server->port()) + "/api");
  ASSERT_TRUE(server->Seed(kSeed).ok());

  auto reply = PostUpload(*server, kUpload);
  ASSERT_TRUE(reply.ok()) << reply.status().ToString();
  EXPECT_EQ(reply->status, 201) << reply->body;
  json created = json::parse(reply->body);
  EXPECT_EQ(created["url"], server->base_url() + "/qc/testlistinstances/1/");

  auto stored = server->Stored();
  ASSERT_TRUE(stored.ok()) << stored.status().ToString();
  json s = json::parse(*stored);
  ASSERT_EQ(s["count"], 1);
  const json& inst = s["results"][0];
  EXPECT_EQ(inst["user_key"], "QCPump/MPC/7777/2020-06-25-07-11/Beam and Geometry Checks");
  EXPECT_EQ(inst["unit_number"], 7);
  EXPECT_EQ(inst["work_started"]["text"], "2020-06-25 07:11:30");
  EXPECT_EQ(inst["work_started"]["utc"], "2020-06-25T05:11:30Z");  // Berlin summer time
  EXPECT_EQ(inst["tests"]["isocentergroup_isocentersize_mm_6x"]["value"], 0.3);
  EXPECT_EQ(inst["tests"]["beamgroup_beamoutputchange_per_6x"]["skipped"], true);

  auto requests = server->Requests();
  ASSERT_TRUE(requests.ok());
  EXPECT_EQ(requests->find(server->token()), std::string::npos);
  json log = json::parse(*requests);
  ASSERT_EQ(log["count"], 1);
  EXPECT_EQ(log["results"][0]["status"], 201);
  EXPECT_EQ(log["results"][0]["auth_header_present"], true);

  const int port = server->port();
  EXPECT_TRUE(server->Stop().ok());
  EXPECT_FALSE(Accepts(port));
  EXPECT_FALSE(server->Stored().ok());
}

TEST(QatrackTestServerTest, FaultFiresOnceThenClears) {
  auto server = StartOrDie({});
  ASSERT_NE(server, nullptr);
  ASSERT_TRUE(server->Seed(kSeed).ok());
  ASSERT_TRUE(server->AddFault(R"({"method":"POST","path_prefix":"/api/qa/testlistinstances/",)"
                               R"("action":"status","code":503,"times":1})")
                  .ok());
  auto first = PostUpload(*server, kUpload);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->status, 503);
  EXPECT_NE(first->body.find("<html>"), std::string::npos);
  auto second = PostUpload(*server, kUpload);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->status, 201);

  ASSERT_TRUE(server->AddFault(R"({"action":"reset","times":-1})").ok());
  auto reset = PostUpload(*server, kUpload);
  EXPECT_FALSE(reset.ok());  // a transport error, not an HTTP answer
  ASSERT_TRUE(server->ClearFaults().ok());
  auto third = PostUpload(*server, kUpload);
  ASSERT_TRUE(third.ok());
  EXPECT_EQ(third->status, 400);  // the user_key exists
  EXPECT_EQ(json::parse(third->body),
            json::parse(R"({"user_key":["test list instance with this user key already exists."]})"));
}

TEST(QatrackTestServerTest, BadControlInputIsAnError) {
  auto server = StartOrDie({});
  ASSERT_NE(server, nullptr);
  Status st = server->AddFault(R"({"action":"explode"})");
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("action must be one of"), std::string::npos) << st.ToString();
  EXPECT_FALSE(server->Seed(R"({"units":[{"number":1},{"number":1}]})").ok());
  EXPECT_FALSE(server->Configure(R"({"user_rate":"lots"})").ok());
}

TEST(QatrackTestServerTest, ResetAndConfigure) {
  auto server = StartOrDie({});
  ASSERT_NE(server, nullptr);
  ASSERT_TRUE(server->Seed(kSeed).ok());
  ASSERT_TRUE(PostUpload(*server, kUpload).ok());
  ASSERT_TRUE(server->Reset().ok());
  EXPECT_EQ(json::parse(*server->Stored())["count"], 0);
  EXPECT_EQ(json::parse(*server->Requests())["count"], 0);

  ASSERT_TRUE(server->Configure(R"({"permission_denied": true})").ok());
  auto denied = HttpRequest("GET", server->base_url() + "/auth/", "", {server->auth_header()});
  ASSERT_TRUE(denied.ok());
  EXPECT_EQ(denied->status, 403);
}

TEST(QatrackTestServerTest, RadMachineHeader) {
  QatrackTestServer::Options options;
  options.radmachine = true;
  auto server = StartOrDie(options);
  ASSERT_NE(server, nullptr);
  EXPECT_EQ(server->auth_header().rfind("RadAuthorization: Token ", 0), 0u);
  // /auth/ answers anyone (as the real server does): ask a route that needs the token.
  const std::string units = server->base_url() + "/units/units/?limit=1";
  auto ok = HttpRequest("GET", units, "", {server->auth_header()});
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->status, 200);
  auto plain = HttpRequest("GET", units, "", {"Authorization: Token " + server->token()});
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->status, 401);
}

TEST(QatrackTestServerTest, DestructorReapsTheChild) {
  pid_t pid = 0;
  {
    auto server = StartOrDie({});
    ASSERT_NE(server, nullptr);
    pid = server->pid();
    ASSERT_GT(pid, 0);
    EXPECT_EQ(kill(pid, 0), 0);
  }
  EXPECT_EQ(kill(pid, 0), -1);
  EXPECT_EQ(errno, ESRCH);
}

TEST(QatrackTestServerTest, StartFailsCleanly) {
  QatrackTestServer::Options options;
  options.script = "/nonexistent/qatrack_server.py";
  auto missing = QatrackTestServer::Start(options);
  EXPECT_FALSE(missing.ok());

  options = QatrackTestServer::Options();
  options.zone = "Not/AZone";
  auto bad_zone = QatrackTestServer::Start(options);
  ASSERT_FALSE(bad_zone.ok());
  EXPECT_NE(bad_zone.status().message().find("before listening"), std::string::npos)
      << bad_zone.status().ToString();

  options = QatrackTestServer::Options();
  options.python = "/nonexistent/python3";
  auto no_python = QatrackTestServer::Start(options);
  ASSERT_FALSE(no_python.ok());
  EXPECT_NE(no_python.status().message().find("could not execute"), std::string::npos)
      << no_python.status().ToString();
}

}  // namespace
}  // namespace qcflow::testing
