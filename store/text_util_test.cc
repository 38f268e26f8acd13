#include "store/text_util.h"

#include <gtest/gtest.h>

namespace qcflow {
namespace {

TEST(TextUtil, TrimChars) {
  EXPECT_EQ(TrimChars("  a b \r\n"), "a b");
  EXPECT_EQ(TrimChars(" \t "), "");
  EXPECT_EQ(TrimChars(std::string_view("\0x \0", 4), std::string_view(" \0", 2)), "x");
}

TEST(TextUtil, Base64MatchesRfc4648Vectors) {
  EXPECT_EQ(Base64(""), "");
  EXPECT_EQ(Base64("f"), "Zg==");
  EXPECT_EQ(Base64("fo"), "Zm8=");
  EXPECT_EQ(Base64("foo"), "Zm9v");
  EXPECT_EQ(Base64("foob"), "Zm9vYg==");
  EXPECT_EQ(Base64("foobar"), "Zm9vYmFy");
  EXPECT_EQ(Base64(std::string_view("\xFF\x00\xFE", 3)), "/wD+");
}

TEST(TextUtil, FirstInvalidUtf8FindsTheOffset) {
  EXPECT_EQ(FirstInvalidUtf8(""), std::nullopt);
  EXPECT_EQ(FirstInvalidUtf8("plain, caf\xC3\xA9, \xE2\x82\xAC, \xF0\x9F\x98\x80"), std::nullopt);
  EXPECT_EQ(FirstInvalidUtf8("caf\xE9!"), 3u);               // Latin-1 é
  EXPECT_EQ(FirstInvalidUtf8("ab\xC3"), 2u);                 // cut inside a character
  EXPECT_EQ(FirstInvalidUtf8("\xC0\xAF"), 0u);               // overlong '/'
  EXPECT_EQ(FirstInvalidUtf8("x\xED\xA0\x80"), 1u);          // a surrogate
  EXPECT_EQ(FirstInvalidUtf8("xy\xF4\x90\x80\x80"), 2u);     // above U+10FFFF
  EXPECT_EQ(FirstInvalidUtf8("\x80"), 0u);                   // a lone continuation byte
}

TEST(TextUtil, SingleByteEncodingsToUtf8) {
  EXPECT_EQ(Latin1ToUtf8("caf\xE9 \xB0" "C"), "caf\xC3\xA9 \xC2\xB0" "C");
  EXPECT_EQ(Latin1ToUtf8("\x80"), "\xC2\x80");
  std::optional<size_t> bad;
  EXPECT_EQ(Cp1252ToUtf8("\x80 5, \x93quoted\x94", &bad), "\xE2\x82\xAC 5, \xE2\x80\x9Cquoted\xE2\x80\x9D");
  EXPECT_EQ(bad, std::nullopt);
  EXPECT_EQ(Cp1252ToUtf8("ok\x81", &bad), "");
  EXPECT_EQ(bad, 2u);
}

TEST(TextUtil, TextToUtf8ByEncodingName) {
  EXPECT_EQ(*TextToUtf8("caf\xC3\xA9", "utf-8"), "caf\xC3\xA9");
  EXPECT_EQ(*TextToUtf8("caf\xE9", "latin-1"), "caf\xC3\xA9");
  EXPECT_EQ(*TextToUtf8("\x80", "cp1252"), "\xE2\x82\xAC");
  auto bad = TextToUtf8("ab\xE9", "utf-8");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), "byte offset 2 is not valid utf-8 text");
  EXPECT_FALSE(TextToUtf8("x\x81", "cp1252").ok());
  EXPECT_NE(TextToUtf8("x", "ebcdic").status().message().find("unknown text encoding"),
            std::string::npos);
}

TEST(TextUtil, Utf8LengthAndGlobs) {
  EXPECT_EQ(Utf8Length(""), 0u);
  EXPECT_EQ(Utf8Length("caf\xC3\xA9 \xF0\x9F\x98\x80"), 6u);
  EXPECT_TRUE(MatchesAnyGlob({"*.txt", "*.csv"}, "a.csv"));
  EXPECT_FALSE(MatchesAnyGlob({"*.txt"}, "a.csv"));
  EXPECT_FALSE(MatchesAnyGlob({""}, "")) << "an empty glob matches nothing";
  EXPECT_TRUE(MatchesAnyGlob({"old/*"}, "old/a.txt"));
}

}  // namespace
}  // namespace qcflow
