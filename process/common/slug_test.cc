#include "process/common/slug.h"

#include <gtest/gtest.h>

#include <string>

namespace qcflow {
namespace {

// Expected values below were computed with QCPump's slugify (Python 3,
// unicodedata 14) extended by the spec's "Â" and "." replacements.

TEST(MacroSlug, SpecExamples) {
  EXPECT_EQ(MacroSlug("IsoCenterGroup/IsoCenterSize [mm]", "6X"),
            "isocentergroup_isocentersize_mm_6x");
  EXPECT_EQ(MacroSlug("BeamGroup/BeamOutputChange [%]", "6FFF"),
            "beamgroup_beamoutputchange_per_6fff");
  EXPECT_EQ(MacroSlug("GantryGroup/GantryAbsolute [\xC2\xB0]", "6X"),
            "gantrygroup_gantryabsolute_deg_6x");
  EXPECT_EQ(MacroSlug("CouchGroup/CouchRotation [\xC2\xB0]", "6HDTSE"),
            "couchgroup_couchrotation_deg_6hdtse");
  EXPECT_EQ(MacroSlug("BeamGroup/BeamUniformityChange [%]", "16E"),
            "beamgroup_beamuniformitychange_per_16e");
}

TEST(MacroSlug, MisDecodedDegreeSignGivesSameMacro) {
  // "°" read as Latin-1 and re-encoded: "Â°".
  EXPECT_EQ(MacroSlug("GantryGroup/GantryAbsolute [\xC3\x82\xC2\xB0]", "6X"),
            "gantrygroup_gantryabsolute_deg_6x");
  // A raw Latin-1 byte (not UTF-8 at all) is read as Latin-1 too.
  EXPECT_EQ(MacroSlug("GantryGroup/GantryAbsolute [\xB0]", "6X"),
            "gantrygroup_gantryabsolute_deg_6x");
}

TEST(MacroSlug, DecimalEnergy) {
  EXPECT_EQ(MacroSlug("CollimationGroup/MLCGroup/MLCMaxOffsetA [mm]", "2.5X"),
            "collimationgroup_mlcgroup_mlcmaxoffseta_mm_2_5x");
}

TEST(Slugify, LeadingDigitGetsUnderscorePrefix) {
  EXPECT_EQ(Slugify("2.5X"), "_2_5x");
  EXPECT_EQ(Slugify("9 lives"), "_9_lives");
  EXPECT_EQ(Slugify("6X"), "_6x");
}

TEST(Slugify, DoubleUnderscoresCollapse) {
  EXPECT_EQ(Slugify("a__b___c"), "a_b_c");
  EXPECT_EQ(Slugify("A..B"), "a_b");
  EXPECT_EQ(Slugify("a / b"), "a_b");
  EXPECT_EQ(Slugify("Tab\tand  spaces"), "tab-and_spaces");
}

TEST(Slugify, StripsLeadingAndTrailingDashesAndUnderscores) {
  EXPECT_EQ(Slugify("__Foo--Bar__"), "foo_bar");
  EXPECT_EQ(Slugify("-leading and trailing-"), "leading_and_trailing");
  EXPECT_EQ(Slugify("\t-x-\t"), "x");
  EXPECT_EQ(Slugify("___"), "");
  EXPECT_EQ(Slugify(""), "");
  EXPECT_EQ(Slugify("\xC3\x82\xC3\x82"), "");  // "ÂÂ": all removed in step 1
}

TEST(Slugify, WhitespaceOtherThanSpaceBecomesDash) {
  // Step 1 only replaces " "; other whitespace is collapsed to "-" in step 2.
  EXPECT_EQ(Slugify("a\tb"), "a-b");
  EXPECT_EQ(Slugify("x\t_\ty"), "x-_-y");
  EXPECT_EQ(Slugify("a\x1c" "b"), "a-b");           // Python's \s includes 0x1C
  EXPECT_EQ(Slugify("a\t!\tb"), "a-b");             // dropped chars do not split a run
  EXPECT_EQ(Slugify("a\xC2\xA0" "b"), "a-b");       // NBSP: NFKD gives a space
  EXPECT_EQ(Slugify("\xC2\xA8x"), "x");             // "¨": space + combining mark
}

TEST(Slugify, DropsPunctuation) {
  EXPECT_EQ(Slugify("a!@#$%^&*()b"), "ab");
  EXPECT_EQ(Slugify("Dose (cGy) [Gy]"), "dose_cgy_gy");
  EXPECT_EQ(Slugify("x[%]"), "xper");
}

TEST(Slugify, NfkdToAscii) {
  EXPECT_EQ(Slugify("Caf\xC3\xA9 Cr\xC3\xA8me_10E"), "cafe_creme_10e");   // é è
  EXPECT_EQ(Slugify("\xC3\xBC" "ber"), "uber");                            // ü
  EXPECT_EQ(Slugify("Gr\xC3\xB6\xC3\x9F" "e"), "groe");                    // ö ß (ß dropped)
  EXPECT_EQ(Slugify("\xC2\xB5m\xC2\xB2"), "m2");                           // µ dropped, ² -> 2
  EXPECT_EQ(Slugify("x\xC2\xB3"), "x3");                                   // ³
  EXPECT_EQ(Slugify("\xC2\xBC \xC2\xBD"), "_14_12");                       // ¼ ½
  EXPECT_EQ(Slugify("\xC3\x86ther"), "ther");                              // Æ dropped
  EXPECT_EQ(Slugify("a\xC2\xB0" "b"), "ab");                               // ° dropped
  EXPECT_EQ(Slugify("\xC2\xAA\xC2\xBA"), "ao");                            // ª º
  EXPECT_EQ(Slugify("\xC4\xBF" "a \xC5\x89 \xC5\xBF \xC4\xB2"), "la_n_s_ij");  // Ŀ ŉ ſ Ĳ
  EXPECT_EQ(Slugify("\xC5\xBD\xC3\xBDla"), "zyla");                        // Ž ý
  EXPECT_EQ(Slugify("\xC5\x81\xC3\xB3" "d\xC5\xBA"), "odz");               // Ł dropped, ó ź
  EXPECT_EQ(Slugify("\xC3\xBF\xC4\xB1"), "y");                             // ÿ, dotless ı dropped
  EXPECT_EQ(Slugify("e\xCC\x81"), "e");                                    // e + combining acute
}

TEST(Slugify, CodePointsOutsideTheTableAreDropped) {
  EXPECT_EQ(Slugify("a\xCE\xBC" "b"), "ab");          // Greek mu
  EXPECT_EQ(Slugify("a\xE2\x82\xAC" "b"), "ab");      // euro sign
  EXPECT_EQ(Slugify("a\xF0\x9F\x98\x80" "b"), "ab");  // emoji
  EXPECT_EQ(Slugify("a\xE6\x97\xA5" "b"), "ab");      // CJK
}

TEST(Slugify, InvalidUtf8IsReadAsLatin1) {
  EXPECT_EQ(Slugify("caf\xE9"), "cafe");           // Latin-1 é
  EXPECT_EQ(Slugify("x\xC3"), "xa");               // truncated sequence: 0xC3 = Ã
  EXPECT_EQ(Slugify("\xED\xA0\x80" "a"), "i-a");   // surrogate encoding: í, NBSP, C1 control
  EXPECT_EQ(Slugify("\xC0\xAF" "b"), "a-b");       // overlong "/": À + "¯" (NFKD: space)
}

TEST(Slugify, DqaExamples) {
  EXPECT_EQ(Slugify("dose_6 MV EDW60"), "dose_6_mv_edw60");
  EXPECT_EQ(Slugify("bsc2_6 FFF"), "bsc2_6_fff");
  EXPECT_EQ(MacroSlug("dose", "6 MV EDW60"), "dose_6_mv_edw60");
}

TEST(Slugify, DashesFromWhitespaceAreNotStable) {
  // Step 1 turns "-" into "_", so a slug holding "-" (from a tab) changes when
  // slugified again; callers must slugify raw names exactly once.
  EXPECT_EQ(Slugify("a\tb"), "a-b");
  EXPECT_EQ(Slugify("a-b"), "a_b");
  EXPECT_EQ(Slugify("isocentergroup_isocentersize_mm_6x"), "isocentergroup_isocentersize_mm_6x");
  EXPECT_EQ(Slugify("_2_5x"), "_2_5x");
}

TEST(MacroSlug, RememberedSlugsStayTheSlugOfTheirText) {
  // Past the bound the memory is cleared: every call still gives its own slug.
  for (int round = 0; round < 2; ++round) {
    for (int i = 0; i < 5000; ++i) {
      const std::string name = "Group/Value" + std::to_string(i) + " [mm]";
      const std::string beam = i % 2 ? "6X" : "2.5X FFF";
      ASSERT_EQ(MacroSlug(name, beam), Slugify(name + "_" + beam)) << name;
    }
  }
  EXPECT_EQ(MacroSlug("BeamGroup/BeamOutputChange [%]", "2.5X"), "beamgroup_beamoutputchange_per_2_5x");
}

}  // namespace
}  // namespace qcflow
