#include "export/quaac/quaac_session.h"

#include <gtest/gtest.h>

#include "export/quaac/attachment_testing.h"
#include "export/quaac/quaac_reader.h"
#include "process/common/sample_sessions_testing.h"
#include "tests/testing/run_qcflow.h"
#include "tests/testing/temp_dir.h"

namespace qcflow::quaac {
namespace {

const User kSite{"QA team", "qa@clinic.org"};

using testing::SampleDqa3Session;
using testing::SampleMpcSession;
using testing::Gunzip;
using testing::Unbase64;

TEST(QuaacSession, MpcSessionMapsMeasuredValuesWithThresholdAsReference) {
  Document doc;
  ASSERT_TRUE(AppendSession(SampleMpcSession(), {kSite}, {}, &doc).ok());
  ASSERT_EQ(doc.datapoints.size(), 2u);  // the skipped test is not a datapoint
  const DataPoint& dp = doc.datapoints[0];
  EXPECT_EQ(dp.name, "BeamGroup/BeamOutputChange (6xFFF)");
  EXPECT_EQ(dp.measurement_value, Value(0.12));
  EXPECT_EQ(dp.measurement_unit, "%");
  EXPECT_EQ(dp.reference_value, 2.0);
  EXPECT_EQ(dp.utc_offset_minutes, 120);  // Berlin in summer
  EXPECT_EQ(FormatPerformDatetime(dp.performed, dp.utc_offset_minutes), "2024-07-01T07:30:00+02:00");
  EXPECT_EQ(dp.procedure, "BeamCheckTemplate6x");
  EXPECT_EQ(dp.parameters.at("evaluation"), "Pass");
  EXPECT_EQ(dp.parameters.at("energy"), "6 MV");
  EXPECT_EQ(dp.parameters.at(std::string(kSessionParameter)), "MPC/H191157/2024-07-01");
  EXPECT_EQ(dp.parameters.at(std::string(kKeyParameter)), "beamgroup_beamoutputchange_per_6xfff");
  EXPECT_EQ(doc.datapoints[1].name, "IsoCenterGroup/IsoCenterSize (6x)");
  EXPECT_EQ(doc.datapoints[1].measurement_unit, "mm");  // QuAAC keeps the source's unit
  EXPECT_EQ(doc.datapoints[1].reference_value, 0.5);
  EXPECT_EQ(doc.equipment[dp.primary_equipment],
            (Equipment{"H191157", "linac", "H191157", "Varian", ""}));
  EXPECT_TRUE(dp.ancillary_equipment.empty());
  EXPECT_EQ(doc.users[dp.performer], kSite);  // MPC names no performer
}

TEST(QuaacSession, Dqa3SessionHasDeviceSignatureBaselineAndContextNumbers) {
  Document doc;
  ASSERT_TRUE(AppendSession(SampleDqa3Session(), {kSite}, {}, &doc).ok());
  // 7 measures, dose_diff, temperature, pressure; not the baseline or the signature.
  ASSERT_EQ(doc.datapoints.size(), 10u);
  EXPECT_EQ(doc.datapoints[0].name, "dose (6 MV)");
  EXPECT_EQ(doc.datapoints[0].reference_value, 100.0);
  EXPECT_EQ(doc.datapoints[0].description, "reference value: the source's baseline");
  EXPECT_EQ(doc.datapoints[7].name, "dose_diff (6 MV)");
  EXPECT_EQ(doc.datapoints[7].parameters.at("role"), "deviation");
  EXPECT_EQ(doc.datapoints[8].name, "temperature");
  EXPECT_EQ(doc.datapoints[8].parameters.at("role"), "context");
  EXPECT_EQ(doc.datapoints[9].measurement_value, Value(101.25));
  EXPECT_EQ(FormatPerformDatetime(doc.datapoints[0].performed, doc.datapoints[0].utc_offset_minutes),
            "2015-06-22T10:01:53-07:00");
  EXPECT_EQ(doc.users[doc.datapoints[0].performer], (User{"physicist", "qa@clinic.org"}));
  ASSERT_EQ(doc.datapoints[0].ancillary_equipment.size(), 1u);
  EXPECT_EQ(doc.equipment[doc.datapoints[0].ancillary_equipment[0]].serial_number, "77030074");
  EXPECT_EQ(doc.equipment[doc.datapoints[0].primary_equipment].name, "Room 1/TrueBeam");
}

TEST(QuaacSession, DocumentOfSessionsIsValidAndSharesObjects) {
  Document doc;
  ASSERT_TRUE(AppendSession(SampleMpcSession(), {kSite}, {}, &doc).ok());
  QcSession later = SampleMpcSession();
  later.user_key += "/b";
  ASSERT_TRUE(AppendSession(later, {kSite}, {}, &doc).ok());
  ASSERT_TRUE(AppendSession(SampleDqa3Session(), {kSite}, {}, &doc).ok());
  EXPECT_EQ(doc.datapoints.size(), 14u);
  EXPECT_EQ(doc.equipment.size(), 3u);  // the MPC linac once, the DQA3 linac, the device
  auto text = WriteQuaacJson(doc);
  ASSERT_TRUE(text.ok());
  EXPECT_TRUE(CheckQuaacJson(*text).empty());
  auto back = ReadQuaacJson(*text);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, doc);
}

TEST(QuaacSession, ErrorsLeaveTheDocumentUnchanged) {
  Document doc;
  EXPECT_FALSE(AppendSession(SampleMpcSession(), {{"QA", "no-address"}}, {}, &doc).ok());
  QcSession bad = SampleMpcSession();
  bad.zone = "Mars/Olympus";
  EXPECT_FALSE(AppendSession(bad, {kSite}, {}, &doc).ok());
  bad = SampleMpcSession();
  bad.machine = {};
  EXPECT_FALSE(AppendSession(bad, {kSite}, {}, &doc).ok());
  EXPECT_EQ(doc, Document{});
}

// An oracle independent of quaac_hash.cc: python3 recomputes every object's
// hash of a written document the spec's way (aliases to underscore names,
// json.dumps(sort_keys=True), md5) and prints those that differ.
TEST(QuaacSession, PythonRecomputesEveryWrittenHash) {
  Document doc;
  QcSession dqa3 = SampleDqa3Session();
  dqa3.machine.name = "Raum 1/TrueBeam °";  // non-ASCII in a referenced name
  dqa3.tests[0].comment = "checked \u2713 ok";
  auto csv = MakeGzipAttachment("Results.csv", "Name,Value\n°,1\n", "csv");
  ASSERT_TRUE(csv.ok());
  ASSERT_TRUE(AppendSession(SampleMpcSession(), {kSite}, {*csv}, &doc).ok());
  ASSERT_TRUE(AppendSession(dqa3, {kSite}, {}, &doc).ok());
  auto text = WriteQuaacJson(doc);
  ASSERT_TRUE(text.ok());
  testing::TempDir dir;
  testing::WriteFile(dir.Sub("doc.json"), *text);
  const testing::Run run = testing::RunQcflow(
      "python3",
      "-c 'import json,hashlib,sys\n"
      "d = json.load(open(sys.argv[1], encoding=\"utf-8\"))\n"
      "n = 0\n"
      "for key in (\"datapoints\", \"equipment\", \"users\", \"attachments\"):\n"
      "    for o in d[key]:\n"
      "        c = {k.replace(\" \", \"_\"): v for k, v in o.items() if k != \"hash\"}\n"
      "        h = hashlib.md5(json.dumps(c, sort_keys=True).encode(\"utf-8\")).hexdigest()\n"
      "        n += 1\n"
      "        if h != o[\"hash\"]: print(key, o[\"name\"], h, o[\"hash\"])\n"
      "import base64,gzip\n"
      "for a in d[\"attachments\"]: print(repr(gzip.decompress(base64.b64decode(a[\"content\"])).decode()))\n"
      "print(\"checked\", n)' " + dir.Sub("doc.json"));
  EXPECT_EQ(run.exit_code, 0);
  // Python's gzip reads the attachment; 2 MPC + 10 DQA3 datapoints, 3
  // equipment, 2 users, 1 attachment.
  EXPECT_EQ(run.out, "'Name,Value\\n°,1\\n'\nchecked 18\n");
}

TEST(QuaacSession, AttachmentsAreGzipBase64OnEveryDatapointAndFileTestsAttachTheirFile) {
  const std::string csv = "Name [Unit],Value\nBeamGroup/BeamOutputChange [%],0.12\n";
  auto results = MakeGzipAttachment("Results.csv", csv, "csv");
  ASSERT_TRUE(results.ok());
  EXPECT_EQ(results->compression, "gzip");
  EXPECT_EQ(Gunzip(Unbase64(results->content)), csv);

  QcSession s = SampleMpcSession();
  TestResult file;
  file.key = "report";
  file.name = "report";
  file.file = FileValue{"report.txt", "text", "all good"};
  s.tests.push_back(file);
  Document doc;
  ASSERT_TRUE(AppendSession(s, {kSite}, {*results}, &doc).ok());
  ASSERT_EQ(doc.datapoints.size(), 3u);
  EXPECT_EQ(doc.datapoints[0].attachments, std::vector<size_t>{0});
  EXPECT_EQ(doc.datapoints[2].measurement_value, Value(std::string("report.txt")));
  EXPECT_EQ(doc.datapoints[2].attachments, (std::vector<size_t>{0, 1}));
  EXPECT_EQ(Gunzip(Unbase64(doc.attachments[1].content)), "all good");
  auto text = WriteQuaacJson(doc);
  ASSERT_TRUE(text.ok());
  EXPECT_TRUE(CheckQuaacJson(*text).empty());
}

}  // namespace
}  // namespace qcflow::quaac
