#include "process/files/file_upload.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace qcflow::files {
namespace {

struct FileRecord {
  Record rec;
  RecordView View() const { return rec.View(); }
};

FileRecord Make(const std::string& path, const std::string& bytes, const std::string& mode = "text",
                const std::string& encoding = "utf-8") {
  FileRecord f;
  f.rec.kind = Kind::kFile;
  f.rec.source_id = "reports";
  f.rec.event_time = 1'700'000'000 * kMicrosPerSecond;
  f.rec.capture_time = f.rec.event_time + 90 * kMicrosPerSecond;
  f.rec.dedup_key = "/srv/in\0" + path + "\0" + std::to_string(bytes.size()) + "\0hash";
  f.rec.meta = nlohmann::json{{"dir", "/srv/in"}, {"path", path}, {"size", bytes.size()},
                              {"mode", mode}, {"encoding", encoding}}
                   .dump();
  f.rec.payload = bytes;
  return f;
}

FileUploadOptions Options() {
  FileUploadOptions o;
  o.source = "reports";
  o.test_list_template = "Reports {{ unit }}: {{ stem }}";
  o.units = {{"/srv/in", UnitRef::Named("TB1")}};
  return o;
}

TEST(FileUpload, TextFileBecomesOneUploadTest) {
  FileRecord f = Make("sub/profile 6X.csv", "a,b\n1,2\n");
  auto s = BuildFileUploadSession(7, f.View(), Options());
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->unit_name, "TB1");
  EXPECT_EQ(s->test_list_name, "Reports TB1: profile 6X");
  EXPECT_EQ(s->work_started, f.rec.event_time);
  EXPECT_EQ(s->work_completed, f.rec.event_time + kMicrosPerSecond);
  ASSERT_EQ(s->tests.size(), 1u);
  const TestResult& t = s->tests[0];
  EXPECT_EQ(t.key, "upload");
  ASSERT_TRUE(t.file.has_value());
  EXPECT_EQ(t.file->filename, "profile 6X.csv");
  EXPECT_EQ(t.file->encoding, "text");
  EXPECT_EQ(t.file->value, "a,b\n1,2\n");
  EXPECT_EQ(s->source_files, std::vector<std::string>{"/srv/in/sub/profile 6X.csv"});
  EXPECT_EQ(s->source_seqs, std::vector<uint64_t>{7});
  EXPECT_EQ(s->user_key.rfind("qcflow/files/reports/sub/profile 6X.csv/", 0), 0u) << s->user_key;
  EXPECT_TRUE(ValidateQcSession(*s).ok());
}

TEST(FileUpload, UserKeyIsStableAndChangesWithTheContent) {
  FileRecord a = Make("r.txt", "v1");
  FileRecord b = Make("r.txt", "v1");
  FileRecord c = Make("r.txt", "v2");
  c.rec.dedup_key += "-other-content";
  auto sa = BuildFileUploadSession(1, a.View(), Options());
  auto sb = BuildFileUploadSession(9, b.View(), Options());
  auto sc = BuildFileUploadSession(2, c.View(), Options());
  ASSERT_TRUE(sa.ok() && sb.ok() && sc.ok());
  EXPECT_EQ(sa->user_key, sb->user_key);
  EXPECT_NE(sa->user_key, sc->user_key);
}

TEST(FileUpload, BinaryIsBase64AndLatin1IsConverted) {
  FileRecord bin = Make("img.png", std::string("\x89PNG\x00", 5), "binary");
  auto b = BuildFileUploadSession(1, bin.View(), Options());
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_EQ(b->tests[0].file->encoding, "base64");
  EXPECT_EQ(b->tests[0].file->value, "iVBORwA=");
  FileRecord latin = Make("l.txt", "caf\xE9", "text", "latin-1");
  auto l = BuildFileUploadSession(2, latin.View(), Options());
  ASSERT_TRUE(l.ok()) << l.status().ToString();
  EXPECT_EQ(l->tests[0].file->value, "caf\xC3\xA9");
  FileRecord bad = Make("u.txt", "caf\xE9");  // claims utf-8
  auto u = BuildFileUploadSession(3, bad.View(), Options());
  ASSERT_FALSE(u.ok());
  EXPECT_NE(u.status().message().find("byte offset 3"), std::string::npos) << u.status().message();
}

TEST(FileUpload, TimeNowUsesTheCaptureTime) {
  FileUploadOptions o = Options();
  o.time_from_mtime = false;
  FileRecord f = Make("r.txt", "x");
  auto s = BuildFileUploadSession(1, f.View(), o);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->work_started, f.rec.capture_time);
}

TEST(FileUpload, LongPathsKeepTheirEndWithin255Characters) {
  std::string path;
  for (int i = 0; i < 40; ++i) path += "d\xC3\xA9pt" + std::to_string(i) + "/";
  path += "final report.txt";
  FileRecord f = Make(path, "x");
  auto s = BuildFileUploadSession(1, f.View(), Options());
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_TRUE(ValidateQcSession(*s).ok());
  EXPECT_NE(s->user_key.find("final report.txt/"), std::string::npos) << s->user_key;
}

TEST(FileUpload, ErrorsNameTheRecord) {
  FileRecord f = Make("r.txt", "x");
  FileUploadOptions o = Options();
  o.units.clear();
  auto s = BuildFileUploadSession(5, f.View(), o);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("file record 5"), std::string::npos);
  EXPECT_NE(s.status().message().find("has no unit"), std::string::npos);
  f.rec.meta = "not json";
  EXPECT_FALSE(BuildFileUploadSession(5, f.View(), Options()).ok());
}

}  // namespace
}  // namespace qcflow::files
