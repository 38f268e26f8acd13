// Test fixture: a real PostgreSQL 15 server (Debian postgresql-15) on a free
// loopback port, private to the test.
//
// initdb creates a cluster in a fresh temp directory (superuser "qcflow",
// scram-sha-256 over TCP with a random password, trust on the private Unix
// socket for the fixture's own psql); the postmaster runs as the fixture's
// child, listening on 127.0.0.1 only, with its socket in that directory. It
// dies with the thread that started it (PR_SET_PDEATHSIG), so a crashed test
// leaves no server behind: call Start() from the test's main thread. The packaged cluster, its service and
// /var/run/postgresql are never used.
//
// PostgreSQL refuses to run as root. When the test runs as root (CI), the
// directory is handed to the unprivileged "postgres" user the package creates
// (else "nobody") and initdb, postgres, pg_isready and psql run as that user.
//
// Start() returns FailedPrecondition naming the package to install when the
// binaries are absent: tests must fail on it, not skip. QCFLOW_POSTGRES_BINDIR
// (environment) overrides /usr/lib/postgresql/15/bin.
#ifndef QCFLOW_TESTS_TESTING_POSTGRES_SERVER_H_
#define QCFLOW_TESTS_TESTING_POSTGRES_SERVER_H_

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "store/status.h"

namespace qcflow::testing {

class PostgresServer {
 public:
  // initdb, then the server; waits (bounded, 60 s) until it accepts connections.
  static Result<std::unique_ptr<PostgresServer>> Start();

  // Stops the server (fast shutdown) and removes the directory.
  ~PostgresServer();
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

  const std::string& host() const { return host_; }  // "127.0.0.1"
  int port() const { return port_; }
  const std::string& user() const { return user_; }  // the superuser, "qcflow"
  const std::string& password() const { return password_; }
  const std::string& root() const { return root_; }

  // libpq keywords for `database` over TCP, without the password
  // ("host=127.0.0.1 port=N user=qcflow dbname=D connect_timeout=5").
  std::string Conninfo(const std::string& database) const;

  // CREATE DATABASE `name` (UTF8).
  Status CreateDatabase(const std::string& name);

  // Runs `sql` with psql in `database` (unaligned, tuples only, stops at the
  // first error); returns its output without the trailing newline.
  Result<std::string> Psql(const std::string& database, const std::string& sql);

  // Stops the server (idempotent); connections are refused afterwards.
  Status Stop();
  // Starts the stopped server again on the same port and data directory.
  Status Restart();

  // The tail of the server's log and of the last command's output.
  std::string Diagnostics() const;

 private:
  PostgresServer() = default;
  Status InitDb();
  // Starts the postmaster and waits until pg_isready says it accepts connections.
  Status Launch();
  // Runs `argv` (argv[0] a path) as the server's user; its output goes to
  // <root>/cmd.out. Returns the output, or an error holding it.
  Result<std::string> Run(const std::vector<std::string>& argv);

  std::string host_ = "127.0.0.1";
  int port_ = 0;
  std::string user_ = "qcflow";
  std::string password_;
  std::string root_;
  std::string bindir_;
  pid_t pid_ = -1;  // the postmaster
  // Whom the server runs as when we are root (-1: ourselves).
  uid_t run_uid_ = uid_t(-1);
  gid_t run_gid_ = gid_t(-1);
};

}  // namespace qcflow::testing

#endif  // QCFLOW_TESTS_TESTING_POSTGRES_SERVER_H_
