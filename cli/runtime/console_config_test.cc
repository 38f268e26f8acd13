// [console]: the web console's section (listen, token_file, show_patient_names).
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "cli/runtime/config.h"
#include "tests/testing/temp_dir.h"

namespace qcflow::config {
namespace {

std::string Problems(const std::string& text) {
  auto c = ParseConfig(text, "qcflow.toml");
  return c.ok() ? "" : c.status().message();
}

TEST(ConsoleConfig, OffWhenAbsent) {
  auto c = ParseConfig("[store]\npath = \"s\"\n", "qcflow.toml");
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_TRUE(c->console.listen.empty());
  EXPECT_TRUE(c->console.token.empty());
  EXPECT_FALSE(c->console.show_patient_names);
}

TEST(ConsoleConfig, ListenIsLoopbackOnly) {
  for (const char* bad : {"0.0.0.0:8080", "192.168.1.5:8080", "example.org:8080", "127.0.0.1"}) {
    const std::string p = Problems(std::string("[console]\nlisten = \"") + bad + "\"\n");
    EXPECT_NE(p.find("qcflow.toml:2: [console].listen '" + std::string(bad) + "' must be a loopback"),
              std::string::npos)
        << p;
  }
  EXPECT_NE(Problems("[console]\nshow_patient_names = true\n").find("'listen' is required"),
            std::string::npos);
  EXPECT_NE(Problems("[console]\nlisten = \"127.0.0.1:8080\"\nshow_patient_names = \"yes\"\n")
                .find("[console].show_patient_names must be true or false"),
            std::string::npos);
  auto c = ParseConfig("[console]\nlisten = \"[::1]:8080\"\nshow_patient_names = true\n", "qcflow.toml");
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->console.listen, "[::1]:8080");
  EXPECT_TRUE(c->console.show_patient_names);
}

TEST(ConsoleConfig, TokenFileMustBePrivate) {
  testing::TempDir dir;
  const std::string path = dir.Sub("console.token");
  testing::WriteFile(path, "s3cret-console-token\n");
  const std::string text = "[console]\nlisten = \"127.0.0.1:8080\"\ntoken_file = \"" + path + "\"\n";
  chmod(path.c_str(), 0644);
  std::string p = Problems(text);
  EXPECT_NE(p.find("qcflow.toml:3: [console].token_file " + path +
                   " is readable by others (mode 644); run: chmod 600 " + path),
            std::string::npos)
      << p;
  EXPECT_EQ(p.find("s3cret"), std::string::npos) << "the token is never in a message";
  chmod(path.c_str(), 0600);
  auto c = ParseConfig(text, "qcflow.toml");
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->console.token, "s3cret-console-token");
  p = Problems("[console]\nlisten = \"127.0.0.1:8080\"\ntoken_file = \"" + dir.Sub("none") + "\"\n");
  EXPECT_NE(p.find("does not exist"), std::string::npos) << p;
}

}  // namespace
}  // namespace qcflow::config
