// A QuAAC document (shared/spec/export-formats.md, "QuAAC"): datapoints and
// the equipment, users and attachments they reference, each listed once, and
// its JSON form with every object's `hash` as the reference implementation
// computes it (export/quaac/quaac_hash.h).
//
// A datapoint names its objects by index into the document's lists; the
// writer renders them as "(<name>) <hash>". No document-level hash is written
// (the spec explains why).
#ifndef QCFLOW_EXPORT_QUAAC_QUAAC_DOCUMENT_H_
#define QCFLOW_EXPORT_QUAAC_QUAAC_DOCUMENT_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "store/status.h"
#include "store/time_util.h"

namespace qcflow::quaac {

inline constexpr std::string_view kVersion = "1.0";

struct Equipment {
  std::string name;
  std::string type;           // "linac", "Daily QA 3", ...
  std::string serial_number;  // "" when the source has none
  std::string manufacturer;   // "" when not known
  std::string model;          // "" when not known
  bool operator==(const Equipment&) const = default;
};

struct User {
  std::string name;
  std::string email;  // REQUIRES: ValidateEmail(email).ok()
  bool operator==(const User&) const = default;
};

struct Attachment {
  std::string name;
  std::string content;  // base64 of gzip(bytes) (or of the bytes when compression is nullopt)
  std::string comment;
  std::string encoding = "base64";
  std::optional<std::string> compression = "gzip";
  std::string type;     // free text: the file's extension, e.g. "csv"
  bool operator==(const Attachment&) const = default;
};

// A measurement value: a number, a text, or none (null).
using Value = std::variant<std::monostate, double, std::string>;

struct DataPoint {
  std::string name;
  MicrosUtc performed = 0;        // the instant ...
  int utc_offset_minutes = 0;     // ... written with this offset (the source zone's then)
  Value measurement_value;
  std::string measurement_unit;
  std::optional<double> reference_value;
  std::string description;
  std::string procedure;
  std::string performer_comment;
  std::map<std::string, std::string> parameters;
  // Indexes into Document::users / equipment / attachments.
  size_t performer = 0;
  size_t primary_equipment = 0;
  std::optional<size_t> reviewer;
  std::vector<size_t> ancillary_equipment;
  std::vector<size_t> attachments;
  bool operator==(const DataPoint&) const = default;
};

struct Document {
  std::vector<DataPoint> datapoints;
  std::vector<Equipment> equipment;
  std::vector<User> users;
  std::vector<Attachment> attachments;

  // The index of an equal object, appended first when not listed: each once.
  size_t AddEquipment(const Equipment& e);
  size_t AddUser(const User& u);
  size_t AddAttachment(const Attachment& a);
  bool operator==(const Document&) const = default;
};

// OK when `email` is an address the reference accepts: one '@', a non-empty
// local part, and a domain with a dot between non-empty labels.
Status ValidateEmail(std::string_view email);

// "YYYY-MM-DDTHH:MM:SS[.ffffff]" + "Z" (offset 0) or "±HH:MM": the rendering the
// reference hashes, so written and hashed text are the same.
std::string FormatPerformDatetime(MicrosUtc t, int utc_offset_minutes);

// The `hash` each object carries in the written document.
std::string HashOf(const Equipment& e);
std::string HashOf(const User& u);
std::string HashOf(const Attachment& a);
// REQUIRES: dp's indexes are within `doc`'s lists.
std::string HashOf(const Document& doc, const DataPoint& dp);

// The document as JSON (pretty-printed with `indent` spaces, or compact when
// indent < 0): version "1.0", datapoints, equipment, users, attachments — all
// keys always present, every object with its hash. InvalidArgument when a
// datapoint's index is out of range or a user's email is invalid.
Result<std::string> WriteQuaacJson(const Document& doc, int indent = 2);

}  // namespace qcflow::quaac

#endif  // QCFLOW_EXPORT_QUAAC_QUAAC_DOCUMENT_H_
