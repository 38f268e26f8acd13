// Where a DQA3 database lives and how to reach it: Firebird (Sncdata.fdb, schema
// 01.03/01.04), ODBC (SQL Server 01.06, Atlas 1.5) or SQLite (the same schemas
// recreated locally: tests, benchmarks, `qcflow bench dqa3`).
//
// Contract:
// - Sessions are opened through SOCI (ingest/dqa3/*.cc only; SOCI stays out of
//   public headers). Every value from config reaches the database as a connection
//   parameter or a bound statement parameter, never spliced into SQL text.
// - Passwords never appear in a message: Redact() is applied to every error text
//   that could carry them (driver messages echo connection strings).
#ifndef QCFLOW_INGEST_DQA3_CONNECTION_H_
#define QCFLOW_INGEST_DQA3_CONNECTION_H_

#include <string>
#include <string_view>

#include "store/status.h"

namespace qcflow::dqa3 {

enum class Dqa3Backend { kFirebird, kOdbc, kSqlite };

const char* BackendName(Dqa3Backend backend);  // "firebird", "odbc", "sqlite"

struct FirebirdConnection {
  std::string host = "127.0.0.1";
  int port = 3050;
  std::string database;      // server-side path or alias, e.g. C:\SNC\Sncdata.fdb
  std::string user = "SYSDBA";
  std::string password;
  std::string charset = "UTF8";  // UTF8 | WIN1251 (Firebird's names)
  int connect_timeout_seconds = 10;
};

struct OdbcConnection {
  std::string driver = "FreeTDS";  // or "ODBC Driver 17 for SQL Server"
  std::string server;
  int port = 1433;
  std::string database;
  std::string user;
  std::string password;
  std::string tds_version;  // FreeTDS only, e.g. "7.4"; empty = driver default
  int connect_timeout_seconds = 10;
};

struct SqliteConnection {
  std::string path;
};

struct Dqa3Connection {
  Dqa3Backend backend = Dqa3Backend::kFirebird;
  FirebirdConnection firebird;
  OdbcConnection odbc;
  SqliteConnection sqlite;
};

// Checks the fields the chosen backend needs (non-empty host/database/path, port
// 1..65535, charset UTF8|WIN1251, timeout > 0). Messages name the field.
Status ValidateConnection(const Dqa3Connection& c);

// "firebird:<host>:<port>:<path>", "odbc:<server>:<port>:<database>", "sqlite:<path>".
std::string DefaultDatabaseIdentity(const Dqa3Connection& c);

// A human label with no secret, e.g. "firebird 127.0.0.1:3050:/data/Sncdata.fdb".
std::string DescribeConnection(const Dqa3Connection& c);

// The ODBC connection string for SQLDriverConnect, e.g.
// DRIVER={FreeTDS};SERVER=db1;PORT=1433;DATABASE=DQA3;UID=qc;PWD={p;w};TDS_Version=7.4;
// Values holding ; { } = or leading/trailing spaces are wrapped in braces with
// '}' doubled (the ODBC rule). Empty optional fields (tds_version) are omitted.
// "ODBC Driver NN for SQL Server" gets SERVER=host,port (it has no PORT keyword).
std::string BuildOdbcConnectionString(const OdbcConnection& c);

// Returns `text` with every occurrence of `secret` (and of its ODBC-braced form)
// replaced by "***". An empty secret leaves text unchanged.
std::string Redact(std::string_view text, std::string_view secret);

}  // namespace qcflow::dqa3

#endif  // QCFLOW_INGEST_DQA3_CONNECTION_H_
