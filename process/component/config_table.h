// ConfigTable: how a component reads its own TOML table of qcflow.toml. Each
// getter records the key as known, checks its type and range, and records a
// problem as "FILE:LINE: <sentence with what to do>"; Finish() reports unknown
// keys with the nearest known one. toml++ is in this header: include it only
// from a component's config reader (.cc), never from a public header.
#ifndef QCFLOW_PROCESS_COMPONENT_CONFIG_TABLE_H_
#define QCFLOW_PROCESS_COMPONENT_CONFIG_TABLE_H_

#include <toml++/toml.h>

#include <algorithm>
#include <chrono>
#include <cctype>
#include <cstdint>
#include <string_view>
#include <optional>
#include <string>
#include <vector>

#include "process/component/duration.h"
#include "store/status.h"

namespace qcflow::component {



using Errors = std::vector<std::string>;

// The node as a whole number: a TOML integer, or a float with no fraction
// that fits in int64 (30.0). Never toml++'s value<int64_t>(), whose
// float-to-integer cast is undefined for floats out of range (45e52).
inline std::optional<int64_t> WholeNumber(const toml::node& n) {
  if (const auto* i = n.as_integer()) return i->get();
  if (const auto* f = n.as_floating_point()) {
    const double d = f->get();
    // 2^63 is exact as a double; every finite double below it converts.
    if (d >= -9223372036854775808.0 && d < 9223372036854775808.0 && d == double(int64_t(d))) {
      return int64_t(d);
    }
  }
  return std::nullopt;
}

// The range of each kind of duration setting (docs/configuration.md lists them
// per key). Sub-second minimums keep tests and demos fast.
namespace bounds {
using std::chrono::milliseconds;
inline constexpr milliseconds kDay = std::chrono::hours(24);
inline constexpr DurationBounds kPollInterval{milliseconds(100), 7 * kDay};  // sources
inline constexpr DurationBounds kSinkInterval{milliseconds(100), kDay};
inline constexpr DurationBounds kSettle{milliseconds(0), kDay};
inline constexpr DurationBounds kHistory{milliseconds(0), 3650 * kDay};  // or "all"
inline constexpr DurationBounds kWindow{milliseconds(0), kDay};     // session grouping
inline constexpr DurationBounds kWait{milliseconds(0), 7 * kDay};   // session grouping
inline constexpr DurationBounds kThrottle{milliseconds(0), std::chrono::minutes(10)};
inline constexpr DurationBounds kRequestTimeout{std::chrono::seconds(1), std::chrono::hours(1)};
inline constexpr DurationBounds kConnectTimeout{milliseconds(100), std::chrono::minutes(10)};
inline constexpr DurationBounds kReadTimeout{std::chrono::seconds(1), std::chrono::hours(1)};
inline constexpr DurationBounds kBackoff{milliseconds(10), std::chrono::hours(1)};
inline constexpr DurationBounds kDeliveriesInterval{milliseconds(100), std::chrono::hours(1)};
inline constexpr DurationBounds kGarbageTimeout{std::chrono::seconds(1), std::chrono::hours(24)};
}  // namespace bounds

std::string Trim(std::string s);

inline const std::vector<std::string>& LogLevels() {
  static const std::vector<std::string> kLevels = {"trace", "debug", "info", "warn", "error"};
  return kLevels;
}

// Reads one TOML table: each getter records the key as known, checks its type
// and records problems with the line they are on. Finish() reports unknown keys.
class ConfigTable {
 public:
  ConfigTable(const toml::table& t, std::string where, const std::string& file, Errors* errors)
      : t_(t), where_(std::move(where)), file_(file), errors_(errors) {
  }

  // Marks `key` known without reading it (the runtime read it already).
  void Known(const std::string& key) { known_.push_back(key); }
  const toml::table& table() const { return t_; }
  const std::string& where() const { return where_; }

  const std::string& file() const { return file_; }

  void Error(const toml::node* n, const std::string& msg) {
    int line = n ? int(n->source().begin.line) : int(t_.source().begin.line);
    errors_->push_back(file_ + ":" + std::to_string(line) + ": " + msg);
  }

  const toml::node* Get(const std::string& key, bool required) {
    known_.push_back(key);
    const toml::node* n = t_.get(key);
    if (!n && required) Error(nullptr, where_ + ": '" + key + "' is required");
    return n;
  }

  void Str(const std::string& key, std::string* out, bool required = false) {
    const toml::node* n = Get(key, required);
    if (!n) return;
    if (auto v = n->value<std::string>()) {
      *out = *v;
    } else {
      Error(n, where_ + "." + key + " must be a string (in quotes)");
    }
  }

  void Bool(const std::string& key, bool* out) {
    const toml::node* n = Get(key, false);
    if (!n) return;
    if (auto v = n->value<bool>()) {
      *out = *v;
    } else {
      Error(n, where_ + "." + key + " must be true or false");
    }
  }

  void Size(const std::string& key, size_t* out, int64_t min, int64_t max) {
    const toml::node* n = Get(key, false);
    if (!n) return;
    std::optional<int64_t> v = WholeNumber(*n);
    if (!v || *v < min || *v > max) {
      Error(n, where_ + "." + key + " must be a whole number from " + std::to_string(min) +
                   " to " + std::to_string(max));
      return;
    }
    *out = size_t(*v);
  }

  // A duration within `bounds`; otherwise an error that gives the range.
  template <typename D>
  void Duration(const std::string& key, D* out, DurationBounds bounds) {
    const toml::node* n = Get(key, false);
    if (!n) return;
    Result<std::chrono::milliseconds> d = Status::InvalidArgument("not a number or text");
    if (std::optional<int64_t> i = WholeNumber(*n)) {
      d = ParseDuration(std::to_string(*i));
    } else if (auto s = n->value<std::string>()) {
      d = ParseDuration(*s);
    }
    const std::string range = FormatDuration(bounds.min) + " to " + FormatDuration(bounds.max);
    if (!d.ok()) {
      Error(n, where_ + "." + key + " must be a duration such as \"30s\", \"5m\", \"1h\" or a "
                   "number of seconds, from " + range + " (" + d.status().message() + ")");
      return;
    }
    if (*d < bounds.min || *d > bounds.max) {
      Error(n, where_ + "." + key + " must be from " + range + " (it is " + FormatDuration(*d) + ")");
      return;
    }
    *out = std::chrono::duration_cast<D>(*d);
  }

  // A history window: a duration within bounds::kHistory, or "all" (nullopt:
  // no window). `all_means` finishes the error's sentence, e.g. "to reach
  // every run on the share".
  void History(const std::string& key, std::optional<std::chrono::milliseconds>* out,
               const std::string& all_means) {
    const toml::node* n = t_.get(key);
    const std::optional<std::string> text = n ? n->value<std::string>() : std::nullopt;
    if (text == "all") {
      Known(key);
      out->reset();
    } else if (text && !text->empty() && !std::isdigit(uint8_t((*text)[0]))) {
      Known(key);  // a word: the general duration message does not know "all"
      Error(n, where_ + "." + key + " must be a duration such as \"24h\" or \"30d\", or \"all\" " +
                   all_means + " (it is \"" + *text + "\")");
    } else {
      std::chrono::milliseconds history = out->value_or(std::chrono::hours(24));
      Duration(key, &history, bounds::kHistory);
      *out = history;
    }
  }

  void StrList(const std::string& key, std::vector<std::string>* out, bool required = false) {
    const toml::node* n = Get(key, required);
    if (!n) return;
    if (auto s = n->value<std::string>()) {  // a single name is fine too
      out->push_back(*s);
      return;
    }
    const toml::array* a = n->as_array();
    if (!a) {
      Error(n, where_ + "." + key + " must be a list of names, e.g. [\"qatrack\"]");
      return;
    }
    for (const toml::node& e : *a) {
      if (auto s = e.value<std::string>()) {
        out->push_back(*s);
      } else {
        Error(&e, where_ + "." + key + " must hold only names in quotes");
      }
    }
  }

  void Finish() {
    for (const auto& [key, node] : t_) {
      std::string k(key.str());
      if (std::find(known_.begin(), known_.end(), k) != known_.end()) continue;
      std::string near = NearestWord(k, known_);
      Error(&node, "unknown key '" + k + "' in " + where_ +
                       (near.empty() ? "" : "; did you mean '" + near + "'?"));
    }
  }

 private:
  const toml::table& t_;
  std::string where_;
  const std::string& file_;
  Errors* errors_;
  std::vector<std::string> known_;
};

// Visits each table of an array-of-tables such as [[source.mpc]].
template <typename F>
void EachTable(ConfigTable& parent, const toml::node* n, const std::string& what, F f) {
  if (!n) return;
  const toml::array* a = n->as_array();
  if (!a || !a->is_array_of_tables()) {
    parent.Error(n, what + " must be written as [[" + what + "]] sections");
    return;
  }
  for (const toml::node& e : *a) f(*e.as_table());
}

// A secret kept in its own file (`key` = "token_file", "password_file"):
// refused when others may read it, when it is not a file, or empty.
Status ReadSecretFile(const std::string& key, const std::string& path, std::string* secret);

// "is readable by others (mode 644); run: chmod 600 FILE" when group or
// others may read a file holding a secret, else "".
std::string ExposedFile(const std::string& path, unsigned mode);

// `<what>`, `<what>_env` or `<what>_file` (what = "token", "password"): at most
// one may be given; `required` demands exactly one. A file must be a regular,
// non-empty file not readable by others. Never puts the secret in a message;
// `origin` (optional) says where it came from ("token_file /x", ...).
void ReadSecret(ConfigTable& r, const toml::table& t, const std::string& what,
                const std::string& section, bool required, std::string* out,
                std::string* origin = nullptr);

}  // namespace qcflow::component

#endif  // QCFLOW_PROCESS_COMPONENT_CONFIG_TABLE_H_
