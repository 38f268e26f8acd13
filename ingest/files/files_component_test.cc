#include "ingest/files/files_component.h"

#include <gtest/gtest.h>

#include "process/component/config_table.h"

namespace qcflow::files {
namespace {

// Reads one [[source.files]] table; the errors it reported go to *errors.
std::shared_ptr<FilesComponent> Read(const std::string& keys, component::Errors* errors) {
  const std::string text = "dirs = [{ path = \"/srv/in\", unit = \"TB1\" }]\ntest_list = \"Reports\"\n" + keys;
  toml::table t = toml::parse(text);
  const std::string file = "qcflow.toml";
  component::ConfigTable r(t, "[[source.files]]", file, errors);
  component::CommonOptions common{"source.files", "reports", 1, std::chrono::minutes(1), {}};
  return std::static_pointer_cast<FilesComponent>(FilesSourceKind().read(r, common));
}

std::string Errors(const std::string& keys) {
  component::Errors errors;
  Read(keys, &errors);
  std::string all;
  for (const std::string& e : errors) all += e + "\n";
  return all;
}

TEST(FilesComponent, HistoryDefaultsToADayAndMayBeAll) {
  component::Errors errors;
  auto c = Read("", &errors);
  ASSERT_TRUE(errors.empty()) << errors.front();
  EXPECT_EQ(c->settings().history, std::chrono::hours(24)) << "as MPC: a switch from QCPump re-sends no archive";
  EXPECT_FALSE(c->settings().scan.since) << "the worker fixes it from its first start";
  EXPECT_EQ(Read("history = \"all\"\n", &errors)->settings().history, std::nullopt);
  EXPECT_EQ(Read("history = \"30d\"\n", &errors)->settings().history, std::chrono::hours(24 * 30));
  EXPECT_TRUE(errors.empty());
  EXPECT_NE(Errors("history = \"forever\"\n").find(
                "qcflow.toml:3: [[source.files]].history must be a duration such as \"24h\" or \"30d\", "
                "or \"all\" to upload every file already in the directories (it is \"forever\")"),
            std::string::npos)
      << Errors("history = \"forever\"\n");
  EXPECT_NE(Errors("history = \"5000d\"\n").find("from 0s to 3650d (duration '5000d' is longer than 3650d)"), std::string::npos)
      << Errors("history = \"5000d\"\n");
}

TEST(FilesComponent, UnknownKeysAndChoicesAreNamed) {
  EXPECT_NE(Errors("histroy = \"1d\"\n").find("did you mean 'history'?"), std::string::npos)
      << Errors("histroy = \"1d\"\n");
  EXPECT_NE(Errors("mode = \"bin\"\n").find("mode must be one of \"text\", \"binary\""), std::string::npos)
      << Errors("mode = \"bin\"\n");
}

}  // namespace
}  // namespace qcflow::files
