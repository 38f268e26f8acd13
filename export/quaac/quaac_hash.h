// The per-object `hash` of a QuAAC document, computed as its reference
// implementation does (shared/spec/export-formats.md, "Hash"): md5 hex of
// Python's json.dumps(obj, sort_keys=True) of the object under its underscore
// field names, defaults filled, declared strings trimmed, perform_datetime in
// pydantic's rendering. Writer and reader both hash the object as written, so
// there is one path from JSON to hash.
//
// Internal to export/quaac (its .cc files and tests): the public API
// (quaac_document.h, quaac_reader.h) does not expose nlohmann::json.
#ifndef QCFLOW_EXPORT_QUAAC_QUAAC_HASH_H_
#define QCFLOW_EXPORT_QUAAC_QUAAC_HASH_H_

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "store/status.h"

namespace qcflow::quaac {

// Python's repr(float): shortest round-trip digits, "1.0", "100.0", "1e+22",
// "1e-05", "-0.0", and json.dumps's "NaN" / "Infinity" / "-Infinity".
std::string PythonFloatRepr(double v);

// json.dumps(v, sort_keys=True): separators ", " and ": ", non-ASCII escaped
// as \uXXXX (surrogate pairs above U+FFFF), integers as integers, floats as
// PythonFloatRepr. Keys sort by code point (nlohmann sorts UTF-8 bytes, the
// same order). Invalid UTF-8 is rendered as U+FFFD, as the writer's dump does.
std::string PythonJsonDumps(const nlohmann::json& v);

// Lower-case hex md5 of `bytes` (OpenSSL EVP).
std::string Md5Hex(std::string_view bytes);

// pydantic's JSON rendering of a datetime parsed from ISO 8601 `text`:
// YYYY-MM-DDTHH:MM:SS[.ffffff] (fraction only when non-zero), then "Z" for a
// zero offset, "±HH:MM" otherwise, nothing for a naive time. Accepts a "T" or
// " " separator, 1-6 fraction digits, "Z", "±HH:MM" or "±HHMM".
Result<std::string> RenderPythonDatetime(std::string_view text);

enum class ObjectKind { kDataPoint, kEquipment, kUser, kAttachment };

// The object the reference hashes, from one object as written (aliases such as
// "serial number" or underscore names; a "hash" key is dropped; extra keys are
// kept as written). InvalidArgument names a missing required field or a
// declared field of the wrong type. REQUIRES: `written` is a JSON object.
Result<nlohmann::json> CanonicalObject(ObjectKind kind, const nlohmann::json& written);

// Md5Hex(PythonJsonDumps(CanonicalObject(kind, written))).
Result<std::string> ObjectHash(ObjectKind kind, const nlohmann::json& written);

// "(<name>) <hash>": how a datapoint names a listed object.
std::string ReferenceTo(std::string_view name, std::string_view hash);

// The hash a reference names: the text after its last ')', trimmed.
std::string_view ReferencedHash(std::string_view reference);

}  // namespace qcflow::quaac

#endif  // QCFLOW_EXPORT_QUAAC_QUAAC_HASH_H_
