#include "ingest/dqa3/session.h"

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <exception>
#include <filesystem>

#include <soci/soci.h>

// The backends are linked directly (no dlopen by name) through their exported
// factory functions; their own headers would pull in ibase.h/sql.h, which only the
// -dev packages ship.
extern "C" {
soci::backend_factory const* factory_firebird();
soci::backend_factory const* factory_odbc();
soci::backend_factory const* factory_sqlite3();
}

namespace qcflow::dqa3 {
namespace {

std::string Secret(const Dqa3Connection& c) {
  switch (c.backend) {
    case Dqa3Backend::kFirebird: return c.firebird.password;
    case Dqa3Backend::kOdbc: return c.odbc.password;
    case Dqa3Backend::kSqlite: return "";
  }
  return "";
}

std::string Word(const std::string& v) {
  if (v.find_first_of(" \t") == std::string::npos) return v;
  return "\"" + v + "\"";
}

// Waits for a non-blocking connect() on `fd` to finish.
bool ConnectWithin(int fd, const addrinfo* ai, int timeout_ms) {
  int flags = ::fcntl(fd, F_GETFL, 0);
  ::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
  if (::connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) return true;
  if (errno != EINPROGRESS) return false;
  pollfd p{fd, POLLOUT, 0};
  if (::poll(&p, 1, timeout_ms) != 1) return false;
  int err = 0;
  socklen_t len = sizeof(err);
  ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
  return err == 0;
}

}  // namespace

std::string FirebirdConnectString(const FirebirdConnection& f) {
  return "service=" + Word(f.host + "/" + std::to_string(f.port) + ":" + f.database) +
         " user=" + Word(f.user) + " password=" + Word(f.password) + " charset=" + f.charset;
}

Status ProbeTcp(const std::string& host, int port, int timeout_seconds) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  int rc = ::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &res);
  if (rc != 0) {
    return Status::Unavailable("cannot resolve host \"" + host + "\": " + ::gai_strerror(rc));
  }
  bool ok = false;
  for (addrinfo* ai = res; ai != nullptr && !ok; ai = ai->ai_next) {
    int fd = ::socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
    if (fd < 0) continue;
    ok = ConnectWithin(fd, ai, timeout_seconds * 1000);
    ::close(fd);
  }
  ::freeaddrinfo(res);
  if (!ok) {
    return Status::Unavailable("nothing answers on " + host + ":" + std::to_string(port) +
                               " within " + std::to_string(timeout_seconds) +
                               " s; is the database server running and the port open?");
  }
  return Status::OK();
}

Status Guard(const Dqa3Connection& c, const std::string& what, const std::function<void()>& fn) {
  try {
    fn();
    return Status::OK();
  } catch (const std::exception& e) {
    std::string msg = e.what();
    while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
    return Status::Unavailable(Redact(what + ": " + msg, Secret(c)));
  }
}

Status OpenSession(const Dqa3Connection& c, OpenMode mode, soci::session* session) {
  std::string where = DescribeConnection(c);
  switch (c.backend) {
    case Dqa3Backend::kFirebird: {
      // SOCI's Firebird backend has no connect timeout; an unreachable host would
      // block for minutes in the client library. Probe first.
      QCFLOW_RETURN_IF_ERROR(ProbeTcp(c.firebird.host, c.firebird.port,
                                      c.firebird.connect_timeout_seconds)
                                 .WithContext("connecting to " + where));
      return Guard(c, "connecting to " + where, [&] {
        session->open(*factory_firebird(), FirebirdConnectString(c.firebird));
      });
    }
    case Dqa3Backend::kOdbc: {
      QCFLOW_RETURN_IF_ERROR(
          ProbeTcp(c.odbc.server, c.odbc.port, c.odbc.connect_timeout_seconds)
              .WithContext("connecting to " + where));
      return Guard(c, "connecting to " + where, [&] {
        session->open(*factory_odbc(), BuildOdbcConnectionString(c.odbc));
      });
    }
    case Dqa3Backend::kSqlite: {
      std::error_code ec;
      if (mode == OpenMode::kReadOnly && !std::filesystem::exists(c.sqlite.path, ec)) {
        return Status::Unavailable("connecting to " + where + ": no such file");
      }
      return Guard(c, "opening " + where, [&] {
        session->open(*factory_sqlite3(), "db=\"" + c.sqlite.path + "\" timeout=10");
      });
    }
  }
  return Status::InvalidArgument("unknown DQA3 backend");
}

}  // namespace qcflow::dqa3
