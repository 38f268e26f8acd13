#include "ingest/mpc/run_folder.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

namespace qcflow::mpc {
namespace {

using ::testing::HasSubstr;

RunFolder MustParse(const std::string& name) {
  auto r = ParseRunFolder(name);
  EXPECT_TRUE(r.ok()) << name << ": " << r.status().ToString();
  return r.ok() ? *r : RunFolder();
}

void ExpectTime(const RunFolder& f, int y, int mo, int d, int h, int mi, int s) {
  EXPECT_EQ(f.run_time.year, y);
  EXPECT_EQ(f.run_time.month, mo);
  EXPECT_EQ(f.run_time.day, d);
  EXPECT_EQ(f.run_time.hour, h);
  EXPECT_EQ(f.run_time.minute, mi);
  EXPECT_EQ(f.run_time.second, s);
  EXPECT_EQ(f.run_time.micros, 0);
}

TEST(RunFolderTest, NewStyleGeometryCheck) {
  const std::string name = "NDS-WKS-SN1234-2020-11-06-09-59-21-0009-GeometryCheckTemplate6xMVkV";
  RunFolder f = MustParse(name);
  EXPECT_EQ(f.name, name);
  EXPECT_EQ(f.serial, "1234");
  EXPECT_EQ(f.time_text, "2020-11-06-09-59-21");
  ExpectTime(f, 2020, 11, 6, 9, 59, 21);
  EXPECT_EQ(f.beam_number, 9);
  EXPECT_EQ(f.template_name, "GeometryCheckTemplate");
  EXPECT_EQ(f.energy, "6");
  EXPECT_FALSE(f.electron);
  EXPECT_FALSE(f.fff);
  EXPECT_FALSE(f.hdtse);
  EXPECT_EQ(f.trailing, "MVkV");
  EXPECT_EQ(f.beam_label, "6X");
  EXPECT_EQ(f.check_type, CheckType::kBeamAndGeometry);
  EXPECT_FALSE(f.old_style);
}

TEST(RunFolderTest, NewStyleBeamCheckFff) {
  RunFolder f = MustParse("NDS-WKS-SN1234-2020-11-06-10-01-02-0011-BeamCheckTemplate10xFFFMVkV");
  EXPECT_EQ(f.template_name, "BeamCheckTemplate");
  EXPECT_EQ(f.energy, "10");
  EXPECT_TRUE(f.fff);
  EXPECT_FALSE(f.hdtse);
  EXPECT_FALSE(f.electron);
  EXPECT_EQ(f.trailing, "MVkV");
  EXPECT_EQ(f.beam_label, "10FFF");
  EXPECT_EQ(f.beam_number, 11);
  EXPECT_EQ(f.check_type, CheckType::kBeamAndGeometry);
}

TEST(RunFolderTest, NewStyleElectronAndHdtse) {
  RunFolder e = MustParse("NDS-WKS-SN1234-2020-11-06-10-05-00-0012-BeamCheckTemplate16eMVkV");
  EXPECT_TRUE(e.electron);
  EXPECT_EQ(e.energy, "16");
  EXPECT_EQ(e.beam_label, "16E");

  RunFolder h = MustParse("NDS-WKS-SN1234-2020-11-06-10-07-00-0013-BeamCheckTemplate6eHDTSEMVkV");
  EXPECT_TRUE(h.electron);
  EXPECT_TRUE(h.hdtse);
  EXPECT_FALSE(h.fff);
  EXPECT_EQ(h.trailing, "MVkV");
  EXPECT_EQ(h.beam_label, "6HDTSE");
}

TEST(RunFolderTest, UppercaseTypeAndFffVariants) {
  EXPECT_EQ(MustParse("NDS-WKS-SN1234-2020-11-06-10-07-00-0013-BeamCheckTemplate6XMVkV").beam_label,
            "6X");
  EXPECT_EQ(MustParse("NDS-WKS-SN1234-2020-11-06-10-07-00-0013-BeamCheckTemplate6Xfff").beam_label,
            "6FFF");
  EXPECT_EQ(MustParse("NDS-WKS-SN1234-2020-11-06-10-07-00-0013-BeamCheckTemplate12E").beam_label,
            "12E");
}

TEST(RunFolderTest, DecimalEnergy) {
  RunFolder f = MustParse("NDS-WKS-SN1234-2020-11-06-09-59-21-0003-GeometryCheckTemplate2.5xMVkV");
  EXPECT_EQ(f.energy, "2.5");
  EXPECT_EQ(f.beam_label, "2.5X");
  EXPECT_EQ(f.trailing, "MVkV");
}

TEST(RunFolderTest, EnhancedMlcAndCouch) {
  RunFolder mlc =
      MustParse("NDS-WKS-SN1234-2020-11-06-11-00-00-0001-EnhancedMLCCheckTemplate6xMVkVEnhancedMLC");
  EXPECT_EQ(mlc.template_name, "EnhancedMLCCheckTemplate");
  EXPECT_EQ(mlc.trailing, "MVkVEnhancedMLC");
  EXPECT_EQ(mlc.beam_label, "6X");
  EXPECT_EQ(mlc.check_type, CheckType::kEnhancedMlc);
  EXPECT_STREQ(CheckTypeName(mlc.check_type), "Enhanced MLC Checks");

  RunFolder couch = MustParse(
      "NDS-WKS-SN1234-2020-11-06-11-10-00-0002-EnhancedCouchCheckTemplate6xMVkVEnhancedCouch");
  EXPECT_EQ(couch.template_name, "EnhancedCouchCheckTemplate");
  EXPECT_EQ(couch.trailing, "MVkVEnhancedCouch");
  EXPECT_EQ(couch.check_type, CheckType::kEnhancedCouch);
  EXPECT_STREQ(CheckTypeName(couch.check_type), "Enhanced Couch Checks");
}

TEST(RunFolderTest, HalcyonFff) {
  RunFolder f = MustParse("HAL-TRT-SN1234-2021-03-01-07-00-00-0000-GeometryCheckTemplate6xFFFMVkV");
  EXPECT_EQ(f.serial, "1234");
  ExpectTime(f, 2021, 3, 1, 7, 0, 0);
  EXPECT_EQ(f.beam_number, 0);
  EXPECT_TRUE(f.fff);
  EXPECT_EQ(f.beam_label, "6FFF");
  EXPECT_EQ(f.trailing, "MVkV");
  EXPECT_EQ(f.check_type, CheckType::kBeamAndGeometry);
}

TEST(RunFolderTest, TrueBeam3CollimationDevices) {
  RunFolder a = MustParse(
      "NDS-WKS-SN2222-2023-05-02-08-15-00-0004-CollimationDevicesCheckTemplate6xMVkV");
  EXPECT_EQ(a.template_name, "CollimationDevicesCheckTemplate");
  EXPECT_EQ(a.check_type, CheckType::kCollimationDevices);
  EXPECT_STREQ(CheckTypeName(a.check_type), "Collimation Devices Checks");

  RunFolder b = MustParse(
      "NDS-WKS-SN2222-2023-05-02-08-15-00-0005-GeometryCheckTemplate6xMVkVCollimationDevices");
  EXPECT_EQ(b.trailing, "MVkVCollimationDevices");
  EXPECT_EQ(b.check_type, CheckType::kCollimationDevices);
}

TEST(RunFolderTest, OldStyleNames) {
  RunFolder hd = MustParse("NDS-WKS-SN4321-2015-12-03-15-45-31-0005-6eHDTSE-Beam");
  EXPECT_TRUE(hd.old_style);
  EXPECT_EQ(hd.serial, "4321");
  ExpectTime(hd, 2015, 12, 3, 15, 45, 31);
  EXPECT_EQ(hd.beam_number, 5);
  EXPECT_EQ(hd.template_name, "Beam");
  EXPECT_EQ(hd.energy, "6");
  EXPECT_TRUE(hd.electron);
  EXPECT_TRUE(hd.hdtse);
  EXPECT_EQ(hd.trailing, "");
  EXPECT_EQ(hd.beam_label, "6HDTSE");
  EXPECT_EQ(hd.check_type, CheckType::kBeamAndGeometry);

  RunFolder beam = MustParse("NDS-WKS-SN4321-2015-12-03-15-40-00-0001-10x-Beam");
  EXPECT_TRUE(beam.old_style);
  EXPECT_EQ(beam.template_name, "Beam");
  EXPECT_EQ(beam.beam_label, "10X");
  EXPECT_EQ(beam.beam_number, 1);

  RunFolder geo = MustParse("NDS-WKS-SN4321-2015-12-03-15-42-10-0003-6x-Geometry");
  EXPECT_TRUE(geo.old_style);
  EXPECT_EQ(geo.template_name, "Geometry");
  EXPECT_EQ(geo.beam_label, "6X");
  EXPECT_EQ(geo.time_text, "2015-12-03-15-42-10");

  RunFolder fff = MustParse("NDS-WKS-SN4321-2015-12-03-15-43-00-0004-6xFFF-Beam");
  EXPECT_EQ(fff.beam_label, "6FFF");

  RunFolder mvkv = MustParse("NDS-WKS-SN4321-2015-12-03-15-43-00-0004-6xMVkV-GeometryExtra");
  EXPECT_EQ(mvkv.template_name, "GeometryExtra");
  EXPECT_EQ(mvkv.trailing, "MVkV");
}

TEST(RunFolderTest, SerialWithWordCharacters) {
  RunFolder f = MustParse("NDS-WKS-SNH192_ab7-2020-11-06-09-59-21-0009-GeometryCheckTemplate6xMVkV");
  EXPECT_EQ(f.serial, "H192_ab7");
}

TEST(RunFolderTest, PrefixMayBeAnythingIncludingDashesAndSn) {
  EXPECT_EQ(MustParse("My-Clinic-TB-2-SN1234-2020-11-06-09-59-21-0009-GeometryCheckTemplate6xMVkV")
                .serial,
            "1234");
  // "-SNAP" in the prefix is a candidate that fails; the real serial is found.
  EXPECT_EQ(MustParse("NDS-SNAP-WKS-SN77-2020-11-06-09-59-21-0009-GeometryCheckTemplate6xMVkV")
                .serial,
            "77");
  // No prefix at all.
  EXPECT_EQ(MustParse("SN5-2020-11-06-09-59-21-0009-GeometryCheckTemplate6xMVkV").serial, "5");
  // A whole path in front is just more prefix.
  EXPECT_EQ(MustParse("/mnt/TDS/H1/MPCChecks/NDS-WKS-SN9-2020-11-06-09-59-21-0009-"
                      "GeometryCheckTemplate6xMVkV")
                .beam_label,
            "6X");
}

TEST(RunFolderTest, RunTimeIsValidated) {
  auto bad_month = ParseRunFolder("NDS-WKS-SN1234-2020-13-45-09-59-21-0009-GeometryCheckTemplate6xMVkV");
  ASSERT_FALSE(bad_month.ok());
  EXPECT_EQ(bad_month.status().code(), Status::Code::kInvalidArgument);
  EXPECT_THAT(bad_month.status().message(), HasSubstr("2020-13-45-09-59-21"));
  EXPECT_THAT(bad_month.status().message(), HasSubstr("not a valid date/time"));
  EXPECT_THAT(bad_month.status().message(), HasSubstr("NDS-WKS-SN1234-2020-13-45"));

  EXPECT_FALSE(ParseRunFolder("NDS-WKS-SN1-2021-02-29-09-59-21-0009-GeometryCheckTemplate6xMVkV").ok());
  EXPECT_FALSE(ParseRunFolder("NDS-WKS-SN1-2020-11-06-24-00-00-0009-GeometryCheckTemplate6xMVkV").ok());
  EXPECT_FALSE(ParseRunFolder("NDS-WKS-SN1-2020-11-06-23-60-00-0009-GeometryCheckTemplate6xMVkV").ok());
  EXPECT_FALSE(ParseRunFolder("NDS-WKS-SN1-2020-00-06-23-00-00-0009-GeometryCheckTemplate6xMVkV").ok());
  // Leap day in a leap year is fine.
  ExpectTime(MustParse("NDS-WKS-SN1-2020-02-29-23-59-59-0009-GeometryCheckTemplate6xMVkV"), 2020, 2,
             29, 23, 59, 59);
}

TEST(RunFolderTest, GarbageIsInvalidArgumentWithAClearMessage) {
  const char* kBad[] = {
      "",
      "Results",
      "MPCChecks",
      "NDS-WKS-SN1234",
      "NDS-WKS-SN-2020-11-06-09-59-21-0009-GeometryCheckTemplate6xMVkV",      // no serial
      "NDS-WKS-SN1234-2020-11-6-09-59-21-0009-GeometryCheckTemplate6xMVkV",   // 1-digit day
      "NDS-WKS-SN1234-2020-11-06-09-59-0009-GeometryCheckTemplate6xMVkV",     // no seconds
      "NDS-WKS-SN1234-2020-11-06-09-59-21-GeometryCheckTemplate6xMVkV",       // no beam number
      "NDS-WKS-SN1234-2020-11-06-09-59-21-0009-GeometryCheckTemplateMVkV",    // no energy
      "NDS-WKS-SN1234-2020-11-06-09-59-21-0009-GeometryCheckTemplate6MVkV",   // no type
      "NDS-WKS-SN1234-2020-11-06-09-59-21-0009-GeometryCheckTemplate2.xMVkV", // bad energy
      "NDS-WKS-SN1234-2020-11-06-09-59-21-0009-",                             // nothing after
      "NDS-WKS-SN4321-2015-12-03-15-45-31-0005-6e",                           // old, no template
      "NDS-WKS-SN4321-2015-12-03-15-45-31-0005-6e-",                          // old, empty template
      "NDS-WKS-SN4321-2015-12-03-15-45-31-0005-6q-Beam",                      // old, bad type
      "NDS WKS SN1234 2020 11 06 09 59 21 0009 GeometryCheckTemplate6xMVkV",
  };
  for (const char* name : kBad) {
    auto r = ParseRunFolder(name);
    ASSERT_FALSE(r.ok()) << "'" << name << "' should not parse";
    EXPECT_EQ(r.status().code(), Status::Code::kInvalidArgument) << name;
    EXPECT_THAT(r.status().message(), HasSubstr("'" + std::string(name) + "'"));
    EXPECT_THAT(r.status().message(), HasSubstr("Expected '<prefix>-SN<serial>-YYYY-MM-DD"));
    EXPECT_THAT(r.status().message(), HasSubstr("old form"));
  }
}

TEST(RunFolderTest, MessageSaysWhatWasMissing) {
  EXPECT_THAT(ParseRunFolder("Results").status().message(), HasSubstr("no '-SN<serial>' part"));
  EXPECT_THAT(ParseRunFolder("NDS-WKS-SN1234-2020-11-06-09-59-0009-GeometryCheckTemplate6xMVkV")
                  .status()
                  .message(),
              HasSubstr("YYYY-MM-DD-HH-MM-SS"));
  EXPECT_THAT(ParseRunFolder("NDS-WKS-SN1234-2020-11-06-09-59-21-0009-GeometryCheckTemplateMVkV")
                  .status()
                  .message(),
              HasSubstr("no energy and beam type"));
  // The furthest-reaching "-SN" candidate's reason is the one reported.
  EXPECT_THAT(ParseRunFolder("X-SNAP-SN1234-2020-11-06-09-59-21-0009-GeometryCheckTemplateMVkV")
                  .status()
                  .message(),
              HasSubstr("no energy and beam type"));
}

TEST(RunFolderTest, LongGarbageMessageIsBounded) {
  std::string name(5000, 'A');
  auto r = ParseRunFolder(name);
  ASSERT_FALSE(r.ok());
  EXPECT_LT(r.status().message().size(), 1000u);
}

TEST(RunFolderTest, ClassificationFirstMatchWins) {
  EXPECT_EQ(ClassifyCheckType("x-EnhancedCouchMLC"), CheckType::kEnhancedCouch);
  EXPECT_EQ(ClassifyCheckType("x-EnhancedMLCCollimationDevices"), CheckType::kEnhancedMlc);
  EXPECT_EQ(ClassifyCheckType("x-CollimationDevicesCouch"), CheckType::kCollimationDevices);
  EXPECT_EQ(ClassifyCheckType("x-CouchMLC"), CheckType::kBeamAndGeometry);
  EXPECT_STREQ(CheckTypeName(CheckType::kBeamAndGeometry), "Beam and Geometry Checks");
}

}  // namespace
}  // namespace qcflow::mpc
