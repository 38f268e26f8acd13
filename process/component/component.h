// The component contract: what every source and sink of qcflow.toml is to the
// runtime, validate and status, so none of them names a concrete kind.
//
// A kind (MPC source, QATrack+ sink, ...) is a ComponentKind: the TOML section
// it reads ([[source.mpc]]), its reader (its keys, defaults, units and errors
// live in its folder), how its runtime parts are built, and how `qcflow
// status` shows what its parts persisted. Each configured section becomes one
// Component: its common options (name, interval, routes) read once by the
// runtime's config reader, and what the kind read. A kind registers itself
// with one line in its folder's CMakeLists.txt:
//   qcflow_register_component(<library> <namespace>::<KindFunction> [TEST_ONLY])
// and CMake generates the registries (BuiltInComponents) at configure time.
// docs/architecture.md, "How to add a component", walks through an example.
#ifndef QCFLOW_PROCESS_COMPONENT_COMPONENT_H_
#define QCFLOW_PROCESS_COMPONENT_COMPONENT_H_

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "process/component/checklist.h"
#include "process/component/worker.h"
#include "process/component/worker_state.h"
#include "store/status.h"

namespace qcflow::component {

class ConfigTable;  // config_table.h (toml++): only kinds' readers include it

enum class Role { kSource, kSink };

// The options every component has, read once by the runtime (cli/runtime/
// config.cc): `name`, `enabled`, `log_level`, `interval` (when the kind has
// one) and the routes naming it.
struct CommonOptions {
  std::string section;              // "source.mpc"
  std::string name;
  int line = 0;                     // of the section, in the config file
  std::chrono::milliseconds interval{0};  // ComponentKind::interval's default when absent
  std::vector<std::string> sinks;   // sinks its output is routed to (sources)
};

// The range and default of a kind's `interval` key.
struct IntervalKey {
  std::chrono::milliseconds default_value;
  std::chrono::milliseconds min, max;
};

// One cell of a status table: text, a number (right-aligned, a JSON number)
// or an instant (a stored UTC text; `qcflow status` shows it in its --tz zone
// and names the zone in the header; "" reads "never").
struct StatusCell {
  std::string text;
  std::optional<uint64_t> number;
  bool instant = false;
  static StatusCell Text(std::string t) { return {std::move(t), std::nullopt, false}; }
  static StatusCell Number(uint64_t n) { return {"", n, false}; }
  static StatusCell Instant(std::string utc_text) { return {std::move(utc_text), std::nullopt, true}; }
};

struct StatusTable {
  std::string title;  // the sentence printed above it
  std::vector<std::string> columns;
  std::vector<std::vector<StatusCell>> rows;
};

// What a kind adds to `qcflow status`.
struct StatusReport {
  std::vector<StatusTable> tables;  // after the common table of sources
  std::set<std::string> shown;      // sources its tables show (left out of the common one)
  std::vector<std::string> notes;   // sentences printed at the end
  std::vector<std::pair<std::string, uint64_t>> json_fields;  // top-level fields of --format json
};

class Component;

struct ComponentKind {
  std::string section;       // "source.mpc": its sections are [[source.mpc]]
  Role role = Role::kSource;
  std::string one, many;     // "MPC source", "MPC sources": validate's summary
  std::string state_kind;    // the "kind" its parts persist ("mpc"); status groups by it
  std::optional<IntervalKey> interval;  // when it has an `interval` key
  std::vector<std::string> inline_secrets;  // keys holding a secret ("token"): refused in a readable file

  // Reads one enabled section (common options already in `common`).
  // Problems go to `table`; the result is used only when there were none.
  // REQUIRES: calls table.Finish() after reading its keys.
  std::function<std::shared_ptr<Component>(ConfigTable& table, CommonOptions common)> read;
  // Builds one part for all the components of this kind (a capture group),
  // instead of one per component (Component::Build). Optional.
  std::function<Result<std::vector<std::unique_ptr<Part>>>(const std::vector<const Component*>& all,
                                                           PartEnv& env)>
      build_group;
  // Adds its tables and notes to `qcflow status` from the persisted states
  // (all kinds'; it may add states of its own, e.g. a linac only imported).
  // Optional: without it, its parts' states are in the common table.
  std::function<Status(Store& store, std::vector<SourceState>* states, StatusReport* report)> status;
};

// One configured, enabled section. Immutable once the config is read.
class Component {
 public:
  Component(const ComponentKind& kind, CommonOptions common) : kind_(&kind), common_(std::move(common)) {}
  virtual ~Component() = default;
  Component(const Component&) = delete;
  Component& operator=(const Component&) = delete;

  const ComponentKind& kind() const { return *kind_; }
  const CommonOptions& common() const { return common_; }
  const std::string& name() const { return common_.name; }
  Role role() const { return kind_->role; }
  // The sinks its output is routed to.
  const std::vector<std::string>& sinks() const { return common_.sinks; }
  // For the config reader, while it reads the routes.
  virtual void AddSink(const std::string& sink) { common_.sinks.push_back(sink); }

  // Why a [[route]] from it is refused ("" = its output may be routed).
  virtual std::string RouteRefusal() const { return ""; }
  // A sink's: why it refuses a route from `source` ("" = it takes its output).
  virtual std::string RouteRefusalFrom(const Component& /*source*/) const { return ""; }
  // The sessions its transform stores, for replay and the sinks; nullopt = none.
  virtual std::optional<SessionSource> Sessions() const { return std::nullopt; }
  // `qcflow validate`: observations about its configuration (no I/O), then
  // whether what it names can be reached (read-only).
  virtual void CheckConfig(CheckContext&) const {}
  virtual void Check(CheckContext& ctx) const = 0;
  // Its runtime part. Unused when the kind has build_group.
  virtual Result<std::unique_ptr<Part>> Build(PartEnv& env) const;

 private:
  const ComponentKind* kind_;
  CommonOptions common_;
};

// The kinds a build knows, in registration order.
class Registry {
 public:
  explicit Registry(std::vector<const ComponentKind*> kinds) : kinds_(std::move(kinds)) {}
  const std::vector<const ComponentKind*>& kinds() const { return kinds_; }
  // nullptr when none reads `section` ("source.mpc").
  const ComponentKind* Find(std::string_view section) const;
  // The section names of one role, without the prefix: {"mpc", "icom"}.
  std::vector<std::string> Names(Role role) const;

 private:
  std::vector<const ComponentKind*> kinds_;
};

// Generated at configure time from the qcflow_register_component lines:
// the kinds of the product (library qcflow_components) ...
const Registry& BuiltInComponents();
// ... and those plus the TEST_ONLY ones (library qcflow_components_testing).
const Registry& BuiltInAndTestComponents();

// "source.mpc" -> "source", "mpc".
std::pair<std::string, std::string> SplitSection(std::string_view section);

}  // namespace qcflow::component

#endif  // QCFLOW_PROCESS_COMPONENT_COMPONENT_H_
