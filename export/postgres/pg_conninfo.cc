#include "export/postgres/pg_conninfo.h"

#include <cctype>
#include <cstdio>

namespace qcflow::postgres {
namespace {

std::string PercentEncode(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += char(c);
    } else {
      char buf[4];
      std::snprintf(buf, sizeof(buf), "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

// A keyword value libpq reads back as it was: single-quoted, \ and ' escaped.
std::string QuoteValue(std::string_view v) {
  std::string out = "'";
  for (char c : v) {
    if (c == '\\' || c == '\'') out += '\\';
    out += c;
  }
  return out + "'";
}

// Whether keyword `key` is set in a keyword conninfo ("key=" at a word start).
bool HasKeyword(std::string_view conninfo, std::string_view key) {
  for (size_t at = conninfo.find(key); at != std::string_view::npos; at = conninfo.find(key, at + 1)) {
    if (at > 0 && !std::isspace(static_cast<unsigned char>(conninfo[at - 1]))) continue;
    size_t i = at + key.size();
    while (i < conninfo.size() && conninfo[i] == ' ') ++i;
    if (i < conninfo.size() && conninfo[i] == '=') return true;
  }
  return false;
}

// Whether query parameter `key` is set in a URI.
bool HasQueryParam(std::string_view uri, std::string_view key) {
  size_t q = uri.find('?');
  if (q == std::string_view::npos) return false;
  std::string_view query = uri.substr(q + 1);
  for (size_t at = query.find(key); at != std::string_view::npos; at = query.find(key, at + 1)) {
    if ((at == 0 || query[at - 1] == '&') && at + key.size() < query.size() && query[at + key.size()] == '=') {
      return true;
    }
  }
  return false;
}

}  // namespace

bool IsConninfoUri(std::string_view c) {
  return c.rfind("postgresql://", 0) == 0 || c.rfind("postgres://", 0) == 0;
}

Status CheckConninfo(std::string_view c) {
  if (c.find_first_not_of(" \t") == std::string_view::npos) {
    return Status::InvalidArgument("conninfo is empty; e.g. \"host=db.example.org dbname=qa user=qcflow\"");
  }
  const char* move = "; put the password in password_file (mode 0600) or password_env instead, so "
                     "qcflow.toml holds no secret";
  if (IsConninfoUri(c)) {
    std::string_view rest = c.substr(c.find("://") + 3);
    std::string_view authority = rest.substr(0, rest.find_first_of("/?"));
    size_t at = authority.rfind('@');
    if ((at != std::string_view::npos && authority.substr(0, at).find(':') != std::string_view::npos) ||
        HasQueryParam(c, "password")) {
      return Status::InvalidArgument(std::string("conninfo holds a password") + move);
    }
    return Status::OK();
  }
  if (HasKeyword(c, "password")) return Status::InvalidArgument(std::string("conninfo holds a password") + move);
  if (c.find('=') == std::string_view::npos) {
    return Status::InvalidArgument("conninfo must be libpq keywords (\"host=H port=5432 dbname=D user=U\") "
                                   "or a postgresql:// URI");
  }
  return Status::OK();
}

std::string ConnectString(std::string_view conninfo, std::string_view password, int timeout_seconds) {
  std::string out(conninfo);
  if (IsConninfoUri(conninfo)) {
    auto add = [&](std::string_view key, std::string_view value) {
      out += out.find('?') == std::string::npos ? '?' : '&';
      out += std::string(key) + "=" + PercentEncode(value);
    };
    if (!password.empty()) add("password", password);
    if (!HasQueryParam(conninfo, "connect_timeout")) add("connect_timeout", std::to_string(timeout_seconds));
    return out;
  }
  if (!password.empty()) out += " password=" + QuoteValue(password);
  if (!HasKeyword(conninfo, "connect_timeout")) out += " connect_timeout=" + std::to_string(timeout_seconds);
  return out;
}

std::string RedactSecret(std::string text, std::string_view secret) {
  if (secret.empty()) return text;
  for (size_t at = text.find(secret); at != std::string::npos; at = text.find(secret, at + 3)) {
    text.replace(at, secret.size(), "***");
  }
  return text;
}

bool IsPlainIdentifier(std::string_view name) {
  if (name.empty() || name.size() > 63) return false;
  if (!(std::islower(static_cast<unsigned char>(name[0])) || name[0] == '_')) return false;
  for (unsigned char c : name) {
    if (!(std::islower(c) || std::isdigit(c) || c == '_')) return false;
  }
  return true;
}

}  // namespace qcflow::postgres
