#include "cli/runtime/config.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <map>
#include <optional>
#include <utility>
#include <vector>

#include "export/qatrack/qatrack_component.h"
#include "ingest/dqa3/dqa3_component.h"
#include "ingest/icom/icom_component.h"
#include "ingest/mpc/mpc_component.h"
#include "tests/testing/temp_dir.h"

namespace qcflow::config {
namespace {

// Copies of what each kind read, in file order (the test knows the kinds).
std::vector<mpc::MpcSourceConfig> MpcSources(const Config& c) {
  std::vector<mpc::MpcSourceConfig> out;
  for (const auto* m : c.Of<mpc::MpcComponent>()) out.push_back(m->config());
  return out;
}
std::vector<icom::IcomSourceSettings> IcomSources(const Config& c) {
  std::vector<icom::IcomSourceSettings> out;
  for (const auto* m : c.Of<icom::IcomComponent>()) out.push_back(m->settings());
  return out;
}
std::vector<dqa3::Dqa3SourceSettings> Dqa3Sources(const Config& c) {
  std::vector<dqa3::Dqa3SourceSettings> out;
  for (const auto* m : c.Of<dqa3::Dqa3Component>()) out.push_back(m->settings());
  return out;
}
std::vector<qatrack::QatrackSinkSettings> QatrackSinks(const Config& c) {
  std::vector<qatrack::QatrackSinkSettings> out;
  for (const auto* m : c.Of<qatrack::QatrackComponent>()) out.push_back(m->settings());
  return out;
}

const char* kGood = R"(
[store]
path = "/tmp/s"
durability = "group-commit"

[[source.mpc]]
name = "tds"
tds = "/mnt/TDS"
zone = "Europe/Berlin"
interval = "2m"
window = "15m"
late = "amend"

[[sink.qatrack]]
name = "qa"
url = "http://127.0.0.1:8000/api"
token = "0123456789abcdef0123456789abcdef01234567"
server_zone = "America/Toronto"
throttle = "500ms"

[[route]]
from = "tds"
to = ["qa"]
)";

std::string Problems(const std::string& text) {
  auto c = ParseConfig(text, "qcflow.toml");
  EXPECT_FALSE(c.ok()) << "expected problems in:\n" << text;
  return c.ok() ? "" : c.status().message();
}

TEST(Config, ParsesEveryComponentAndWiresRoutes) {
  auto c = ParseConfig(kGood, "qcflow.toml");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->store.path, "/tmp/s");
  EXPECT_EQ(c->store.durability, Durability::kGroupCommit);
  ASSERT_EQ(MpcSources(*c).size(), 1u);
  const mpc::MpcSourceConfig s = MpcSources(*c)[0];
  EXPECT_EQ(s.interval, std::chrono::seconds(120));
  EXPECT_EQ(s.scan.root, "/mnt/TDS");
  EXPECT_EQ(s.scan.source_id, "tds");
  EXPECT_EQ(s.scan.site_zone, "Europe/Berlin");
  EXPECT_EQ(s.transform.session.site_zone, "Europe/Berlin");
  EXPECT_EQ(s.transform.grouping.window_micros, 15 * kMicrosPerMinute);
  EXPECT_EQ(s.transform.grouping.late_policy, mpc::LatePolicy::kAmend);
  EXPECT_EQ(s.transform.sinks, std::vector<std::string>{"qa"});
  ASSERT_EQ(QatrackSinks(*c).size(), 1u);
  EXPECT_EQ(QatrackSinks(*c)[0].sink.name, "qa");
  EXPECT_EQ(QatrackSinks(*c)[0].sink.throttle_interval, std::chrono::milliseconds(500));
  EXPECT_EQ(QatrackSinks(*c)[0].sink.server_zone, "America/Toronto");
}

TEST(Config, UnknownKeyHasLineAndSuggestion) {
  std::string text = kGood;
  text.replace(text.find("interval = \"2m\""), 15, "intervall = \"2m\"");
  std::string p = Problems(text);
  EXPECT_NE(p.find("qcflow.toml:10: unknown key 'intervall'"), std::string::npos) << p;
  EXPECT_NE(p.find("did you mean 'interval'?"), std::string::npos) << p;
}

TEST(Config, WrongTypesAndMissingKeysAreAllReported) {
  std::string p = Problems(R"(
[[source.mpc]]
name = "tds"
fast_search = "yes"
window = "soon"

[log]
level = "loud"
)");
  EXPECT_NE(p.find("'tds' is required"), std::string::npos) << p;
  EXPECT_NE(p.find("qcflow.toml:4: [[source.mpc]].fast_search must be true or false"), std::string::npos) << p;
  EXPECT_NE(p.find("qcflow.toml:5: [[source.mpc]].window must be a duration"), std::string::npos) << p;
  EXPECT_NE(p.find("[log].level must be one of"), std::string::npos) << p;
  EXPECT_NE(p.find("4 problems"), std::string::npos) << p;
}

TEST(Config, SyntaxErrorNamesTheLine) {
  std::string p = Problems("[store]\npath = \"unterminated\n");
  EXPECT_NE(p.find("qcflow.toml:2:"), std::string::npos) << p;
}

TEST(Config, RoutesMustNameExistingSourcesAndSinks) {
  std::string text = kGood;
  text.replace(text.find("to = [\"qa\"]"), 11, "to = [\"qatrak\"]");
  EXPECT_NE(Problems(text).find("route to 'qatrak': no sink has that name"), std::string::npos);
  std::string dup = std::string(kGood) + "\n[[sink.qatrack]]\nname = \"tds\"\nurl = \"http://127.0.0.1/api\"\n"
                    "token = \"ffffffffffffffffffffffffffffffffffffffff\"\nserver_zone = \"UTC\"\n";
  EXPECT_NE(Problems(dup).find("'tds' is used twice"), std::string::npos);
}

// QCPump's inactive pumps: a disabled section is set aside unread (so it may be
// half written), its name stays taken, and routes naming it are noted, not wired.
TEST(Config, DisabledComponentsAreSetAsideWithTheirRoutes) {
  std::string text = std::string(kGood) + R"(
[[source.dqa3]]
name = "dqa3-old"
enabled = false
backend = "firebird"   # no database yet: not read while disabled

[[sink.qatrack]]
name = "qa-test"
enabled = false

[[route]]
from = "dqa3-old"
to = ["qa"]

[[route]]
from = "tds"
to = ["qa-test"]
)";
  auto c = ParseConfig(text, "qcflow.toml");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_TRUE(Dqa3Sources(*c).empty());
  EXPECT_EQ(QatrackSinks(*c).size(), 1u);
  ASSERT_EQ(c->disabled.size(), 2u);
  EXPECT_EQ(Describe(c->disabled[0], c->file), "[[source.dqa3]] 'dqa3-old' (qcflow.toml:25)");
  EXPECT_EQ(c->disabled[1].section, "sink.qatrack");
  EXPECT_EQ(c->disabled[1].name, "qa-test");
  EXPECT_EQ(MpcSources(*c)[0].transform.sinks, std::vector<std::string>{"qa"});
  ASSERT_EQ(c->disabled_notes.size(), 2u);
  EXPECT_NE(c->disabled_notes[0].find("route from 'dqa3-old' is not used"), std::string::npos);
  EXPECT_NE(c->disabled_notes[1].find("to 'qa-test' is not used"), std::string::npos);
  EXPECT_TRUE(SessionSources(*c).size() == 1u && SessionSources(*c)[0].name == "tds");

  // enabled = true is an ordinary section: read in full, lines kept in errors.
  std::string on = kGood;
  on.replace(on.find("name = \"tds\""), 12, "name = \"tds\"\nenabled = true\nwindw = \"5m\"");
  EXPECT_NE(Problems(on).find("qcflow.toml:9: unknown key 'windw'"), std::string::npos)
      << Problems(on);
  auto ok = ParseConfig(std::string(kGood).replace(std::string(kGood).find("name = \"tds\""), 12,
                                                   "name = \"tds\"\nenabled = true"),
                        "qcflow.toml");
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(MpcSources(*ok).size(), 1u);
  EXPECT_TRUE(ok->disabled.empty());

  std::string bad = kGood;
  bad.replace(bad.find("name = \"qa\""), 11, "name = \"qa\"\nenabled = \"no\"");
  EXPECT_NE(Problems(bad).find("[[sink.qatrack]].enabled must be true or false"), std::string::npos);
  std::string dup = std::string(kGood) + "\n[[source.icom]]\nname = \"qa\"\nenabled = false\n";
  EXPECT_NE(Problems(dup).find("'qa' is used twice"), std::string::npos);
}

TEST(Config, EachComponentMayHaveItsOwnLogLevel) {
  std::string text = kGood;
  text.replace(text.find("name = \"tds\""), 12, "name = \"tds\"\nlog_level = \"debug\"");
  text.replace(text.find("name = \"qa\""), 11, "name = \"qa\"\nlog_level = \"warn\"");
  auto c = ParseConfig(text, "qcflow.toml");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->log_levels, (std::map<std::string, std::string>{{"qa", "warn"}, {"tds", "debug"}}));
  std::string bad = kGood;
  bad.replace(bad.find("name = \"tds\""), 12, "name = \"tds\"\nlog_level = \"verbose\"");
  EXPECT_NE(Problems(bad).find("qcflow.toml:8: [[source.mpc]].log_level must be one of trace, debug, info, "
                               "warn, error"),
            std::string::npos)
      << Problems(bad);
}

TEST(Config, MpcHistoryDefaultsToADayAndMayBeAll) {
  auto c = ParseConfig(kGood, "qcflow.toml");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(MpcSources(*c)[0].history, std::chrono::hours(24));  // QCPump's default
  EXPECT_FALSE(MpcSources(*c)[0].scan.since) << "backfill from this section reaches back fully";
  for (const auto& [text, want] : std::vector<std::pair<std::string, std::optional<std::chrono::milliseconds>>>{
           {"\"30d\"", std::chrono::hours(24 * 30)}, {"\"all\"", std::nullopt}, {"0", std::chrono::milliseconds(0)}}) {
    std::string t = kGood;
    t.replace(t.find("name = \"tds\""), 12, "name = \"tds\"\nhistory = " + text);
    auto h = ParseConfig(t, "qcflow.toml");
    ASSERT_TRUE(h.ok()) << text << ": " << h.status().ToString();
    EXPECT_EQ(MpcSources(*h)[0].history, want) << text;
  }
  std::string bad = kGood;
  bad.replace(bad.find("name = \"tds\""), 12, "name = \"tds\"\nhistory = \"forever\"");
  EXPECT_NE(Problems(bad).find("qcflow.toml:8: [[source.mpc]].history must be a duration"), std::string::npos)
      << Problems(bad);
  EXPECT_NE(Problems(bad).find("or \"all\" to reach every run on the share (it is \"forever\")"),
            std::string::npos)
      << Problems(bad);
  std::string too_long = kGood;
  too_long.replace(too_long.find("name = \"tds\""), 12, "name = \"tds\"\nhistory = \"5000d\"");
  EXPECT_NE(Problems(too_long).find("[[source.mpc]].history must be a duration such as \"30s\""),
            std::string::npos)
      << Problems(too_long);
}

TEST(Config, ZonesTemplatesAndMetricsAddressAreChecked) {
  std::string text = kGood;
  text.replace(text.find("Europe/Berlin"), 13, "Europe/Berln");
  EXPECT_NE(Problems(text).find("unknown time zone 'Europe/Berln'"), std::string::npos);
  std::string tmpl = std::string(kGood);
  tmpl.replace(tmpl.find("late = \"amend\""), 14, "test_list = \"MPC: {{ chek_type }}\"");
  EXPECT_NE(Problems(tmpl).find("chek_type"), std::string::npos);
  std::string metrics = std::string(kGood) + "\n[metrics]\nlisten = \"0.0.0.0:9187\"\n";
  EXPECT_NE(Problems(metrics).find("loopback"), std::string::npos);
}

TEST(Config, TokenComesFromExactlyOnePlaceAndFilesMustBePrivate) {
  std::string base = kGood;
  size_t at = base.find("token = ");
  std::string no_token = base;
  no_token.erase(at, base.find('\n', at) - at);
  EXPECT_NE(Problems(no_token).find("exactly one of token, token_env or token_file"), std::string::npos);

  std::string env = base;
  env.replace(at, base.find('\n', at) - at, "token_env = \"QCFLOW_TEST_TOKEN\"");
  unsetenv("QCFLOW_TEST_TOKEN");
  EXPECT_NE(Problems(env).find("QCFLOW_TEST_TOKEN is not set"), std::string::npos);
  const std::string env_token = "e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0";
  setenv("QCFLOW_TEST_TOKEN", (" " + env_token + " \n").c_str(), 1);
  auto ok = ParseConfig(env, "qcflow.toml");
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(QatrackSinks(*ok)[0].sink.token, env_token);

  testing::TempDir dir;
  const std::string file_token = "f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1";
  testing::WriteFile(dir.Sub("token"), file_token + "\n");
  std::string file = base;
  file.replace(at, base.find('\n', at) - at, "token_file = \"" + dir.Sub("token") + "\"");
  chmod(dir.Sub("token").c_str(), 0644);
  std::string p = Problems(file);
  EXPECT_NE(p.find("chmod 600"), std::string::npos) << p;
  EXPECT_EQ(p.find(file_token), std::string::npos) << "a secret must never appear in messages";
  chmod(dir.Sub("token").c_str(), 0600);
  auto good = ParseConfig(file, "qcflow.toml");
  ASSERT_TRUE(good.ok()) << good.status().ToString();
  EXPECT_EQ(QatrackSinks(*good)[0].sink.token, file_token);
}

TEST(Config, ExampleFileParsesOnceItsTokenFileExists) {
  setenv("QCFLOW_DQA3_PASSWORD", "x", 1);  // the example's [[source.dqa3]] password_env
  auto c = LoadConfig(QCFLOW_EXAMPLE_CONFIG);
  ASSERT_FALSE(c.ok());  // /etc/qcflow/qatrack.token does not exist here
  EXPECT_NE(c.status().message().find("token_file /etc/qcflow/qatrack.token does not exist"), std::string::npos)
      << c.status().message();
  EXPECT_NE(c.status().message().find("1 problem"), std::string::npos) << c.status().message();
}

const char* kIcom = R"(
[[source.icom]]
name = "LA1"
host = "10.20.30.40"
zone = "Europe/Berlin"
read_timeout = "20s"
backoff_max = "1m"
queue_mb = 16

[[source.icom]]
name = "LA2"
host = "nss-la2.hospital.local"
port = 11706
)";

TEST(Config, IcomSourcesWithDefaults) {
  auto c = ParseConfig(kIcom, "qcflow.toml");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  ASSERT_EQ(IcomSources(*c).size(), 2u);
  const icom::IcomCaptureConfig a = IcomSources(*c)[0].capture;
  EXPECT_EQ(a.linac, "LA1");  // the section name is the journal's source id
  EXPECT_EQ(a.host, "10.20.30.40");  // real linacs are not on loopback
  EXPECT_EQ(a.port, 1706);
  EXPECT_EQ(a.zone, "Europe/Berlin");
  EXPECT_EQ(a.read_timeout, std::chrono::seconds(20));
  EXPECT_EQ(a.backoff_max, std::chrono::minutes(1));
  EXPECT_EQ(a.queue_bytes, size_t(16) << 20);
  const icom::IcomCaptureConfig b = IcomSources(*c)[1].capture;
  EXPECT_EQ(b.port, 11706);
  EXPECT_EQ(b.zone, "UTC");
}

TEST(Config, IcomGarbageLimits) {
  auto c = ParseConfig(std::string(kIcom) + "\n[[source.icom]]\nname = \"LA3\"\nhost = \"h\"\n"
                                            "garbage_mb = 8\ngarbage_timeout = \"2m\"\n",
                       "qcflow.toml");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(IcomSources(*c)[0].capture.garbage_bytes, size_t(64) << 20);  // defaults
  EXPECT_EQ(IcomSources(*c)[0].capture.garbage_time, std::chrono::seconds(60));
  EXPECT_EQ(IcomSources(*c)[2].capture.garbage_bytes, size_t(8) << 20);
  EXPECT_EQ(IcomSources(*c)[2].capture.garbage_time, std::chrono::minutes(2));
  std::string p = Problems(std::string(kIcom) + "\n[[source.icom]]\nname = \"LA3\"\nhost = \"h\"\n"
                                                "garbage_timeout = \"100ms\"\n");
  EXPECT_NE(p.find("[[source.icom]].garbage_timeout must be from 1s to 1d (it is 100ms)"), std::string::npos) << p;
}

TEST(Config, IcomProblemsAreReportedWithLines) {
  std::string text = std::string(kIcom) + R"(
[[source.icom]]
name = "LA3"
hots = "10.0.0.3"
port = 70000
zone = "Europe/Berln"
read_timeout = "200ms"
backoff_min = "10s"
backoff_max = "1s"
)";
  std::string p = Problems(text);
  EXPECT_NE(p.find("'host' is required"), std::string::npos) << p;
  EXPECT_NE(p.find("qcflow.toml:17: unknown key 'hots' in [[source.icom]]; did you mean 'host'?"),
            std::string::npos) << p;
  EXPECT_NE(p.find("qcflow.toml:18: [[source.icom]].port must be a whole number from 1 to 65535"),
            std::string::npos) << p;
  EXPECT_NE(p.find("qcflow.toml:19: unknown time zone 'Europe/Berln'"), std::string::npos) << p;
  EXPECT_NE(p.find("qcflow.toml:20: [[source.icom]].read_timeout must be from 1s to 1h (it is 200ms)"),
            std::string::npos) << p;
  EXPECT_NE(p.find("qcflow.toml:22: [[source.icom]].backoff_max must not be shorter"), std::string::npos) << p;
}

TEST(Config, IcomNamesAreSourcesAndCanBeRouted) {
  std::string twice = std::string(kGood) + kIcom + "\n[[source.icom]]\nname = \"tds\"\nhost = \"h\"\n";
  EXPECT_NE(Problems(twice).find("'tds' is used twice"), std::string::npos);
  std::string routed = std::string(kGood) + kIcom + "\n[[route]]\nfrom = \"LA1\"\nto = [\"qa\"]\n";
  // Closed deliveries go to archives; QATrack+ has no test list for them.
  EXPECT_NE(Problems(routed).find("route from 'LA1' to 'qa': QATrack+ takes sessions for a test list"),
            std::string::npos) << Problems(routed);
  std::string archived = std::string(kGood) + kIcom +
                         "\n[[sink.quaac]]\nname = \"archive\"\ndir = \"/tmp\"\nuser_name = \"QA\"\n"
                         "user_email = \"qa@example.org\"\n[[route]]\nfrom = \"LA1\"\nto = [\"archive\"]\n";
  auto c = ParseConfig(archived, "qcflow.toml");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  std::map<std::string, std::vector<std::string>> sinks;
  for (const auto* i : c->Of<icom::IcomComponent>()) sinks[i->name()] = i->sinks();
  EXPECT_EQ(sinks["LA1"], std::vector<std::string>{"archive"});
  EXPECT_EQ(sinks.size(), 2u);
  EXPECT_TRUE(sinks["LA2"].empty());
}

TEST(Config, Dqa3SourcesPerBackendWithUnitsAndRoutes) {
  testing::TempDir dir;
  testing::WriteFile(dir.Sub("pw"), "masterkey\n");
  chmod(dir.Sub("pw").c_str(), 0600);
  std::string text = std::string(kGood) + R"(
[[source.dqa3]]
name = "dqa3"
backend = "firebird"
host = "10.1.2.3"
database = "C:\\SNC\\Sncdata.fdb"
password_file = ")" + dir.Sub("pw") + R"("
charset = "WIN1251"
zone = "Europe/Berlin"
history_days = 3
mode = "grouped"
beams = "photons"
window = "30m"
units = { "Room 1/TrueBeam" = "TB1", "Linac 2" = 2 }

[[source.dqa3]]
name = "atlas"
backend = "odbc"
server = "sql01"
database = "Atlas"
user = "qc"
password = "pw"
tds_version = "7.4"

[[route]]
from = "dqa3"
to = "qa"
)";
  auto c = ParseConfig(text, "qcflow.toml");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  ASSERT_EQ(Dqa3Sources(*c).size(), 2u);
  const dqa3::Dqa3SourceSettings fb = Dqa3Sources(*c)[0];
  EXPECT_EQ(fb.source.connection.backend, dqa3::Dqa3Backend::kFirebird);
  EXPECT_EQ(fb.source.connection.firebird.password, "masterkey");
  EXPECT_EQ(fb.source.connection.firebird.port, 3050);
  EXPECT_EQ(fb.source.connection.firebird.charset, "WIN1251");
  EXPECT_EQ(fb.source.db_zone, "Europe/Berlin");
  EXPECT_EQ(fb.source.history_days, 3);
  EXPECT_EQ(fb.transform.mode, dqa3::Dqa3Mode::kGrouped);
  EXPECT_EQ(fb.transform.beam_filter, dqa3::BeamFilter::kPhotons);
  EXPECT_EQ(fb.transform.window_micros, 30 * kMicrosPerMinute);
  EXPECT_EQ(fb.transform.unit_map.at("Room 1/TrueBeam"), UnitRef::Named("TB1"));
  EXPECT_EQ(fb.transform.unit_map.at("Linac 2"), UnitRef::Numbered(2)) << "an integer is a unit number";
  EXPECT_EQ(fb.transform.sinks, std::vector<std::string>{"qa"});
  EXPECT_EQ(fb.transform.source_id, "dqa3");
  const dqa3::Dqa3SourceSettings atlas = Dqa3Sources(*c)[1];
  EXPECT_EQ(atlas.source.connection.backend, dqa3::Dqa3Backend::kOdbc);
  EXPECT_EQ(atlas.source.connection.odbc.port, 1433);
  EXPECT_EQ(atlas.source.connection.odbc.tds_version, "7.4");
  EXPECT_TRUE(atlas.transform.sinks.empty());
}

TEST(Config, Dqa3ProblemsNameTheKeyAndKeepThePasswordOut) {
  std::string p = Problems(R"(
[[source.dqa3]]
name = "dqa3"
backend = "firebird"
database = "/data/Sncdata.fdb"
password = "s3cret-pw"
path = "/x.db"
mode = "both"
beams = "gamma"
)");
  EXPECT_NE(p.find("qcflow.toml:7: [[source.dqa3]].path does not apply to backend \"firebird\""),
            std::string::npos) << p;
  EXPECT_NE(p.find("qcflow.toml:8: [[source.dqa3]].mode must be"), std::string::npos) << p;
  EXPECT_NE(p.find("qcflow.toml:9: [[source.dqa3]].beams must be"), std::string::npos) << p;
  EXPECT_EQ(p.find("s3cret-pw"), std::string::npos) << "a password never appears in messages";
  std::string b = Problems("[[source.dqa3]]\nname = \"d\"\nbackend = \"mysql\"\n");
  EXPECT_NE(b.find("qcflow.toml:3: [[source.dqa3]].backend must be \"firebird\""), std::string::npos) << b;
  std::string two = Problems(
      "[[source.dqa3]]\nname = \"d\"\nbackend = \"odbc\"\nserver = \"s\"\ndatabase = \"x\"\n"
      "password = \"a\"\npassword_env = \"B\"\n");
  EXPECT_NE(two.find("needs at most one of password, password_env or password_file"), std::string::npos)
      << two;
}

// The same text fails the same way in validate and run: both call LoadConfig.
TEST(Config, DurationsHaveBoundsAndNeverOverflow) {
  auto with = [](const std::string& interval) {
    std::string text = kGood;
    text.replace(text.find("interval = \"2m\""), 15, "interval = " + interval);
    return Problems(text);
  };
  for (const char* huge : {"\"9223372036854775807\"", "9223372036854775807", "\"99999d\""}) {
    const std::string p = with(huge);
    EXPECT_NE(p.find("qcflow.toml:10: [[source.mpc]].interval must be"), std::string::npos) << huge << p;
    EXPECT_NE(p.find("from 100ms to 7d"), std::string::npos) << huge << p;
  }
  EXPECT_NE(with("\"50ms\"").find("[[source.mpc]].interval must be from 100ms to 7d (it is 50ms)"),
            std::string::npos) << with("\"50ms\"");
  EXPECT_NE(with("\"8d\"").find("(it is 8d)"), std::string::npos);
  EXPECT_NE(with("\"1.2.3s\"").find("must be a duration"), std::string::npos);
  EXPECT_NE(with("-5").find("must be a duration"), std::string::npos);
  // Floats: a whole one is its number; the rest are refused, never cast
  // (45e52 was undefined behaviour inside toml++, found by fuzz.config).
  std::string whole = kGood;
  whole.replace(whole.find("interval = \"2m\""), 15, "interval = 120.0");
  auto c = ParseConfig(whole, "qcflow.toml");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(MpcSources(*c)[0].interval, std::chrono::seconds(120));
  for (const char* odd : {"45e52", "-45e52", "1.5", "nan", "inf", "9.3e18"}) {
    EXPECT_NE(with(odd).find("qcflow.toml:10: [[source.mpc]].interval must be a duration"),
              std::string::npos) << odd << with(odd);
  }
  std::string sink = kGood;
  sink.replace(sink.find("throttle = \"500ms\""), 18, "timeout = \"0s\"");
  EXPECT_NE(Problems(sink).find("[[sink.qatrack]].timeout must be from 1s to 1h (it is 0s)"),
            std::string::npos) << Problems(sink);
  EXPECT_FALSE(ParseDuration("9223372036854775807").ok());
  EXPECT_EQ(FormatDuration(std::chrono::milliseconds(1500)), "1500ms");
  EXPECT_EQ(FormatDuration(std::chrono::hours(48)), "2d");
}

TEST(Config, MetricsListenIsParsedAsRunBindsIt) {
  for (const char* bad : {"127.0.0.1:19309x", "127.0.0.1.nip.io:19309", "127.0.0.1:0"}) {
    std::string p = Problems(std::string(kGood) + "\n[metrics]\nlisten = \"" + bad + "\"\n");
    EXPECT_NE(p.find("qcflow.toml:26: [metrics].listen '" + std::string(bad) + "' must be a loopback"),
              std::string::npos) << p;
  }
  auto ok = ParseConfig(std::string(kGood) + "\n[metrics]\nlisten = \"[::1]:9187\"\n", "qcflow.toml");
  EXPECT_TRUE(ok.ok()) << ok.status().ToString();
}

// A token that is not of the documented form (a CR/LF would inject a header)
// is refused, naming where it came from and never showing it.
TEST(Config, TokensMustHaveTheirDocumentedForm) {
  std::string env = kGood;
  const size_t at = env.find("token = ");
  env.replace(at, env.find('\n', at) - at, "token_env = \"QCFLOW_TEST_TOKEN\"");
  setenv("QCFLOW_TEST_TOKEN", "0123456789abcdef0123456789abcdef01234567\r\nX-Evil: 1", 1);
  std::string p = Problems(env);
  EXPECT_NE(p.find("the token from the environment variable QCFLOW_TEST_TOKEN (token_env) contains a "
                   "line break"), std::string::npos) << p;
  EXPECT_EQ(p.find("X-Evil"), std::string::npos) << p;

  testing::TempDir dir;
  testing::WriteFile(dir.Sub("token"), "0123456789abcdef0123456789abcdef01234567\nX-Evil: 1\n");
  chmod(dir.Sub("token").c_str(), 0600);
  std::string file = kGood;
  file.replace(at, file.find('\n', at) - at, "token_file = \"" + dir.Sub("token") + "\"");
  p = Problems(file);
  EXPECT_NE(p.find("the token from token_file " + dir.Sub("token") + " contains a line break"),
            std::string::npos) << p;
  EXPECT_EQ(p.find("X-Evil"), std::string::npos) << p;

  std::string inline_short = kGood;
  inline_short.replace(at, inline_short.find('\n', at) - at, "token = \"abc123\"");
  p = Problems(inline_short);
  EXPECT_NE(p.find("the token from token in qcflow.toml is not a QATrack+ API token: it must be 40 "
                   "hexadecimal characters (it has 6 characters)"), std::string::npos) << p;
  EXPECT_EQ(p.find("abc123"), std::string::npos) << p;

  std::string rad = inline_short;  // RadMachine: printable, no whitespace
  rad.replace(rad.find("http://127.0.0.1:8000/api"), 25, "https://x.radformation.com/api");
  EXPECT_TRUE(ParseConfig(rad, "qcflow.toml").ok());
  rad.replace(rad.find("abc123"), 6, "abc 123");
  EXPECT_NE(Problems(rad).find("printable ASCII without spaces"), std::string::npos) << Problems(rad);
}

TEST(Config, TokenFileThatIsADirectoryOrEmptySaysSo) {
  testing::TempDir dir;
  std::string text = kGood;
  const size_t at = text.find("token = ");
  text.replace(at, text.find('\n', at) - at, "token_file = \"" + dir.Sub("t") + "\"");
  mkdir(dir.Sub("t").c_str(), 0755);
  std::string p = Problems(text);
  EXPECT_NE(p.find("token_file " + dir.Sub("t") + " is a directory"), std::string::npos) << p;
  EXPECT_EQ(p.find("readable by others"), std::string::npos) << p;
  rmdir(dir.Sub("t").c_str());
  testing::WriteFile(dir.Sub("t"), " \n");
  chmod(dir.Sub("t").c_str(), 0600);
  p = Problems(text);
  EXPECT_NE(p.find("token_file " + dir.Sub("t") + " is empty"), std::string::npos) << p;
  EXPECT_EQ(p.find("no API token configured"), std::string::npos) << p;
}

// The rule for token_file (refused when others can read it) holds for a token
// or password written in the config file itself.
TEST(Config, InlineSecretsNeedAPrivateConfigFile) {
  testing::TempDir dir;
  const std::string path = dir.Sub("qcflow.toml");
  testing::WriteFile(path, std::string(kGood) +
                               "\n[[source.dqa3]]\nname = \"d\"\nbackend = \"odbc\"\nserver = \"s\"\n"
                               "database = \"x\"\npassword = \"s3cret-pw\"\n");
  chmod(path.c_str(), 0644);
  auto c = LoadConfig(path);
  ASSERT_FALSE(c.ok());
  const std::string p = c.status().message();
  EXPECT_NE(p.find(path + ":17: [[sink.qatrack]] 'qa': the token is written in " + path +
                   ", which is readable by others (mode 644); run: chmod 600 " + path),
            std::string::npos) << p;
  EXPECT_NE(p.find(":30: [[source.dqa3]] 'd': the password is written in"), std::string::npos) << p;
  EXPECT_EQ(p.find("s3cret-pw"), std::string::npos) << p;
  chmod(path.c_str(), 0640);
  EXPECT_FALSE(LoadConfig(path).ok()) << "group-readable is refused too, as for token_file";
  chmod(path.c_str(), 0600);
  auto ok = LoadConfig(path);
  EXPECT_TRUE(ok.ok()) << ok.status().ToString();
}

TEST(Config, DurationsAndNearestWord) {
  EXPECT_EQ(*ParseDuration("250ms"), std::chrono::milliseconds(250));
  EXPECT_EQ(*ParseDuration("1.5m"), std::chrono::milliseconds(90'000));
  EXPECT_EQ(*ParseDuration("2h"), std::chrono::hours(2));
  EXPECT_EQ(*ParseDuration("45"), std::chrono::seconds(45));
  EXPECT_FALSE(ParseDuration("5 fortnights").ok());
  EXPECT_EQ(NearestWord("tokn", {"token", "url", "name"}), "token");
  EXPECT_EQ(NearestWord("zzzzzz", {"token", "url"}), "");
}

}  // namespace
}  // namespace qcflow::config
