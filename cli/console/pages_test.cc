// The pages: what is served from the folder, and what never is.
#include "cli/console/pages.h"

#include <gtest/gtest.h>

#include <cstdlib>

#include "cli/console/console.h"
#include "tests/testing/temp_dir.h"

namespace qcflow::console {
namespace {

TEST(ConsolePages, ServesPagesByNameAndNothingElse) {
  testing::TempDir dir;
  testing::WriteFile(dir.Sub("pages/index.html"), "<p>overview</p>");
  testing::WriteFile(dir.Sub("pages/console.js"), "let x;");
  testing::WriteFile(dir.Sub("secret.html"), "outside");
  testing::WriteFile(dir.Sub("pages/notes.txt"), "not a page type");
  const std::string pages = dir.Sub("pages");
  HttpAnswer a = ServePage(pages, "/");
  EXPECT_EQ(a.status, 200);
  EXPECT_EQ(a.body, "<p>overview</p>");
  EXPECT_EQ(a.content_type, "text/html; charset=utf-8");
  a = ServePage(pages, "/console.js");
  EXPECT_EQ(a.status, 200);
  EXPECT_EQ(a.content_type, "text/javascript; charset=utf-8");
  for (const char* bad : {"/../secret.html", "/notes.txt", "/missing.html", "/sub/index.html",
                          "/%2e%2e/secret.html", "/.html", "/Index.html"}) {
    EXPECT_EQ(ServePage(pages, ParseTarget(bad).path).status, 404) << bad;
  }
}

TEST(ConsolePages, ApiAndPagesShareOneHandler) {
  testing::TempDir dir;
  testing::WriteFile(dir.Sub("index.html"), "<p>overview</p>");
  ConsoleBackend none;
  none.status = [] { return Result<cli::StatusSnapshot>(cli::StatusSnapshot()); };
  const ConsoleFiles files{dir.path(), ""};
  EXPECT_EQ(HandleConsole(none, files, {"GET", "/?x=1", "", ""}).body, "<p>overview</p>");
  EXPECT_EQ(HandleConsole(none, files, {"POST", "/", "", ""}).status, 405);
  EXPECT_EQ(HandleConsole(none, files, {"GET", "/api/v1/status", "", ""}).status, 200);
  EXPECT_EQ(HandleConsole(none, ConsoleFiles{}, {"GET", "/", "", ""}).status, 404);  // no pages
}

TEST(ConsolePages, ChartJsComesFromItsOwnFileOrSaysWhatToInstall) {
  testing::TempDir dir;
  testing::WriteFile(dir.Sub("pages/index.html"), "<p>overview</p>");
  testing::WriteFile(dir.Sub("chart.min.js"), "var Chart;");
  ConsoleBackend none;
  const ConsoleFiles with{dir.Sub("pages"), dir.Sub("chart.min.js")};
  HttpAnswer a = HandleConsole(none, with, {"GET", "/vendor/chart.js?v=4", "", ""});
  EXPECT_EQ(a.status, 200);
  EXPECT_EQ(a.body, "var Chart;");
  EXPECT_EQ(a.content_type, "text/javascript; charset=utf-8");
  a = HandleConsole(none, ConsoleFiles{dir.Sub("pages"), ""}, {"GET", "/vendor/chart.js", "", ""});
  EXPECT_EQ(a.status, 404);
  EXPECT_NE(a.body.find("libjs-chart.js"), std::string::npos) << a.body;
  // Only that one name: the pages folder is not reachable under /vendor/.
  EXPECT_EQ(HandleConsole(none, with, {"GET", "/vendor/index.html", "", ""}).status, 404);
}

TEST(ConsolePages, FindChartJsPrefersTheConfiguredFile) {
  testing::TempDir dir;
  testing::WriteFile(dir.Sub("mine.js"), "var Chart;");
  ::setenv("QCFLOW_CHARTJS", dir.Sub("mine.js").c_str(), 1);
  auto found = FindChartJs();
  ::unsetenv("QCFLOW_CHARTJS");
  ASSERT_TRUE(found.ok()) << found.status().message();
  EXPECT_EQ(*found, dir.Sub("mine.js"));
}

}  // namespace
}  // namespace qcflow::console
