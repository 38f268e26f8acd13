// `qcflow run` with [[sink.quaac]] and [[sink.quip]] routed from an MPC
// source: the real binary writes each session into its machine's document of
// the month, and survives SIGKILL at random moments. After every kill each
// document is valid (the checking readers) and holds no session twice; after
// a final clean run every session of `qcflow query sessions` is in exactly one
// document of each format, with its values, units, time and machine.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <map>
#include <random>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "export/quaac/quaac_reader.h"
#include "export/quip/quip_reader.h"
#include "tests/testing/child_process.h"
#include "tests/testing/mpc_runs.h"
#include "tests/testing/run_qcflow.h"
#include "tests/testing/temp_dir.h"

namespace qcflow {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using std::chrono::milliseconds;

constexpr int kRuns = 400;   // one a day from 2024-01-01: 14 month documents
constexpr int kRounds = 20;  // each adds kRuns / kRounds runs, so every kill finds work

// "YYYY-MM-DD" of 2024-01-01 + i days.
std::string Day(int i) {
  using namespace std::chrono;
  const year_month_day d{sys_days{year{2024} / January / 1} + days{i}};
  char text[16];
  std::snprintf(text, sizeof text, "%04d-%02u-%02u", int(d.year()), unsigned(d.month()), unsigned(d.day()));
  return text;
}

// (session, test key) -> datapoints, of every QuAAC document under `dir`.
struct QuaacSeen {
  std::map<std::pair<std::string, std::string>, std::vector<quaac::DataPoint>> points;
  std::map<std::string, std::set<std::string>> documents_of;  // session -> documents
  std::map<std::string, std::string> machine_of;              // session -> equipment serial
};

class DaemonArchiveTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(dir_.Sub("TDS"));
    config_ = dir_.Sub("qcflow.toml");
    testing::WriteFile(
        config_, "[store]\npath = \"" + dir_.Sub("store") + "\"\n[log]\nfile = \"" + dir_.Sub("qcflow.log") +
                     "\"\n[[source.mpc]]\nname = \"tb\"\ntds = \"" + dir_.Sub("TDS") +
                     "\"\nzone = \"Europe/Berlin\"\ninterval = \"200ms\"\nsettle = \"0s\"\nwait = \"0s\"\n"
                     "history = \"all\"\n"
                     "[[sink.quaac]]\nname = \"archive\"\ndir = \"" + Quaac() + "\"\nperiod = \"month\"\n"
                     "user_email = \"qa@clinic.org\"\ninterval = \"100ms\"\n"
                     "[[sink.quip]]\nname = \"quip\"\ndir = \"" + Quip() + "\"\nperiod = \"month\"\n"
                     "interval = \"100ms\"\n"
                     "[[route]]\nfrom = \"tb\"\nto = [\"archive\", \"quip\"]\n");
  }
  std::string Quaac() const { return dir_.Sub("quaac"); }
  std::string Quip() const { return dir_.Sub("quip"); }

  static std::vector<std::string> Documents(const std::string& root, const std::string& ext) {
    std::vector<std::string> out;
    if (!fs::exists(root)) return out;
    for (auto& e : fs::recursive_directory_iterator(root)) {
      const std::string name = e.path().filename().string();
      if (e.is_regular_file() && name.size() > ext.size() && name.ends_with(ext) && name[0] != '.') {
        out.push_back(e.path().string());
      }
    }
    return out;
  }

  // Bytes of the files under `root` (documents and temporaries).
  static uintmax_t Bytes(const std::string& root) {
    uintmax_t n = 0;
    std::error_code ec;
    if (!fs::exists(root)) return 0;
    for (auto& e : fs::recursive_directory_iterator(root, ec)) {
      if (e.is_regular_file(ec)) n += e.file_size(ec);
    }
    return n;
  }

  // Reads every QuAAC document; a document that is not valid fails the test.
  QuaacSeen ReadQuaac() {
    QuaacSeen seen;
    for (const std::string& path : Documents(Quaac(), ".quaac.json")) {
      const std::string text = testing::ReadAll(path);
      const std::vector<std::string> problems = quaac::CheckQuaacJson(text);
      EXPECT_TRUE(problems.empty()) << path << ": " << (problems.empty() ? "" : problems[0]);
      auto doc = quaac::ReadQuaacJson(text);
      if (!doc.ok()) continue;
      for (const quaac::DataPoint& dp : doc->datapoints) {
        const std::string session = dp.parameters.at("qcflow_session");
        seen.points[{session, dp.parameters.at("qcflow_key")}].push_back(dp);
        seen.documents_of[session].insert(path);
        seen.machine_of[session] = doc->equipment[dp.primary_equipment].serial_number;
      }
    }
    return seen;
  }

  // performed-on-date -> how many QUIP tests carry it; invalid documents fail the test.
  std::map<std::string, int> ReadQuip() {
    std::map<std::string, int> tests;
    for (const std::string& path : Documents(Quip(), ".quip.json")) {
      auto doc = quip::ReadQuipJson(testing::ReadAll(path));
      EXPECT_TRUE(doc.ok()) << path << ": " << doc.status().ToString();
      if (!doc.ok()) continue;
      for (const quip::Machine& m : doc->machines) {
        EXPECT_EQ(m.serial, "1234");
        for (const quip::MachineTest& t : m.tests) ++tests[t.performed_on];
      }
    }
    return tests;
  }

  void ExpectNothingTwice(const std::string& when) {
    for (const auto& [key, points] : ReadQuaac().points) {
      EXPECT_EQ(points.size(), 1u) << when << ": " << key.first << " / " << key.second << " written twice";
    }
    for (const auto& [performed, n] : ReadQuip()) {
      EXPECT_EQ(n, 1) << when << ": the QUIP test of " << performed << " written " << n << " times";
    }
  }

  testing::TempDir dir_;
  std::string config_;
};

TEST_F(DaemonArchiveTest, SigkillNeverLeavesHalfADocumentOrASessionTwice) {
  std::mt19937 rng(20261204);
  int interrupted = 0;
  size_t written_before = 0;
  for (int round = 0; round < kRounds; ++round) {
    const int runs = (round + 1) * kRuns / kRounds;
    for (int i = round * kRuns / kRounds; i < runs; ++i) testing::WriteGeometryRunOn(dir_.Sub("TDS"), Day(i));
    {
      testing::ChildProcess run(QCFLOW_BIN, {"run", "--config", config_}, dir_.Sub("run.out"));
      // Once this round's first document landed, within a few ms: mid-work.
      const uintmax_t before = Bytes(Quaac());
      testing::Eventually([&] { return Bytes(Quaac()) != before; }, milliseconds(10'000));
      std::this_thread::sleep_for(std::chrono::microseconds(std::uniform_int_distribution<int>(0, 20'000)(rng)));
      run.Signal(SIGKILL);
      run.Wait();
    }
    ExpectNothingTwice("after kill " + std::to_string(round + 1));
    if (HasFailure()) return;
    // Interrupted mid-work: this round wrote some sessions, not all.
    const size_t written = ReadQuaac().documents_of.size();
    interrupted += written > written_before && written < size_t(runs);
    written_before = written;
  }
  std::cout << interrupted << " of " << kRounds << " kills came while sessions were being written\n";
  testing::ChildProcess run(QCFLOW_BIN, {"run", "--config", config_, "--until-idle", "--max-duration", "120"},
                            dir_.Sub("final.out"));
  ASSERT_EQ(run.Wait(std::chrono::seconds(150)), 0)
      << testing::ReadAll(dir_.Sub("final.out")) << testing::ReadAll(dir_.Sub("qcflow.log"));
  ExpectNothingTwice("after the final run");

  // Every session `qcflow query sessions` shows, in one document of each format.
  testing::Run q = testing::RunQcflow(QCFLOW_BIN, "query sessions --store " + dir_.Sub("store") +
                                                      " --limit 1000 --format json");
  ASSERT_EQ(q.exit_code, 0) << q.out;
  const json sessions = json::parse(q.out.substr(q.out.find("{\n")))["items"];
  ASSERT_EQ(sessions.size(), size_t(kRuns));
  const QuaacSeen seen = ReadQuaac();
  std::map<std::string, int> quip = ReadQuip();
  EXPECT_EQ(quip.size(), size_t(kRuns));
  for (const json& s : sessions) {
    const std::string key = s["user_key"];
    ASSERT_EQ(seen.documents_of.count(key), 1u) << key << " is in no QuAAC document";
    EXPECT_EQ(seen.documents_of.at(key).size(), 1u) << key;
    EXPECT_EQ(seen.machine_of.at(key), s["machine"]["serial"].get<std::string>());
    // The run's folder is at 07:00 Berlin time: CET in winter, CEST in summer.
    const std::string date = (*seen.documents_of.at(key).begin()).substr(Quaac().size() + 6, 7);
    int measured = 0;
    for (const json& t : s["tests"]) {
      if (t.value("skipped", false) || !t.contains("number")) continue;
      ++measured;
      auto it = seen.points.find({key, t["key"].get<std::string>()});
      ASSERT_NE(it, seen.points.end()) << key << " / " << t["key"];
      const quaac::DataPoint& dp = it->second[0];
      EXPECT_EQ(std::get<double>(dp.measurement_value), t["number"].get<double>());
      EXPECT_EQ(dp.measurement_unit, t.value("unit", ""));
      const std::string when = quaac::FormatPerformDatetime(dp.performed, dp.utc_offset_minutes);
      EXPECT_TRUE(when.ends_with("T07:00:00+01:00") || when.ends_with("T07:00:00+02:00")) << when;
      EXPECT_EQ(when.substr(0, 7), date);
    }
    EXPECT_GT(measured, 0) << key;
  }
  // status shows both sinks with everything delivered.
  testing::Run status = testing::RunQcflow(QCFLOW_BIN, "status --store " + dir_.Sub("store") + " --format json");
  ASSERT_EQ(status.exit_code, 0) << status.out;
  const json st = json::parse(status.out.substr(status.out.find('{')));
  std::map<std::string, json> sinks;
  for (const json& s : st["sinks"]) sinks[s["sink"].get<std::string>()] = s;
  ASSERT_EQ(sinks.count("archive"), 1u) << st.dump(1);
  ASSERT_EQ(sinks.count("quip"), 1u) << st.dump(1);
  for (const char* name : {"archive", "quip"}) {
    EXPECT_EQ(sinks[name]["delivered"], kRuns) << name << ": " << sinks[name].dump();
    EXPECT_EQ(sinks[name]["pending"], 0) << name;
  }
}

}  // namespace
}  // namespace qcflow
