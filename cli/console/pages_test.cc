// The pages: what is served from the folder, and what never is.
#include "cli/console/pages.h"

#include <gtest/gtest.h>

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
  EXPECT_EQ(HandleConsole(none, dir.path(), {"GET", "/?x=1", "", ""}).body, "<p>overview</p>");
  EXPECT_EQ(HandleConsole(none, dir.path(), {"POST", "/", "", ""}).status, 405);
  EXPECT_EQ(HandleConsole(none, dir.path(), {"GET", "/api/v1/status", "", ""}).status, 200);
  EXPECT_EQ(HandleConsole(none, "", {"GET", "/", "", ""}).status, 404);  // pages not installed
}

}  // namespace
}  // namespace qcflow::console
