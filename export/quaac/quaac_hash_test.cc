// The hash is checked against an independent oracle: python3's own json.dumps
// and hashlib.md5 (the reference implementation's functions), run on the same
// canonical object. python3 is a build dependency (scripts/install-deps).
#include "export/quaac/quaac_hash.h"

#include <gtest/gtest.h>

#include <vector>

#include "tests/testing/run_qcflow.h"
#include "tests/testing/temp_dir.h"

namespace qcflow::quaac {
namespace {

using json = nlohmann::json;

// [{"dumps": ..., "md5": ...}, ...] as Python computes them from each of
// `objs` (parsed by Python from our JSON text, so ints stay ints and floats
// floats). One python3 run for all: it takes most of this test's time.
json PythonOracle(const std::vector<json>& objs) {
  testing::TempDir dir;
  const std::string in = dir.Sub("objs.json");
  testing::WriteFile(in, json(objs).dump());
  const std::string args =
      "-c 'import json,hashlib,sys\n"
      "out = []\n"
      "for o in json.load(open(sys.argv[1], encoding=\"utf-8\")):\n"
      "    s = json.dumps(o, sort_keys=True)\n"
      "    out.append({\"dumps\": s, \"md5\": hashlib.md5(s.encode(\"utf-8\")).hexdigest()})\n"
      "print(json.dumps(out))' " + in;
  const testing::Run run = testing::RunQcflow("python3", args);
  EXPECT_EQ(run.exit_code, 0) << run.out;
  return json::parse(run.out, nullptr, false);
}

void ExpectPythonAgrees(const std::vector<json>& objs) {
  const json oracle = PythonOracle(objs);
  ASSERT_TRUE(oracle.is_array() && oracle.size() == objs.size()) << "no answer from python3";
  for (size_t i = 0; i < objs.size(); ++i) {
    EXPECT_EQ(PythonJsonDumps(objs[i]), oracle[i]["dumps"].get<std::string>());
    EXPECT_EQ(Md5Hex(PythonJsonDumps(objs[i])), oracle[i]["md5"].get<std::string>());
  }
}

TEST(QuaacHash, FloatsPrintAsPythonRepr) {
  EXPECT_EQ(PythonFloatRepr(1.0), "1.0");
  EXPECT_EQ(PythonFloatRepr(100.0), "100.0");
  EXPECT_EQ(PythonFloatRepr(0.1), "0.1");
  EXPECT_EQ(PythonFloatRepr(1e22), "1e+22");
  EXPECT_EQ(PythonFloatRepr(1e-5), "1e-05");
  EXPECT_EQ(PythonFloatRepr(0.0001), "0.0001");
  EXPECT_EQ(PythonFloatRepr(1e16), "1e+16");
  EXPECT_EQ(PythonFloatRepr(1234567890123456.0), "1234567890123456.0");
  EXPECT_EQ(PythonFloatRepr(-0.0), "-0.0");
  EXPECT_EQ(PythonFloatRepr(1.5e-7), "1.5e-07");
  EXPECT_EQ(PythonFloatRepr(-2.5e300), "-2.5e+300");
  EXPECT_EQ(PythonFloatRepr(99.0037868714), "99.0037868714");
}

TEST(QuaacHash, DumpsAndMd5AgreeWithPython) {
  json obj = json::parse(R"({
    "name": "Gantry \u00b0 angle", "unit": "°", "emoji": "\ud83d\ude00 ok",
    "control": "tab\there \"quoted\" back\\slash\nnew\u0001", "del": "\u007f",
    "floats": [0.1, 1e22, 1e-5, 100.0, 1.0, -0.0, 123456.789, 5e-324, 1.7976931348623157e308],
    "ints": [0, -1, 100, 9007199254740993, 18446744073709551615],
    "nested": {"z": {"b": [], "a": {}}, "A": null, "é": true, "e": false, "ä": [1, "x", null]},
    "empty_list": [], "empty_map": {}, "none": null
  })");
  std::vector<json> objs = {obj};
  // Every float alone too, so a mismatch names its value.
  for (double v : {0.1, 0.2 + 0.1, 1e22, 1e21, 1e16, 1e15, 1e-4, 1e-5, 100.0, 2.0 / 3.0, 1e-310,
                   -1.5e-7, 123456789.125, 0.5}) {
    objs.push_back(json{{"v", v}});
  }
  ExpectPythonAgrees(objs);
}

TEST(QuaacHash, Md5OfKnownText) {
  EXPECT_EQ(Md5Hex(""), "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(Md5Hex("abc"), "900150983cd24fb0d6963f7d28e17f72");
}

TEST(QuaacHash, DatetimeRendersAsPydantic) {
  EXPECT_EQ(*RenderPythonDatetime("2024-05-01T07:30:15+02:00"), "2024-05-01T07:30:15+02:00");
  EXPECT_EQ(*RenderPythonDatetime("2024-05-01 07:30:15+00:00"), "2024-05-01T07:30:15Z");
  EXPECT_EQ(*RenderPythonDatetime("2024-05-01T07:30:15.000Z"), "2024-05-01T07:30:15Z");
  EXPECT_EQ(*RenderPythonDatetime("2024-05-01T07:30:15.25-0700"), "2024-05-01T07:30:15.250000-07:00");
  EXPECT_EQ(*RenderPythonDatetime("2024-05-01T07:30:15"), "2024-05-01T07:30:15");
  EXPECT_FALSE(RenderPythonDatetime("2024-05-01").ok());
  EXPECT_FALSE(RenderPythonDatetime("2024-05-01T07:30:15+25:00").ok());
  EXPECT_FALSE(RenderPythonDatetime("yesterday").ok());
}

TEST(QuaacHash, CanonicalObjectUsesUnderscoreNamesDefaultsAndTrims) {
  json written = {{"name", "  TrueBeam 1 "}, {"type", "linac"}, {"serial number", "H191157"},
                  {"manufacturer", "Varian"}, {"model", "TrueBeam"}, {"hash", "x"},
                  {"site", " extra kept as written "}};
  auto c = CanonicalObject(ObjectKind::kEquipment, written);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(*c, json({{"name", "TrueBeam 1"}, {"type", "linac"}, {"serial_number", "H191157"},
                      {"manufacturer", "Varian"}, {"model", "TrueBeam"},
                      {"site", " extra kept as written "}}));
  ExpectPythonAgrees({*c});

  auto user = CanonicalObject(ObjectKind::kUser, {{"name", "A"}, {"email", "a.b@Clinic.ORG"}});
  ASSERT_TRUE(user.ok());
  EXPECT_EQ((*user)["email"], "a.b@clinic.org");

  auto a = CanonicalObject(ObjectKind::kAttachment, {{"name", "r.csv"}, {"content", "H4s="}});
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(*a, json({{"name", "r.csv"}, {"content", "H4s="}, {"comment", ""},
                      {"encoding", "base64"}, {"compression", "gzip"}}));

  auto dp = CanonicalObject(ObjectKind::kDataPoint,
                            {{"name", "x"}, {"perform datetime", "2024-05-01T07:30:15+00:00"},
                             {"measurement value", 1}, {"measurement unit", "mm"},
                             {"performer", "(A) h"}, {"primary equipment", "(B) h"}});
  ASSERT_TRUE(dp.ok()) << dp.status().ToString();
  EXPECT_EQ((*dp)["perform_datetime"], "2024-05-01T07:30:15Z");
  EXPECT_EQ((*dp)["parameters"], json::object());
  EXPECT_EQ((*dp)["ancillary_equipment"], json::array());
  EXPECT_TRUE((*dp)["reviewer"].is_null());
  EXPECT_TRUE((*dp)["reference_value"].is_null());
  EXPECT_EQ((*dp)["performer_comment"], "");
  EXPECT_FALSE(dp->contains("perform datetime"));
  ExpectPythonAgrees({*dp});
}

TEST(QuaacHash, MissingOrMistypedFieldsAreErrors) {
  auto missing = CanonicalObject(ObjectKind::kEquipment, {{"name", "x"}});
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("missing field 'type'"), std::string::npos);
  EXPECT_FALSE(CanonicalObject(ObjectKind::kUser, {{"name", 3}, {"email", "a@b.c"}}).ok());
}

TEST(QuaacHash, References) {
  EXPECT_EQ(ReferenceTo("TB (1)", "abc"), "(TB (1)) abc");
  EXPECT_EQ(ReferencedHash("(TB (1)) abc"), "abc");
  EXPECT_EQ(ReferencedHash("abc"), "abc");
}

}  // namespace
}  // namespace qcflow::quaac
