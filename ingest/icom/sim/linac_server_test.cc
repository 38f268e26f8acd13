#include "ingest/icom/sim/linac_server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <thread>
#include <vector>

#include "ingest/icom/framer.h"
#include "ingest/icom/decoder.h"

namespace qcflow::icom {
namespace {

// Connects to 127.0.0.1:port, reads until EOF (bounded by the server closing
// after its last message), frames everything. Returns the decoded counters.
std::vector<uint8_t> ReadAll(uint16_t port, Framer::Trailing* trailing) {
  std::vector<uint8_t> counters;
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  EXPECT_GE(fd, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
  IcomMessage m;
  Framer framer([&](const Frame& f) {
    EXPECT_EQ(f.chained_size, f.bytes.size());
    ASSERT_TRUE(DecodeMessage(f.bytes, &m).ok());
    counters.push_back(m.counter);
  });
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n <= 0) break;  // EOF (FIN) or error: stop, never spin
    framer.Feed(std::string_view(buf, static_cast<size_t>(n)));
  }
  ::close(fd);
  *trailing = framer.Flush();
  return counters;
}

TEST(LinacServerTest, StreamsConsecutiveCountersThenFin) {
  LinacServerOptions o;
  o.port = 0;
  o.rate = 0;  // as fast as the client reads
  o.generator.messages = 300;
  o.generator.first_counter = 200;
  auto server = LinacServer::Start(o);
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  std::thread t([&] { (*server)->Run(); });
  Framer::Trailing trailing;
  std::vector<uint8_t> counters = ReadAll((*server)->port(), &trailing);
  t.join();
  // The last message's end is only known to a live reader as a fragment.
  ASSERT_EQ(counters.size(), 299u);
  EXPECT_EQ(trailing.bytes > 0, true);
  for (size_t i = 0; i < counters.size(); ++i) {
    EXPECT_EQ(counters[i], static_cast<uint8_t>(200 + i)) << i;  // wraps 255 -> 0
  }
  EXPECT_EQ((*server)->counters().generated, 300u);
}

TEST(LinacServerTest, CloseMidMessageFaultEndsWithAFragment) {
  LinacServerOptions o;
  o.port = 0;
  o.rate = 0;
  o.generator.messages = 60;
  o.fault_close_mid_message = true;  // at message 50
  auto server = LinacServer::Start(o);
  ASSERT_TRUE(server.ok());
  std::thread t([&] { (*server)->Run(); });
  Framer::Trailing trailing;
  std::vector<uint8_t> counters = ReadAll((*server)->port(), &trailing);
  (*server)->Stop();  // rate 0 pauses with no client: stop it here
  t.join();
  EXPECT_EQ(counters.size(), 50u);
  EXPECT_GT(trailing.bytes, 0u);
  EXPECT_FALSE(trailing.chain_complete);
}

TEST(LinacServerTest, ReconnectingClientGetsAResentBurstFirst) {
  LinacServerOptions o;
  o.port = 0;
  o.rate = 0;
  o.generator.messages = 200;
  o.fault_close_mid_message = true;  // the first client is cut at message 50
  o.fault_resend_burst = true;
  o.resend_burst = 10;
  auto server = LinacServer::Start(o);
  ASSERT_TRUE(server.ok());
  std::thread t([&] { (*server)->Run(); });
  Framer::Trailing trailing;
  std::vector<uint8_t> first = ReadAll((*server)->port(), &trailing);
  ASSERT_EQ(first.size(), 50u);
  // Reconnect: the last 10 generated messages again (some the first client
  // already had), then live ones, consecutively, until the next cut.
  std::vector<uint8_t> second = ReadAll((*server)->port(), &trailing);
  (*server)->Stop();
  t.join();
  ASSERT_GT(second.size(), 11u);
  EXPECT_LT(second[0], first.back()) << "the burst repeats earlier messages";
  for (size_t i = 1; i < second.size(); ++i) {
    EXPECT_EQ(second[i], static_cast<uint8_t>(second[i - 1] + 1)) << i;
  }
}

TEST(LinacServerTest, RefusesNonLoopbackHost) {
  LinacServerOptions o;
  o.host = "0.0.0.0";
  auto server = LinacServer::Start(o);
  ASSERT_FALSE(server.ok());
  EXPECT_EQ(server.status().code(), Status::Code::kInvalidArgument);
}

TEST(LinacServerTest, StopClosesAnIdleServer) {
  LinacServerOptions o;
  o.port = 0;
  auto server = LinacServer::Start(o);
  ASSERT_TRUE(server.ok());
  std::thread t([&] { (*server)->Run(); });
  (*server)->Stop();
  t.join();  // returns: nothing left running
  SUCCEED();
}

}  // namespace
}  // namespace qcflow::icom
