// Derived: read access to records transforms derive from the journal
// (sessions, deliveries, upload payloads). Writes go through WriteSet +
// Store::Commit so they are atomic with the transform's cursor.
//
// Records live in namespaces (one per transform output, e.g. "mpc.session")
// and are keyed deterministically, so re-deriving the same record is a no-op.
#ifndef QCFLOW_STORE_DERIVED_H_
#define QCFLOW_STORE_DERIVED_H_

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "store/status.h"

namespace qcflow {

struct DbCore;

class Derived {
 public:
  explicit Derived(DbCore* core) : core_(core) {}

  // The value under (ns, key), or nullopt.
  Result<std::optional<std::string>> Get(std::string_view ns, std::string_view key);

  // Visits records of `ns` whose key starts with `key_prefix`, in key order.
  // Return false from `visit` to stop.
  using Visitor = std::function<bool(std::string_view key, std::string_view value)>;
  Status Scan(std::string_view ns, std::string_view key_prefix, const Visitor& visit);

  // Visits entries of secondary index `index` with from <= index_key < until
  // (empty `until`: to the end), in index-key order.
  using IndexVisitor =
      std::function<bool(std::string_view index_key, std::string_view ns, std::string_view key)>;
  Status ScanIndex(std::string_view index, std::string_view from, std::string_view until,
                   const IndexVisitor& visit);
  // ScanIndex with each entry's record read: `visit` gets its value. An entry
  // whose record is missing is Corruption (an index is written with its
  // records, in one commit).
  using IndexedVisitor = std::function<bool(std::string_view value)>;
  Status ScanIndexed(std::string_view index, std::string_view from, std::string_view until,
                     const IndexedVisitor& visit);

 private:
  DbCore* core_;
};

}  // namespace qcflow

#endif  // QCFLOW_STORE_DERIVED_H_
