#include "tests/testing/postgres_server.h"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>

namespace qcflow::testing {
namespace {

TEST(PostgresServerTest, StartsOnLoopbackCreatesDatabasesRestartsAndStops) {
  auto server = PostgresServer::Start();
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  PostgresServer& pg = **server;
  EXPECT_GT(pg.port(), 0);
  ASSERT_TRUE(pg.CreateDatabase("mirror").ok());
  auto version = pg.Psql("mirror", "SHOW server_version_num");
  ASSERT_TRUE(version.ok()) << version.status().ToString() << pg.Diagnostics();
  EXPECT_EQ(version->substr(0, 2), "15") << *version;
  auto listen = pg.Psql("mirror", "SHOW listen_addresses");
  ASSERT_TRUE(listen.ok());
  EXPECT_EQ(*listen, "127.0.0.1");
  auto who = pg.Psql("mirror", "SELECT current_user");
  ASSERT_TRUE(who.ok());
  EXPECT_EQ(*who, "qcflow");
  ASSERT_TRUE(pg.Psql("mirror", "CREATE TABLE t (v int); INSERT INTO t VALUES (7)").ok());

  ASSERT_TRUE(pg.Stop().ok());
  EXPECT_FALSE(pg.Psql("mirror", "SELECT 1").ok()) << "the server still answers after Stop()";
  ASSERT_TRUE(pg.Restart().ok()) << pg.Diagnostics();
  auto kept = pg.Psql("mirror", "SELECT v FROM t");
  ASSERT_TRUE(kept.ok()) << kept.status().ToString();
  EXPECT_EQ(*kept, "7");
}

bool Accepts(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(uint16_t(port));
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  ::close(fd);
  return ok;
}

TEST(PostgresServerTest, AKilledTestLeavesNoServerBehind) {
  int fds[2];
  ASSERT_EQ(::pipe2(fds, O_CLOEXEC), 0);
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {  // a test process that starts a server and is then killed
    auto server = PostgresServer::Start();
    const std::string said = server.ok() ? std::to_string((*server)->port()) + " " + (*server)->root() : "-1 ";
    (void)!::write(fds[1], said.data(), said.size());
    ::close(fds[1]);
    for (;;) ::pause();
  }
  ::close(fds[1]);
  std::string said;
  char buf[512];
  // EOF once the child closed its end (O_CLOEXEC: the server never held it).
  for (ssize_t n; (n = ::read(fds[0], buf, sizeof(buf))) > 0;) said.append(buf, size_t(n));
  ::close(fds[0]);
  const int port = std::atoi(said.c_str());
  const std::string root = said.substr(said.find(' ') + 1);
  ASSERT_GT(port, 0) << "the child could not start a server";
  EXPECT_TRUE(Accepts(port));
  ::kill(child, SIGKILL);
  ::waitpid(child, nullptr, 0);
  bool gone = false;
  for (int i = 0; i < 200 && !gone; ++i) {
    gone = !Accepts(port);
    if (!gone) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_TRUE(gone) << "the server outlived its test on port " << port;
  std::error_code ec;
  std::filesystem::remove_all(root, ec);  // the killed test could not
}

TEST(PostgresServerTest, MissingServerSaysWhatToInstall) {
  ::setenv("QCFLOW_POSTGRES_BINDIR", "/nonexistent/postgresql/15/bin", 1);
  auto server = PostgresServer::Start();
  ::unsetenv("QCFLOW_POSTGRES_BINDIR");
  ASSERT_FALSE(server.ok());
  EXPECT_NE(server.status().message().find("postgresql-15"), std::string::npos)
      << server.status().message();
}

}  // namespace
}  // namespace qcflow::testing
