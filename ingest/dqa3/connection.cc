#include "ingest/dqa3/connection.h"

#include <string>

namespace qcflow::dqa3 {
namespace {

Status CheckPort(const std::string& field, int port) {
  if (port < 1 || port > 65535) {
    return Status::InvalidArgument(field + " must be a TCP port between 1 and 65535, not " +
                                   std::to_string(port));
  }
  return Status::OK();
}

Status CheckNonEmpty(const std::string& field, const std::string& value, const char* example) {
  if (value.empty()) {
    return Status::InvalidArgument(field + " is empty; set it, e.g. " + example);
  }
  return Status::OK();
}

// SOCI's Firebird backend reads "key=value" words; a value may be wrapped in double
// quotes to hold spaces, but cannot hold a double quote itself. Firebird's
// parameter block limits each value to 255 bytes.
Status CheckFirebirdWord(const std::string& field, const std::string& value) {
  if (value.find('"') != std::string::npos) {
    return Status::InvalidArgument(field + " must not contain a double quote (\") character; "
                                   "the Firebird client cannot pass it");
  }
  if (value.size() > 255) {
    return Status::InvalidArgument(field + " is longer than Firebird's 255-byte limit");
  }
  return Status::OK();
}

bool NeedsBraces(const std::string& v) {
  if (v.empty()) return false;
  if (v.front() == ' ' || v.back() == ' ') return true;
  return v.find_first_of(";{}=") != std::string::npos;
}

std::string OdbcValue(const std::string& v) {
  if (!NeedsBraces(v)) return v;
  std::string out = "{";
  for (char c : v) {
    out += c;
    if (c == '}') out += '}';  // a closing brace inside braces is doubled
  }
  out += '}';
  return out;
}

bool IsMicrosoftDriver(const std::string& driver) {
  return driver.find("for SQL Server") != std::string::npos;
}

}  // namespace

const char* BackendName(Dqa3Backend backend) {
  switch (backend) {
    case Dqa3Backend::kFirebird: return "firebird";
    case Dqa3Backend::kOdbc: return "odbc";
    case Dqa3Backend::kSqlite: return "sqlite";
  }
  return "unknown";
}

Status ValidateConnection(const Dqa3Connection& c) {
  switch (c.backend) {
    case Dqa3Backend::kFirebird: {
      const FirebirdConnection& f = c.firebird;
      QCFLOW_RETURN_IF_ERROR(CheckNonEmpty("firebird host", f.host, "\"dqa3-pc.clinic.local\""));
      QCFLOW_RETURN_IF_ERROR(CheckPort("firebird port", f.port));
      QCFLOW_RETURN_IF_ERROR(
          CheckNonEmpty("firebird database", f.database, "\"C:\\\\SNC\\\\Sncdata.fdb\""));
      QCFLOW_RETURN_IF_ERROR(CheckNonEmpty("firebird user", f.user, "\"SYSDBA\""));
      QCFLOW_RETURN_IF_ERROR(CheckFirebirdWord("firebird database", f.database));
      QCFLOW_RETURN_IF_ERROR(CheckFirebirdWord("firebird user", f.user));
      QCFLOW_RETURN_IF_ERROR(CheckFirebirdWord("firebird password", f.password));
      if (f.charset != "UTF8" && f.charset != "WIN1251") {
        return Status::InvalidArgument("firebird charset must be UTF8 or WIN1251, not \"" +
                                       f.charset + "\"");
      }
      if (f.connect_timeout_seconds <= 0) {
        return Status::InvalidArgument("firebird connect timeout must be at least 1 second");
      }
      return Status::OK();
    }
    case Dqa3Backend::kOdbc: {
      const OdbcConnection& o = c.odbc;
      QCFLOW_RETURN_IF_ERROR(CheckNonEmpty("odbc driver", o.driver, "\"FreeTDS\""));
      QCFLOW_RETURN_IF_ERROR(CheckNonEmpty("odbc server", o.server, "\"sqlserver.clinic.local\""));
      QCFLOW_RETURN_IF_ERROR(CheckPort("odbc port", o.port));
      QCFLOW_RETURN_IF_ERROR(CheckNonEmpty("odbc database", o.database, "\"DQA3\""));
      if (o.connect_timeout_seconds <= 0) {
        return Status::InvalidArgument("odbc connect timeout must be at least 1 second");
      }
      return Status::OK();
    }
    case Dqa3Backend::kSqlite:
      return CheckNonEmpty("sqlite path", c.sqlite.path, "\"/var/lib/qcflow/dqa3.sqlite\"");
  }
  return Status::InvalidArgument("unknown DQA3 backend");
}

std::string DefaultDatabaseIdentity(const Dqa3Connection& c) {
  switch (c.backend) {
    case Dqa3Backend::kFirebird:
      return "firebird:" + c.firebird.host + ":" + std::to_string(c.firebird.port) + ":" +
             c.firebird.database;
    case Dqa3Backend::kOdbc:
      return "odbc:" + c.odbc.server + ":" + std::to_string(c.odbc.port) + ":" + c.odbc.database;
    case Dqa3Backend::kSqlite:
      return "sqlite:" + c.sqlite.path;
  }
  return "unknown";
}

std::string DescribeConnection(const Dqa3Connection& c) {
  std::string id = DefaultDatabaseIdentity(c);
  size_t colon = id.find(':');
  return std::string(BackendName(c.backend)) + " " + id.substr(colon + 1);
}

std::string BuildOdbcConnectionString(const OdbcConnection& c) {
  // The driver name is always braced: names such as "ODBC Driver 17 for SQL Server"
  // hold spaces, and braces are the documented form for DRIVER.
  std::string s = "DRIVER={";
  for (char ch : c.driver) {
    s += ch;
    if (ch == '}') s += '}';
  }
  s += "};";
  if (IsMicrosoftDriver(c.driver)) {
    s += "SERVER=" + OdbcValue(c.server + "," + std::to_string(c.port)) + ";";
  } else {
    s += "SERVER=" + OdbcValue(c.server) + ";PORT=" + std::to_string(c.port) + ";";
  }
  s += "DATABASE=" + OdbcValue(c.database) + ";";
  if (!c.user.empty()) s += "UID=" + OdbcValue(c.user) + ";";
  if (!c.password.empty()) s += "PWD=" + OdbcValue(c.password) + ";";
  if (!c.tds_version.empty()) s += "TDS_Version=" + OdbcValue(c.tds_version) + ";";
  return s;
}

std::string Redact(std::string_view text, std::string_view secret) {
  std::string out(text);
  if (secret.empty()) return out;
  // Longest form first, so "{p;w}" is not left as "{***}"-with-leftovers.
  std::string braced = OdbcValue(std::string(secret));
  for (const std::string& s : {braced, std::string(secret)}) {
    size_t pos = 0;
    while ((pos = out.find(s, pos)) != std::string::npos) {
      out.replace(pos, s.size(), "***");
      pos += 3;
    }
  }
  return out;
}

}  // namespace qcflow::dqa3
