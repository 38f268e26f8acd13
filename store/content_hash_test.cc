#include "store/content_hash.h"

#include <gtest/gtest.h>

namespace qcflow {
namespace {

// Published FNV-1a 64 test vectors: a persisted dedup key depends on these.
TEST(ContentHash, MatchesFnv1a64Vectors) {
  EXPECT_EQ(Fnv1a64(""), 0xcbf29ce484222325ull);
  EXPECT_EQ(Fnv1a64("a"), 0xaf63dc4c8601ec8cull);
  EXPECT_EQ(Fnv1a64("foobar"), 0x85944171f73967e8ull);
  EXPECT_EQ(Fnv1a64Hex("a"), "af63dc4c8601ec8c");
  EXPECT_EQ(Fnv1a64Hex(""), "cbf29ce484222325");
}

TEST(ContentHash, UpdateOverPiecesIsTheHashOfTheWhole) {
  EXPECT_EQ(Fnv1a64Update(Fnv1a64Update(kFnv1a64Basis, "foo"), "bar"), Fnv1a64("foobar"));
  EXPECT_EQ(Fnv1a64Update(kFnv1a64Basis, ""), Fnv1a64(""));
  EXPECT_EQ(HashHex(Fnv1a64("a")), Fnv1a64Hex("a"));
}

// XXH3_64bits("") is the published 0x2D06800538D394C2; a persisted iCom key
// depends on the library computing exactly XXH3 (not XXH64, not a seeded variant).
TEST(ContentHash, MatchesXxh3Vectors) {
  EXPECT_EQ(Xxh3_64(""), 0x2d06800538d394c2ull);
  EXPECT_EQ(Xxh3Hex(""), "2d06800538d394c2");
  EXPECT_NE(Xxh3_64("a"), Xxh3_64("b"));
  EXPECT_NE(Xxh3_64("a"), Fnv1a64("a"));
}

}  // namespace
}  // namespace qcflow
