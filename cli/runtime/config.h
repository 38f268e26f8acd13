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

#include "process/component/component.h"
#include "process/component/duration.h"
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

// The web console and read API (cli/console/), served by `qcflow run`.
struct ConsoleSection {
  std::string listen;            // "127.0.0.1:8080"; "" = off. Loopback only.
  std::string token_file;        // "" = read-only console (no retry)
  std::string token;             // its content; never logged or served
  bool show_patient_names = false;
};

// How people are shown times (cli/runtime/display_zone.h).
struct DisplaySection {
  std::string zone;              // IANA name as written; "" = not written
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
  ConsoleSection console;
  DisplaySection display;
  // The `zone` of the first enabled source section (in file order) that
  // writes a valid one: the site's clock when [display] names none.
  std::string first_source_zone;
  // The kinds it was read with (component/component.h).
  const component::Registry* registry = nullptr;
  // Every enabled [[source.*]] and [[sink.*]], sources first, each kind in
  // registry order, sections in file order. Immutable once read.
  std::vector<std::shared_ptr<const component::Component>> components;
  std::vector<Route> routes;
  std::vector<DisabledComponent> disabled;
  // Component name -> its own `log_level` (absent: the [log] level).
  std::map<std::string, std::string> log_levels;
  // Sentences about what the disabled components set aside ("route from 'X'
  // to 'Y' is not used: ..."), for validate and the daemon's start log.
  std::vector<std::string> disabled_notes;

  // The components of one concrete class (commands and tests that know it).
  template <typename T>
  std::vector<const T*> Of() const {
    std::vector<const T*> out;
    for (const auto& c : components) {
      if (auto* t = dynamic_cast<const T*>(c.get())) out.push_back(t);
    }
    return out;
  }
  std::vector<const component::Component*> Sources() const;
  std::vector<const component::Component*> Sinks() const;
  // The source or sink named `name`; nullptr when none is.
  const component::Component* Find(const std::string& name) const;
};

using component::SessionSource;
// Every source whose transform stores sessions, with its routes.
std::vector<SessionSource> SessionSources(const Config& c);
// Source id -> current mapping, for a sink's queued items.
std::map<std::string, SessionMapping> SessionMappings(const Config& c);

// Parses `text` (named `file` in messages). Relative paths stay as written.
// `file_mode`: the permissions of the file the text came from; a token or
// password written in it is refused when group or others may read it.
// `registry`: the component kinds it may hold (default: the product's).
Result<Config> ParseConfig(std::string_view text, const std::string& file, mode_t file_mode = 0600,
                           const component::Registry& registry = component::BuiltInComponents());
// Reads and parses a file (with its mode).
Result<Config> LoadConfig(const std::string& path,
                          const component::Registry& registry = component::BuiltInComponents());

// Duration parsing and printing, shared with the components (duration.h).
using component::DurationBounds;
using component::FormatDuration;
using component::kMaxDuration;
using component::NearestWord;
using component::ParseDuration;

}  // namespace qcflow::config

#endif  // QCFLOW_CLI_RUNTIME_CONFIG_H_
