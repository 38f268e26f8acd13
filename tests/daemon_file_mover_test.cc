// `qcflow run` with [[source.file_mover]]: the real binary moves a tree and
// journals each transfer (`qcflow query records --kind files`, `qcflow
// status`), and survives SIGKILL at random moments: after every kill no file
// is lost, none is half under its final name and none is under two names in
// the destination; after a final clean run every file is in exactly one
// place, whole, and journaled once.
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <random>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "ingest/file_mover/file_ops.h"
#include "store/journal.h"
#include "store/store.h"
#include "tests/testing/child_process.h"
#include "tests/testing/run_qcflow.h"
#include "tests/testing/temp_dir.h"

namespace qcflow {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using std::chrono::milliseconds;

std::string Capture(const std::string& args) { return testing::RunQcflow(QCFLOW_BIN, args).out; }

class DaemonFileMoverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(In());
    config_ = dir_.Sub("qcflow.toml");
    std::ofstream(config_) << "[store]\npath = \"" << Store() << "\"\n\n[log]\nfile = \"" << dir_.Sub("qcflow.log")
                           << "\"\n\n[[source.file_mover]]\nname = \"mover\"\nsource = \"" << In()
                           << "\"\ndestination = \"" << Out()
                           << "\"\nrecursive = true\nsettle = 0\ninterval = \"100ms\"\n";
  }
  std::string In() const { return dir_.Sub("in"); }
  std::string Out() const { return dir_.Sub("out"); }
  std::string Store() const { return dir_.Sub("store"); }
  std::string Log() const { return testing::ReadAll(dir_.Sub("qcflow.log")); }

  // A file with content no other file has; sizes up to 400 kB so a kill can
  // land inside a copy.
  void AddFile(const std::string& rel, std::mt19937& rng) {
    std::string content = rel + "\n" + std::string(std::uniform_int_distribution<size_t>(0, 400'000)(rng), 'x');
    testing::WriteFile(In() + "/" + rel, content);
    originals_[content] = rel;
  }

  // Content -> the paths (source and destination trees) holding it; every
  // file not a temporary must hold one original's bytes.
  std::map<std::string, std::vector<std::string>> Holders(size_t* in_destination_twice) {
    std::map<std::string, std::vector<std::string>> out;
    *in_destination_twice = 0;
    for (const std::string& root : {In(), Out()}) {
      std::map<std::string, int> here;
      std::error_code ec;
      if (!fs::exists(root)) continue;
      for (auto& e : fs::recursive_directory_iterator(root)) {
        if (!e.is_regular_file() || file_mover::IsTempName(e.path().filename().string())) continue;
        std::string bytes = testing::ReadAll(e.path().string());
        EXPECT_TRUE(originals_.count(bytes)) << e.path() << " holds bytes of no original (half a file?)";
        out[bytes].push_back(e.path().string());
        if (root == Out() && ++here[bytes] == 2) ++*in_destination_twice;
      }
    }
    return out;
  }

  // Names in a tree (files and temporaries), 0 when it does not exist.
  static size_t Entries(const std::string& root) {
    size_t n = 0;
    std::error_code ec;
    for (fs::recursive_directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec)) ++n;
    return n;
  }

  testing::TempDir dir_;
  std::string config_;
  std::map<std::string, std::string> originals_;  // content -> its relative path
};

TEST_F(DaemonFileMoverTest, MovesATreeAndJournalsWhereEachFileWent) {
  std::mt19937 rng(7);
  for (int i = 0; i < 20; ++i) AddFile((i % 2 ? "sub/" : "") + std::string("f") + std::to_string(i) + ".txt", rng);
  fs::create_directories(In() + "/empty");
  testing::WriteFile(Out() + "/f0.txt", "another file of that name");  // keep-both
  const size_t moved = originals_.size();
  originals_["another file of that name"] = "";  // there before, stays
  testing::ChildProcess run(QCFLOW_BIN, {"run", "--config", config_, "--until-idle", "--max-duration", "60"},
                            dir_.Sub("run.out"));
  ASSERT_EQ(run.Wait(), 0) << testing::ReadAll(dir_.Sub("run.out")) << Log();
  size_t twice = 0;
  auto holders = Holders(&twice);
  EXPECT_EQ(holders.size(), moved + 1);
  for (const auto& [content, rel] : originals_) {
    ASSERT_EQ(holders[content].size(), 1u) << rel;
    if (rel.empty()) continue;
    EXPECT_EQ(holders[content][0].rfind(Out() + "/", 0), 0u) << holders[content][0];
  }
  EXPECT_TRUE(fs::is_directory(In() + "/empty")) << "directories are never moved";
  EXPECT_EQ(testing::ReadAll(Out() + "/f0.txt"), "another file of that name");
  EXPECT_TRUE(fs::exists(Out() + "/f0 (2).txt"));
  EXPECT_NE(Log().find("moved 20 file(s)"), std::string::npos) << Log();

  std::string records = Capture("query records --store " + Store() + " --kind files --format csv --limit 1000");
  EXPECT_NE(records.find("f0 (2).txt"), std::string::npos) << records;
  EXPECT_NE(records.find("sub/f1.txt"), std::string::npos) << records;
  json status = json::parse(Capture("status --store " + Store() + " --format json"), nullptr, false);
  ASSERT_FALSE(status.is_discarded());
  EXPECT_EQ(status.value("file_mover_errors", 99), 0) << status.dump();
  std::string table = Capture("status --store " + Store());
  EXPECT_NE(table.find("File movers:"), std::string::npos) << table;
}

TEST_F(DaemonFileMoverTest, SigkillAtRandomMomentsLosesAndDuplicatesNothing) {
  std::mt19937 rng(20240515);
  constexpr int kRounds = 24;
  int file = 0;
  size_t interrupted = 0;  // rounds whose kill left a file in both places or a temporary
  for (int round = 0; round < kRounds; ++round) {
    for (int i = 0; i < 25; ++i, ++file) {
      AddFile("d" + std::to_string(file % 4) + "/r" + std::to_string(round) + "_" + std::to_string(file) + ".bin",
              rng);
    }
    {
      const size_t before = Entries(Out());
      testing::ChildProcess run(QCFLOW_BIN, {"run", "--config", config_}, dir_.Sub("kill.out"));
      if (round % 2 == 0) {  // any moment: starting, opening the store, moving, idle
        std::this_thread::sleep_for(milliseconds(std::uniform_int_distribution<int>(0, 600)(rng)));
      } else {  // while it moves: once the destination changed, within a few ms
        testing::Eventually([&] { return Entries(Out()) != before; }, milliseconds(5000));
        std::this_thread::sleep_for(std::chrono::microseconds(std::uniform_int_distribution<int>(0, 15'000)(rng)));
      }
      run.Signal(SIGKILL);
      run.Wait();
    }
    size_t twice = 0;
    auto holders = Holders(&twice);
    EXPECT_EQ(twice, 0u) << "round " << round << ": a file under two names in the destination";
    bool mid_transfer = false;
    for (const auto& [content, rel] : originals_) {
      EXPECT_FALSE(holders[content].empty()) << "round " << round << ": " << rel << " is lost";
      mid_transfer |= holders[content].size() > 1;
    }
    for (auto& e : fs::recursive_directory_iterator(Out(), fs::directory_options::none)) {
      mid_transfer |= file_mover::IsTempName(e.path().filename().string());
    }
    interrupted += mid_transfer;
    if (HasFailure()) return;
  }
  std::cout << interrupted << " of " << kRounds << " kills interrupted a transfer\n";
  testing::ChildProcess run(QCFLOW_BIN, {"run", "--config", config_, "--until-idle", "--max-duration", "120"},
                            dir_.Sub("final.out"));
  ASSERT_EQ(run.Wait(std::chrono::seconds(150)), 0) << testing::ReadAll(dir_.Sub("final.out")) << Log();
  size_t twice = 0;
  auto holders = Holders(&twice);
  for (const auto& [content, rel] : originals_) {
    ASSERT_EQ(holders[content].size(), 1u) << rel;
    EXPECT_EQ(holders[content][0], Out() + "/" + rel) << "one place, under its own name";
  }
  for (auto& e : fs::recursive_directory_iterator(Out())) {
    EXPECT_FALSE(file_mover::IsTempName(e.path().filename().string())) << e.path() << " left over";
  }
  auto store = Store::Open(Store(), StoreOptions{.read_only = true});
  ASSERT_TRUE(store.ok()) << store.status().message();
  std::set<std::string> to;
  size_t records = 0;
  auto scanned = (*store)->journal().Scan(0, 1'000'000, [&](uint64_t, const RecordView& r) {
    ++records;
    to.insert(json::parse(r.meta)["to"].get<std::string>());
    return true;
  });
  ASSERT_TRUE(scanned.ok());
  EXPECT_EQ(records, originals_.size()) << "each transfer journaled once";
  EXPECT_EQ(to.size(), originals_.size());
}

}  // namespace
}  // namespace qcflow
