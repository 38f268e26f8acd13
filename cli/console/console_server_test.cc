// The console's listener over loopback TCP: what reaches the handler, the
// headers on every answer, the request limit, HEAD, and shutdown with a
// client still connected.
#include "cli/console/console_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <cerrno>

#include "tests/testing/child_process.h"

namespace qcflow::console {
namespace {

// A connected client socket, closed on destruction; -1 when connecting failed.
struct Client {
  explicit Client(int port) {
    fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
      close(fd);
      fd = -1;
    }
  }
  ~Client() {
    if (fd >= 0) close(fd);
  }
  // Sends `request`, then reads until the server closes (one request per connection).
  std::string Exchange(const std::string& request) const {
    for (size_t sent = 0; sent < request.size();) {
      const ssize_t n = send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) break;  // the server may answer and close before reading everything
      sent += size_t(n);
    }
    std::string reply;
    char buf[4096];
    for (ssize_t n; (n = recv(fd, buf, sizeof buf, 0)) > 0;) reply.append(buf, size_t(n));
    return reply;
  }
  int fd = -1;
};

std::string Listen() { return "127.0.0.1:" + std::to_string(testing::FreePort()); }

TEST(ConsoleServer, PassesTheRequestAndAnswersWithTheConsolesHeaders) {
  HttpExchange seen;
  auto server = ConsoleServer::Start(Listen(), [&seen](const HttpExchange& x) {
    seen = x;
    return HttpAnswer{201, "application/json", R"({"v":1})", {{"X-Extra", "yes"}}};
  });
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  Client c((*server)->port());
  ASSERT_GE(c.fd, 0);
  const std::string reply = c.Exchange(
      "POST /api/v1/dead-letters/retry?sink=q HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer t0k\r\n"
      "Content-Length: 2\r\n\r\n{}");
  EXPECT_EQ(seen.method, "POST");
  EXPECT_EQ(seen.target, "/api/v1/dead-letters/retry?sink=q");
  EXPECT_EQ(seen.authorization, "Bearer t0k");
  EXPECT_EQ(seen.body, "{}");
  EXPECT_EQ(reply.rfind("HTTP/1.1 201", 0), 0u) << reply;
  for (const char* h : {"Content-Type: application/json", "X-Content-Type-Options: nosniff",
                        "X-Frame-Options: DENY", "Cache-Control: no-store", "Connection: close",
                        "Content-Security-Policy: default-src 'self'", "X-Extra: yes"}) {
    EXPECT_NE(reply.find(h), std::string::npos) << h << " in\n" << reply;
  }
  EXPECT_EQ(reply.find("Set-Cookie"), std::string::npos);
  EXPECT_EQ(reply.substr(reply.size() - 7), R"({"v":1})");
}

TEST(ConsoleServer, ARequestOverTheLimitIs413AndNeverReachesTheHandler) {
  std::atomic<int> calls{0};
  auto server = ConsoleServer::Start(Listen(), [&calls](const HttpExchange&) {
    ++calls;
    return HttpAnswer{200, "text/plain", "ok", {}};
  });
  ASSERT_TRUE(server.ok());
  Client c((*server)->port());
  const std::string body(70 * 1024, 'x');
  const std::string reply = c.Exchange("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: " +
                                       std::to_string(body.size()) + "\r\n\r\n" + body);
  EXPECT_EQ(reply.rfind("HTTP/1.1 413", 0), 0u) << reply.substr(0, 200);
  EXPECT_NE(reply.find("request too large"), std::string::npos);
  EXPECT_EQ(calls, 0);
}

TEST(ConsoleServer, HeadAnswersTheLengthWithoutTheBody) {
  auto server = ConsoleServer::Start(Listen(), [](const HttpExchange&) {
    return HttpAnswer{200, "text/html; charset=utf-8", "<p>twelve b</p>", {}};
  });
  ASSERT_TRUE(server.ok());
  Client c((*server)->port());
  const std::string reply = c.Exchange("HEAD / HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_NE(reply.find("Content-Length: 15"), std::string::npos) << reply;
  EXPECT_EQ(reply.find("<p>"), std::string::npos) << reply;
}

TEST(ConsoleServer, StoppingClosesAClientMidRequest) {
  auto server = ConsoleServer::Start(Listen(), [](const HttpExchange&) { return HttpAnswer{}; });
  ASSERT_TRUE(server.ok());
  Client idle((*server)->port());
  ASSERT_GE(idle.fd, 0);
  const std::string partial = "GET / HTTP/1.1\r\nHost: x\r\n";  // and never the blank line
  ASSERT_EQ(send(idle.fd, partial.data(), partial.size(), MSG_NOSIGNAL), ssize_t(partial.size()));
  usleep(200 * 1000);  // let the io thread accept it and start reading (not a timing check)
  // Joins the io thread. Were open connections not closed, the 10 s request
  // deadline would still end this one: the check is that it is closed, not how soon.
  server->reset();
  char b;
  const ssize_t n = recv(idle.fd, &b, 1, 0);
  EXPECT_TRUE(n == 0 || (n < 0 && errno == ECONNRESET)) << "closed by the server, got " << n;
}

TEST(ConsoleServer, ATakenPortOrANonLoopbackAddressIsRefusedNamingTheSetting) {
  auto first = ConsoleServer::Start(Listen(), [](const HttpExchange&) { return HttpAnswer{}; });
  ASSERT_TRUE(first.ok());
  auto second = ConsoleServer::Start((*first)->address(), [](const HttpExchange&) { return HttpAnswer{}; });
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), Status::Code::kUnavailable) << second.status().ToString();
  EXPECT_NE(second.status().message().find("change [console].listen"), std::string::npos);
  auto wide = ConsoleServer::Start("0.0.0.0:8080", [](const HttpExchange&) { return HttpAnswer{}; });
  ASSERT_FALSE(wide.ok());
  EXPECT_NE(wide.status().message().find("[console].listen '0.0.0.0:8080' must be a loopback"), std::string::npos)
      << wide.status().ToString();
}

}  // namespace
}  // namespace qcflow::console
