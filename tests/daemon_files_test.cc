// `qcflow run` with [[source.files]], end to end: files in two directories ->
// `qcflow run --until-idle` -> upload tests in the QATrack+ test server,
// exactly once (a second run uploads nothing), text (UTF-8 and Latin-1) and
// binary, an oversize and a badly encoded file quarantined and shown by
// `qcflow status`, a file changed after its upload sent as a new version, and
// `qcflow validate` checking the directories, units and test lists; after =
// "move": each uploaded file moved once, never over another file, also when
// the daemon is killed between the upload and the move.
//
// No timing assertions: every wait is bounded and polls for an outcome.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/time.h>

#include <csignal>
#include <cstdlib>
#include <thread>

#include <filesystem>
#include <map>
#include <set>
#include <nlohmann/json.hpp>
#include <string>

#include "store/text_util.h"
#include "store/time_util.h"
#include "tests/testing/child_process.h"
#include "tests/testing/qatrack_test_server.h"
#include "tests/testing/run_qcflow.h"
#include "tests/testing/temp_dir.h"

namespace qcflow {
namespace {

using nlohmann::json;
using testing::ChildProcess;
using testing::QatrackTestServer;
using testing::ReadAll;

class DaemonFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    QatrackTestServer::Options o;
    o.seed = "empty";
    auto q = QatrackTestServer::Start(o);
    ASSERT_TRUE(q.ok()) << q.status().ToString();
    qatrack_ = std::move(*q);
    json seed = {{"sites", {{{"name", "Main"}}}},
                 {"units", json::array()},
                 {"test_lists", {{{"name", "Reports"}, {"tests", {{{"slug", "upload"}, {"type", "upload"}}}}}}},
                 {"utcs", json::array()}};
    for (int n : {1, 2}) {
      seed["units"].push_back({{"number", n}, {"name", "TB" + std::to_string(n)},
                               {"serial_number", "S" + std::to_string(n)}, {"site", "Main"},
                               {"active", true}});
      seed["utcs"].push_back({{"unit", n}, {"test_list", "Reports"}, {"active", true}});
    }
    ASSERT_TRUE(qatrack_->Seed(seed.dump()).ok());
  }

  // Writes a file `age_s` old (an hour: settled whatever `settle` is).
  void Put(const std::string& path, const std::string& bytes, int64_t age_s = 3600) {
    testing::WriteFile(path, bytes);
    struct timeval tv[2];
    tv[0].tv_sec = tv[1].tv_sec = NowMicros() / kMicrosPerSecond - age_s;
    tv[0].tv_usec = tv[1].tv_usec = 0;
    ASSERT_EQ(::utimes(path.c_str(), tv), 0);
  }

  std::string WriteConfig(const std::string& a_keys = "", const std::string& b_keys = "") {
    const std::string path = dir_.Sub("qcflow.toml");
    const std::string common = "test_list = \"Reports\"\nsettle = \"0s\"\ninterval = \"300ms\"\n";
    testing::WriteFile(
        path, "[display]\nzone = \"Asia/Kolkata\"\n[store]\npath = \"" + store() + "\"\n[log]\nfile = \"" + dir_.Sub("qcflow.log") +
                  "\"\n[[source.files]]\nname = \"text\"\ndirs = [{ path = \"" + a_ +
                  "\", unit = \"TB1\"" + Destination(out_a_) + " }, { path = \"" + b_ +
                  "\", unit = 2" + Destination(out_b_) + " }]\npattern = \"*.txt\"\n" +
                  "max_size = 64\n" + common + a_keys +
                  "[[source.files]]\nname = \"images\"\ndirs = [{ path = \"" + a_ +
                  "\", unit = \"TB1\" }]\npattern = [\"*.png\"]\nmode = \"binary\"\n" + common +
                  b_keys + "[[sink.qatrack]]\nname = \"qatrack\"\nurl = \"" + qatrack_->base_url() +
                  "\"\ntoken = \"" + QatrackTestServer::kDefaultToken +
                  "\"\nserver_zone = \"America/Toronto\"\ninterval = \"300ms\"\n"
                  "[[route]]\nfrom = \"text\"\nto = [\"qatrack\"]\n"
                  "[[route]]\nfrom = \"images\"\nto = [\"qatrack\"]\n");
    chmod(path.c_str(), 0600);  // it holds the token
    return path;
  }
  std::string store() const { return dir_.Sub("store"); }
  // ", destination = ..." once destinations_ is set.
  std::string Destination(const std::string& dir) const {
    return destinations_ ? ", destination = \"" + dir + "\"" : "";
  }

  int RunUntilIdle(const std::string& config) {
    ChildProcess run(QCFLOW_BIN, {"run", "--config", config, "--until-idle", "--max-duration", "60"},
                     dir_.Sub("out.txt"));
    return run.Wait(std::chrono::seconds(90));
  }
  // Uploads by user_key; fails the test when a key is stored twice.
  std::map<std::string, json> Stored() {
    auto s = qatrack_->Stored();
    EXPECT_TRUE(s.ok());
    std::map<std::string, json> out;
    if (!s.ok()) return out;
    const json all = json::parse(*s);
    for (const json& r : all["results"]) {
      const std::string key = r["user_key"];
      EXPECT_EQ(out.count(key), 0u) << "stored twice: " << key;
      out[key] = r;
    }
    return out;
  }
  // `qcflow status`'s record of source `name` (null when it has none).
  static json Source(const std::string& store, const std::string& name) {
    auto status = testing::RunQcflow(QCFLOW_BIN, "status --store " + store + " --format json");
    EXPECT_EQ(status.exit_code, 0) << status.out;
    const json parsed = json::parse(status.out, nullptr, false);
    if (parsed.is_discarded()) return nullptr;
    for (const json& s : parsed["daemon_sources"]) {
      if (s["source"] == name) return s;
    }
    ADD_FAILURE() << "no source " << name << " in " << status.out;
    return nullptr;
  }
  // The stored upload of `filename`, or null.
  static json Upload(const std::map<std::string, json>& stored, const std::string& filename) {
    for (const auto& [key, r] : stored) {
      const json& t = r["tests"]["upload"];
      if (t.value("filename", "") == filename) return r;
    }
    return nullptr;
  }

  testing::TempDir dir_;
  std::string a_ = dir_.Sub("in-a"), b_ = dir_.Sub("in-b");
  std::string out_a_ = dir_.Sub("out-a"), out_b_ = dir_.Sub("out-b");
  bool destinations_ = false;
  std::unique_ptr<QatrackTestServer> qatrack_;
};

TEST_F(DaemonFilesTest, UploadsEachFileOnceAsItsUnitsUploadTest) {
  Put(a_ + "/profile.txt", "a,b\n1,2\n");
  Put(a_ + "/latin.txt", "caf\xE9");       // not UTF-8: quarantined
  Put(a_ + "/big.txt", std::string(100, 'x'));  // over max_size = 64
  Put(b_ + "/profile.txt", "a,b\n1,2\n");  // same content, other directory and unit
  Put(a_ + "/field.png", std::string("\x89PNG\r\n\x1a\n\x00\x01", 10));
  Put(a_ + "/archive.txt", "sent by QCPump last week", 3 * 24 * 3600);  // outside history = 1d
  const std::string config = WriteConfig();

  auto validate = testing::RunQcflow(QCFLOW_BIN, "validate --config " + config);
  EXPECT_EQ(validate.exit_code, 0) << validate.out;
  EXPECT_NE(validate.out.find("directory " + a_ + " readable"), std::string::npos) << validate.out;
  EXPECT_NE(validate.out.find("1 of them last modified more than history = 1d ago"), std::string::npos)
      << validate.out;

  ASSERT_EQ(RunUntilIdle(config), 0) << ReadAll(dir_.Sub("out.txt")) << ReadAll(dir_.Sub("qcflow.log"));
  auto stored = Stored();
  ASSERT_EQ(stored.size(), 3u) << ReadAll(dir_.Sub("qcflow.log"));
  std::map<std::string, int> units;
  for (const auto& [key, r] : stored) {
    EXPECT_EQ(r["test_list"], "Reports");
    EXPECT_EQ(key.rfind("qcflow/files/", 0), 0u) << key;
    units[r["tests"]["upload"]["filename"]] += r["unit_number"].get<int>();
  }
  EXPECT_EQ(units["profile.txt"], 1 + 2) << "one upload per directory, each to its unit";
  const json png = Upload(stored, "field.png");
  ASSERT_FALSE(png.is_null());
  EXPECT_EQ(png["tests"]["upload"]["encoding"], "base64");
  EXPECT_EQ(png["tests"]["upload"]["sent"]["value"],
            Base64(std::string("\x89PNG\r\n\x1a\n\x00\x01", 10)));
  const json text = Upload(stored, "profile.txt");
  EXPECT_EQ(text["tests"]["upload"]["encoding"], "text");
  EXPECT_EQ(text["tests"]["upload"]["sent"]["value"], "a,b\n1,2\n");

  // `qcflow query sessions` lists every kind's sessions, not only MPC's.
  auto sessions = testing::RunQcflow(QCFLOW_BIN, "query sessions --store " + store() + " --format json --limit 0");
  ASSERT_EQ(sessions.exit_code, 0) << sessions.out;
  std::set<std::string> listed;
  const json listed_doc = json::parse(sessions.out);
  for (const json& s : listed_doc["items"]) {
    EXPECT_EQ(s["source_kind"], "files") << s.dump();
    listed.insert(s["user_key"].get<std::string>());
  }
  std::set<std::string> uploaded;
  for (const auto& [key, r] : stored) uploaded.insert(key);
  EXPECT_EQ(listed, uploaded);
  auto mpc_only = testing::RunQcflow(QCFLOW_BIN, "query sessions --store " + store() + " --source-kind mpc --format json");
  ASSERT_EQ(mpc_only.exit_code, 0) << mpc_only.out;
  EXPECT_TRUE(json::parse(mpc_only.out)["items"].empty()) << mpc_only.out;

  auto status = testing::RunQcflow(QCFLOW_BIN, "status --store " + store());
  EXPECT_NE(status.out.find("File upload sources"), std::string::npos) << status.out;
  // The kind's own table shows its instants in the zone the daemon's [display]
  // names (it records it in the store; TZ unset), the zone named in the header
  // (Kolkata: +05:30 all year).
  const std::string saved_tz = std::getenv("TZ") ? std::getenv("TZ") : "";
  unsetenv("TZ");
  auto kolkata = testing::RunQcflow(QCFLOW_BIN, "status --store " + store() + " --section files --format csv");
  auto utc = testing::RunQcflow(QCFLOW_BIN, "status --store " + store() + " --section files --format csv --tz UTC");
  if (!saved_tz.empty()) setenv("TZ", saved_tz.c_str(), 1);
  EXPECT_NE(utc.out.find("last_pass (UTC)"), std::string::npos) << "--tz beats the recorded zone\n" << utc.out;
  ASSERT_EQ(kolkata.exit_code, 0) << kolkata.out;
  EXPECT_NE(kolkata.out.find("last_pass (Asia/Kolkata)"), std::string::npos) << kolkata.out;
  EXPECT_NE(kolkata.out.find("+05:30,"), std::string::npos) << kolkata.out;
  EXPECT_EQ(kolkata.out.find("Z,"), std::string::npos) << "no UTC text left:\n" << kolkata.out;
  auto quarantined = testing::RunQcflow(QCFLOW_BIN, "query records --store " + store() +
                                                        " --kind files --format json");
  EXPECT_EQ(quarantined.exit_code, 0) << quarantined.out;
  EXPECT_NE(quarantined.out.find("byte offset 3 is not valid utf-8"), std::string::npos)
      << quarantined.out;
  EXPECT_NE(quarantined.out.find("over max_size (64)"), std::string::npos);
  EXPECT_TRUE(Upload(stored, "archive.txt").is_null());
  EXPECT_NE(ReadAll(dir_.Sub("qcflow.log")).find("1 file(s) last modified before"), std::string::npos);

  // Again: nothing new. Then the file changes: a new version, a new upload.
  ASSERT_EQ(RunUntilIdle(config), 0) << ReadAll(dir_.Sub("out.txt"));
  EXPECT_EQ(Stored().size(), 3u);
  // Same size: the scan sees the change by its mtime, so give it another second than the first
  // Put's (Put truncates to seconds, and this test can run within one).
  Put(a_ + "/profile.txt", "a,b\n1,3\n", 1800);
  ASSERT_EQ(RunUntilIdle(config), 0) << ReadAll(dir_.Sub("out.txt"));
  EXPECT_EQ(Stored().size(), 4u);
}

TEST_F(DaemonFilesTest, Latin1TextIsSentAsUtf8WhenConfigured) {
  Put(a_ + "/latin.txt", "caf\xE9 \xB0" "C");
  const std::string config = WriteConfig("encoding = \"latin-1\"\n");
  ASSERT_EQ(RunUntilIdle(config), 0) << ReadAll(dir_.Sub("out.txt"));
  const json r = Upload(Stored(), "latin.txt");
  ASSERT_FALSE(r.is_null());
  EXPECT_EQ(r["tests"]["upload"]["sent"]["value"], "caf\xC3\xA9 \xC2\xB0" "C");
}

TEST_F(DaemonFilesTest, ValidateSaysWhatIsWrong) {
  const std::string config = WriteConfig();  // neither directory exists
  auto validate = testing::RunQcflow(QCFLOW_BIN, "validate --config " + config);
  EXPECT_NE(validate.exit_code, 0);
  EXPECT_NE(validate.out.find("directory " + a_ + " is not there"), std::string::npos) << validate.out;
  // The test list's macro must be an upload test.
  std::filesystem::create_directories(a_);
  std::filesystem::create_directories(b_);
  json seed = json::parse(R"({"sites": [{"name": "Main"}],
    "units": [{"number": 1, "name": "TB1", "serial_number": "S1", "site": "Main", "active": true},
              {"number": 2, "name": "TB2", "serial_number": "S2", "site": "Main", "active": true}],
    "test_lists": [{"name": "Reports", "tests": [{"slug": "upload", "type": "simple"}]}],
    "utcs": [{"unit": 1, "test_list": "Reports", "active": true},
             {"unit": 2, "test_list": "Reports", "active": true}]})");
  ASSERT_TRUE(qatrack_->Seed(seed.dump()).ok());
  auto typed = testing::RunQcflow(QCFLOW_BIN, "validate --config " + config);
  EXPECT_NE(typed.exit_code, 0);
  EXPECT_NE(typed.out.find("its test 'upload' is a 'simple' test"), std::string::npos) << typed.out;

  testing::WriteFile(dir_.Sub("bad.toml"),
                     "[[source.files]]\nname = \"x\"\ndirs = [{ path = \"/tmp\" }]\nmode = \"pdf\"\n");
  auto bad = testing::RunQcflow(QCFLOW_BIN, "validate --config " + dir_.Sub("bad.toml"));
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.out.find("needs unit = "), std::string::npos) << bad.out;
  EXPECT_NE(bad.out.find("mode must be one of \"text\", \"binary\""), std::string::npos) << bad.out;
  EXPECT_NE(bad.out.find("'test_list' is required"), std::string::npos) << bad.out;
}

TEST_F(DaemonFilesTest, AfterMoveMovesEachUploadedFileOnceAndNeverOverAnother) {
  destinations_ = true;
  Put(a_ + "/r.txt", "v1");
  Put(b_ + "/r.txt", "v1");
  Put(a_ + "/big.txt", std::string(100, 'x'));  // quarantined: never uploaded, never moved
  Put(out_a_ + "/r.txt", "someone else's");
  const std::string config = WriteConfig("after = \"move\"\n");
  auto validate = testing::RunQcflow(QCFLOW_BIN, "validate --config " + config);
  EXPECT_EQ(validate.exit_code, 0) << validate.out;
  EXPECT_NE(validate.out.find("destination " + out_b_ + " of " + b_ + " will be created"),
            std::string::npos) << validate.out;

  ASSERT_EQ(RunUntilIdle(config), 0) << ReadAll(dir_.Sub("out.txt")) << ReadAll(dir_.Sub("qcflow.log"));
  EXPECT_EQ(Stored().size(), 2u);
  namespace fs = std::filesystem;
  EXPECT_FALSE(fs::exists(a_ + "/r.txt"));
  EXPECT_FALSE(fs::exists(b_ + "/r.txt"));
  EXPECT_EQ(ReadAll(out_a_ + "/r.txt"), "someone else's");
  EXPECT_EQ(ReadAll(out_a_ + "/r (2).txt"), "v1");
  EXPECT_EQ(ReadAll(out_b_ + "/r.txt"), "v1");
  EXPECT_TRUE(fs::exists(a_ + "/big.txt"));
  EXPECT_FALSE(fs::exists(out_a_ + "/big.txt"));
  const json text_source = Source(store(), "text");
  EXPECT_EQ(text_source["placed"], 2) << text_source.dump();
  EXPECT_EQ(text_source["awaiting_upload"], 0) << text_source.dump();

  ASSERT_EQ(RunUntilIdle(config), 0) << ReadAll(dir_.Sub("out.txt"));
  EXPECT_EQ(Stored().size(), 2u);
  EXPECT_FALSE(fs::exists(out_a_ + "/r (3).txt"));
  // A third run places one more: the placed total counts every run's.
  Put(a_ + "/s.txt", "v2");
  ASSERT_EQ(RunUntilIdle(config), 0) << ReadAll(dir_.Sub("out.txt"));
  EXPECT_EQ(ReadAll(out_a_ + "/s.txt"), "v2");
  EXPECT_EQ(Source(store(), "text")["placed"], 3);

  testing::WriteFile(dir_.Sub("nodest.toml"),
                     "[[source.files]]\nname = \"x\"\ndirs = [{ path = \"" + a_ +
                         "\", unit = 1 }]\ntest_list = \"Reports\"\nafter = \"copy\"\n");
  auto bad = testing::RunQcflow(QCFLOW_BIN, "validate --config " + dir_.Sub("nodest.toml"));
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.out.find("after = \"copy\" needs a destination for every directory"), std::string::npos)
      << bad.out;
}

TEST_F(DaemonFilesTest, AKillBetweenUploadAndMoveUploadsOnceAndMovesOnce) {
  destinations_ = true;
  Put(a_ + "/killed.txt", "uploaded, then killed");
  // The file source passes once at start, then not for an hour: the upload
  // happens, the move waits for the next pass (a pass places only what was
  // confirmed before it scanned).
  std::string config = WriteConfig("after = \"move\"\ninterval = \"1h\"\n");
  std::string text = ReadAll(config);
  const size_t first = text.find("interval = \"300ms\"\nafter");
  ASSERT_NE(first, std::string::npos);
  text.erase(first, std::string("interval = \"300ms\"\n").size());
  testing::WriteFile(config, text);
  {
    ChildProcess run(QCFLOW_BIN, {"run", "--config", config}, dir_.Sub("out.txt"));
    for (int i = 0; i < 300 && Stored().empty(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ASSERT_EQ(Stored().size(), 1u) << ReadAll(dir_.Sub("qcflow.log"));
    run.Signal(SIGKILL);
    run.Wait(std::chrono::seconds(10));
  }
  EXPECT_EQ(ReadAll(a_ + "/killed.txt"), "uploaded, then killed") << "moved before the kill";
  ASSERT_EQ(RunUntilIdle(config), 0) << ReadAll(dir_.Sub("out.txt")) << ReadAll(dir_.Sub("qcflow.log"));
  EXPECT_EQ(Stored().size(), 1u);
  EXPECT_FALSE(std::filesystem::exists(a_ + "/killed.txt"));
  EXPECT_EQ(ReadAll(out_a_ + "/killed.txt"), "uploaded, then killed");
  EXPECT_FALSE(std::filesystem::exists(out_a_ + "/killed (2).txt"));
}

}  // namespace
}  // namespace qcflow
