// qcflow.toml: the one configuration file of `qcflow run`, `validate` and
// `replay`, parsed into the config structs of each component.
//
// Contract: LoadConfig reads and checks the whole file and reports every
// problem it finds, each as "qcflow.toml:LINE: <sentence with what to do>",
// including unknown keys (with the nearest known key suggested) and wrong
// types. Secrets (tokens, passwords) may come from the file, an environment
// variable or a separate file; a file holding one (the config included) must
// not be readable by group or others, and tokens must have their documented
// form (CheckTokenForm). Secrets never appear in messages. Reachability (servers,
// shares) is not checked here: see `qcflow validate`.
#ifndef QCFLOW_CLI_RUNTIME_CONFIG_H_
#define QCFLOW_CLI_RUNTIME_CONFIG_H_

#include <sys/types.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "export/qatrack/qatrack_sink.h"
#include "ingest/dqa3/dqa3_source.h"
#include "ingest/icom/capture.h"
#include "ingest/mpc/tds_scanner.h"
#include "process/dqa3/dqa3_transform.h"
#include "process/mpc/mpc_transform.h"
#include "store/status.h"
#include "store/store.h"

namespace qcflow::config {

struct StoreSection {
  std::string path = "qcflow-store";
  Durability durability = Durability::kSyncEveryWrite;
};

struct LogSection {
  std::string level = "info";   // trace | debug | info | warn | error
  std::string file;             // "" = console only
  size_t max_size_mb = 10;      // rotate at this size
  size_t max_files = 5;         // rotated files kept
};

struct MetricsSection {
  std::string listen;           // "127.0.0.1:9187"; "" = off. Loopback only.
};

struct MpcSource {
  std::string name;
  std::chrono::milliseconds interval{300'000};  // "200ms" is valid (tests)
  // How far before the source's first start `qcflow run` reaches (QCPump's
  // "days of history"); nullopt = "all". Older runs: `qcflow backfill`.
  std::optional<std::chrono::milliseconds> history = std::chrono::hours(24);
  mpc::TdsScanConfig scan;            // root, zone, fast search, settle
  mpc::MpcTransformConfig transform;  // grouping, session options, sinks (from routes)
};

// [[source.icom]]: one Elekta linac's iCom stream (all share one CaptureGroup).
struct IcomSource {
  std::string name;                  // the linac's name: journal source_id
  icom::IcomCaptureConfig capture;   // capture.linac = name; host, port, zone, timeouts, queue
  // How often the daemon turns new messages into deliveries.
  std::chrono::milliseconds deliveries_interval{5000};
};

// [[source.dqa3]]: a Sun Nuclear Daily QA3 database, polled every `interval`.
struct Dqa3Source {
  std::string name;
  std::chrono::milliseconds interval{300'000};
  dqa3::Dqa3SourceConfig source;        // source.name = name; connection, zone, history, filters
  dqa3::Dqa3TransformConfig transform;  // mode, template, units, window; sinks from routes
};

struct QatrackSink {
  std::chrono::milliseconds interval{30'000};  // how often pending uploads are tried
  qatrack::QatrackSinkConfig sink;    // sink.name is the section's name
  // Where the token came from, for messages: "token_file /etc/qcflow/qatrack.token",
  // "the environment variable X (token_env)" or "token in qcflow.toml".
  std::string token_origin;
};

// A component section written with `enabled = false` (QCPump's inactive
// pumps): neither validated nor run, and only `name` of it is read, so a
// half-written section can wait there. Routes naming it are set aside too.
struct DisabledComponent {
  std::string section;           // "source.mpc", "sink.qatrack", ...
  std::string name;              // "" when the section has none
  int line = 0;                  // of the section in the file
};
// "[[source.mpc]] 'TB1' (qcflow.toml:12)", for messages.
std::string Describe(const DisabledComponent& d, const std::string& file);

struct Route {
  std::string from;              // a source name
  std::vector<std::string> to;   // sink names
};

struct Config {
  std::string file;              // where it was read from
  StoreSection store;
  LogSection log;
  MetricsSection metrics;
  std::vector<MpcSource> mpc_sources;
  std::vector<IcomSource> icom_sources;
  std::vector<Dqa3Source> dqa3_sources;
  std::vector<QatrackSink> qatrack_sinks;
  std::vector<Route> routes;
  std::vector<DisabledComponent> disabled;
  // Component name -> its own `log_level` (absent: the [log] level).
  std::map<std::string, std::string> log_levels;
  // Sentences about what the disabled components set aside ("route from 'X'
  // to 'Y' is not used: ..."), for validate and the daemon's start log.
  std::vector<std::string> disabled_notes;
};

// A source whose transform stores sessions, as replay and the sinks see it
// without knowing its kind (cli/config_sessions.cc lists the kinds).
struct SessionSource {
  std::string name;
  std::vector<std::string> source_ids;  // ids its sessions carry (the name; an MPC
                                        // backfill may have used the TDS path)
  std::string zone;                     // its wall clock, for replay --since
  std::vector<std::string> sinks;       // from the routes
  SessionMapping mapping;               // units map and test list template now
};
std::vector<SessionSource> SessionSources(const Config& c);
// Source id -> current mapping, for QatrackSinkConfig::mappings.
std::map<std::string, SessionMapping> SessionMappings(const Config& c);

// Parses `text` (named `file` in messages). Relative paths stay as written.
// `file_mode`: the permissions of the file the text came from; a token or
// password written in it is refused when group or others may read it.
Result<Config> ParseConfig(std::string_view text, const std::string& file, mode_t file_mode = 0600);
// Reads and parses a file (with its mode).
Result<Config> LoadConfig(const std::string& path);

// "5m", "30s", "1h", "250ms", "1d", "1.5m" or a bare number of seconds; at most
// kMaxDuration (so no value overflows). InvalidArgument otherwise.
Result<std::chrono::milliseconds> ParseDuration(std::string_view text);
inline constexpr std::chrono::milliseconds kMaxDuration = std::chrono::hours(24 * 3650);

// The range a duration setting accepts (each key's is in docs/configuration.md).
struct DurationBounds {
  std::chrono::milliseconds min, max;
};

// "250ms", "30s", "5m", "1h", "7d": the largest unit that divides `d` evenly.
std::string FormatDuration(std::chrono::milliseconds d);

// Levenshtein-nearest of `candidates` to `word`, or "" when none is close.
std::string NearestWord(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace qcflow::config

#endif  // QCFLOW_CLI_RUNTIME_CONFIG_H_
