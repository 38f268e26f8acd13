// `qcflow simulate-linac` end to end: the binary on a free loopback port, read
// with a plain socket and the Framer; SIGTERM ends the stream with a FIN.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <vector>

#include "ingest/icom/framer.h"
#include "ingest/icom/decoder.h"

namespace {

struct Child {
  pid_t pid = -1;
  int out = -1;  // the child's stdout
};

Child Spawn(const std::vector<std::string>& args) {
  int p[2];
  if (pipe(p) != 0) return {};
  Child c;
  c.pid = fork();
  if (c.pid == 0) {
    dup2(p[1], STDOUT_FILENO);
    close(p[0]);
    close(p[1]);
    std::vector<char*> argv;
    std::string bin = QCFLOW_BIN;
    argv.push_back(bin.data());
    for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(bin.c_str(), argv.data());
    _exit(127);
  }
  close(p[1]);
  c.out = p[0];
  return c;
}

// Reads the "listening on 127.0.0.1:PORT" line.
int ReadPort(int fd) {
  std::string line;
  char ch;
  while (line.size() < 200 && read(fd, &ch, 1) == 1 && ch != '\n') line.push_back(ch);
  const size_t colon = line.rfind(':');
  return colon == std::string::npos ? -1 : std::atoi(line.c_str() + colon + 1);
}

int Connect(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0) return -1;
  timeval tv{30, 0};  // a hung simulator fails the test instead of hanging it
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  return fd;
}

int WaitExit(pid_t pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(SimulateLinacTest, StreamsConsecutiveCountersAndEndsWithFin) {
  Child c = Spawn({"simulate-linac", "--port", "0", "--rate", "0", "--messages", "40",
                   "--seed", "3"});
  ASSERT_GT(c.pid, 0);
  const int port = ReadPort(c.out);
  ASSERT_GT(port, 0);
  const int fd = Connect(port);
  ASSERT_GE(fd, 0);
  std::vector<uint8_t> counters;
  qcflow::icom::IcomMessage m;
  qcflow::icom::Framer framer([&](const qcflow::icom::Frame& f) {
    ASSERT_TRUE(qcflow::icom::DecodeMessage(f.bytes, &m).ok());
    counters.push_back(m.counter);
  });
  char buf[8192];
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0) framer.Feed(std::string_view(buf, n));
  EXPECT_EQ(n, 0) << "expected a FIN, got errno " << errno;
  close(fd);
  framer.Flush();
  ASSERT_EQ(counters.size(), 39u);  // the 40th is a trailing fragment to a live reader
  for (size_t i = 1; i < counters.size(); ++i) {
    EXPECT_EQ(qcflow::icom::CounterGap(counters[i - 1], counters[i]), 0) << i;
  }
  EXPECT_EQ(WaitExit(c.pid), 0);
  close(c.out);
}

TEST(SimulateLinacTest, SigtermClosesWithFinAndExitsZero) {
  Child c = Spawn({"simulate-linac", "--port", "0", "--rate", "200"});
  ASSERT_GT(c.pid, 0);
  const int port = ReadPort(c.out);
  ASSERT_GT(port, 0);
  const int fd = Connect(port);
  ASSERT_GE(fd, 0);
  size_t frames = 0;
  qcflow::icom::Framer framer([&](const qcflow::icom::Frame&) { ++frames; });
  char buf[8192];
  ssize_t n = 1;
  while (frames < 5 && (n = read(fd, buf, sizeof buf)) > 0) framer.Feed(std::string_view(buf, n));
  ASSERT_GE(frames, 5u);
  kill(c.pid, SIGTERM);
  while ((n = read(fd, buf, sizeof buf)) > 0) {
  }
  EXPECT_EQ(n, 0) << "expected a FIN, got errno " << errno;
  close(fd);
  EXPECT_EQ(WaitExit(c.pid), 0);
  close(c.out);
}

TEST(SimulateLinacTest, RefusesNonLoopbackHost) {
  Child c = Spawn({"simulate-linac", "--host", "0.0.0.0", "--port", "0"});
  ASSERT_GT(c.pid, 0);
  EXPECT_EQ(WaitExit(c.pid), 2);
  close(c.out);
}

}  // namespace
