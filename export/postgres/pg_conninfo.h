// What a [[sink.postgres]] connects with: the configured conninfo (libpq
// keywords or a postgresql:// URI, with no secret in it) plus the password
// from password_file / password_env, joined only when connecting.
#ifndef QCFLOW_EXPORT_POSTGRES_PG_CONNINFO_H_
#define QCFLOW_EXPORT_POSTGRES_PG_CONNINFO_H_

#include <string>
#include <string_view>

#include "store/status.h"

namespace qcflow::postgres {

// True for "postgresql://..." and "postgres://..." (libpq's URI form).
bool IsConninfoUri(std::string_view conninfo);

// OK when `conninfo` is non-empty and holds no password (keyword `password`
// or URI user:password@), which belongs in password_file / password_env so
// qcflow.toml never carries it.
Status CheckConninfo(std::string_view conninfo);

// `conninfo` with `password` (when non-empty) and, when it sets none,
// connect_timeout=`timeout_seconds` added in its own form (keyword, or URI
// query parameter, percent-encoded), for libpq. Never log the result.
std::string ConnectString(std::string_view conninfo, std::string_view password, int timeout_seconds);

// `text` with every occurrence of `secret` replaced by "***" (no-op when empty).
std::string RedactSecret(std::string text, std::string_view secret);

// A name PostgreSQL takes unquoted and qcflow may put in DDL: [a-z_][a-z0-9_]*,
// at most 63 bytes.
bool IsPlainIdentifier(std::string_view name);

}  // namespace qcflow::postgres

#endif  // QCFLOW_EXPORT_POSTGRES_PG_CONNINFO_H_
