#include "cli/output.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

namespace qcflow::cli {
namespace {

TEST(Output, PrintableUtf8) {
  EXPECT_TRUE(IsPrintableUtf8("IsoCenter [°]\r\n"));
  EXPECT_FALSE(IsPrintableUtf8(std::string("a\0b", 3)));
  EXPECT_FALSE(IsPrintableUtf8("\xff\xfe"));
  EXPECT_FALSE(IsPrintableUtf8("\xc3"));  // truncated sequence
}

TEST(Output, TableRendersAlignedCsvAndJson) {
  Table t({"name", "n"});
  t.AddRow({Cell::Text("a,b"), Cell::Number(7)});
  t.AddRow({Cell::Text("long name"), Cell::Number(-1)});
  std::ostringstream text, csv, json;
  t.Render(Format::kTable, text);
  EXPECT_EQ(text.str(), "name       n\na,b        7\nlong name  -1\n");
  t.Render(Format::kCsv, csv);
  EXPECT_EQ(csv.str(), "name,n\n\"a,b\",7\nlong name,-1\n");
  t.Render(Format::kJson, json);
  auto doc = nlohmann::json::parse(json.str());
  EXPECT_EQ(doc["v"], 1);
  const auto& parsed = doc["items"];
  EXPECT_EQ(parsed[0]["name"], "a,b");
  EXPECT_EQ(parsed[1]["n"], -1);
}

TEST(Output, InstantsAndBooleansKeepOneTextAndTheirTypes) {
  constexpr int64_t kJan5_0700Z = 1767596400LL * 1000000;  // 2026-01-05T07:00:00Z
  Table t({"start", "open", "name"}, "Europe/Berlin");
  t.AddRow({Cell::Instant(kJan5_0700Z), Cell::Bool(true), Cell::Text("x")});
  t.AddRow({Cell::Text(""), Cell::Bool(false), Cell::Text("y")});  // no start: an empty cell
  std::ostringstream text, csv, json;
  t.Render(Format::kTable, text);
  EXPECT_EQ(text.str(),
            "start (Europe/Berlin)      open  name\n"
            "2026-01-05T08:00:00+01:00  yes   x\n"
            "                           no    y\n");
  t.Render(Format::kCsv, csv);
  EXPECT_EQ(csv.str(), "start (Europe/Berlin),open,name\n2026-01-05T08:00:00+01:00,true,x\n,false,y\n");
  t.Render(Format::kJson, json);
  auto doc = nlohmann::json::parse(json.str());
  EXPECT_EQ(doc["zone"], "Europe/Berlin");
  EXPECT_EQ(doc["items"][0]["start"], "2026-01-05T08:00:00+01:00");
  EXPECT_EQ(doc["items"][0]["open"], true);
  EXPECT_EQ(doc["items"][1]["open"], false);
}

TEST(Output, ParseFormatRejectsUnknown) {
  EXPECT_EQ(*ParseFormat("csv"), Format::kCsv);
  auto bad = ParseFormat("xml");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("table, json or csv"), std::string::npos);
}

TEST(Output, HumanBytes) {
  EXPECT_EQ(HumanBytes(512), "512 B");
  EXPECT_EQ(HumanBytes(1536), "1.5 KiB");
}

}  // namespace
}  // namespace qcflow::cli
