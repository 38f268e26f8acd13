#include "cli/runtime/listen_address.h"

#include <gtest/gtest.h>

namespace qcflow::config {
namespace {

TEST(ListenAddress, LoopbackLiteralsAndLocalhostWithAPort) {
  auto v4 = ParseLoopbackListen("127.0.0.1:9187");
  ASSERT_TRUE(v4.ok()) << v4.status().ToString();
  EXPECT_EQ(v4->ip, "127.0.0.1");
  EXPECT_EQ(v4->port, 9187);
  auto v6 = ParseLoopbackListen("[::1]:65535");
  ASSERT_TRUE(v6.ok()) << v6.status().ToString();
  EXPECT_EQ(v6->ip, "::1");
  EXPECT_EQ(v6->port, 65535);
  auto named = ParseLoopbackListen("localhost:1");
  ASSERT_TRUE(named.ok());
  EXPECT_EQ(named->ip, "127.0.0.1");
  EXPECT_TRUE(ParseLoopbackListen("127.8.9.10:9187").ok());
}

TEST(ListenAddress, RefusesWhatCannotBeBoundAsWritten) {
  for (const char* bad : {"127.0.0.1:19309x", "127.0.0.1.nip.io:19309", "127.0.0.1:0",
                          "127.0.0.1:65536", "127.0.0.1:", "127.0.0.1", ":9187", "0.0.0.0:9187",
                          "10.0.0.1:9187", "[::]:9187", "::1:9187", "[127.0.0.1]:9187",
                          "127.1:9187", "127.0.0.1: 9187", "127.0.0.1:-1"}) {
    auto r = ParseLoopbackListen(bad);
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) {
      EXPECT_NE(r.status().message().find("port 1 to 65535"), std::string::npos) << r.status().message();
    }
  }
}

}  // namespace
}  // namespace qcflow::config
