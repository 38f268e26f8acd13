// Test fixture: a real Firebird 3 server (Debian firebird3.0-server) on a free
// loopback port, private to the test.
//
// Everything the server touches lives in a temp directory: firebird.conf
// (RemoteBindAddress=127.0.0.1, RemoteServicePort=<port>, ServerMode=Super), its
// own security3.fdb (created in embedded mode with isql-fb, SYSDBA password known
// to the fixture), the lock dir (FIREBIRD_LOCK), temp dir (FIREBIRD_TMP) and the
// databases. The system server and /var/lib/firebird are never used. The one thing
// Firebird 3 insists on sharing is its log, /var/log/firebird/firebird3.0.log;
// failures quote its tail.
//
// Start() returns FailedPrecondition naming the packages to install when the
// server or isql-fb is absent — tests must fail on it, not skip.
// QCFLOW_FIREBIRD_SERVER (environment) overrides /usr/sbin/firebird.
#ifndef QCFLOW_TESTS_TESTING_FIREBIRD_SERVER_H_
#define QCFLOW_TESTS_TESTING_FIREBIRD_SERVER_H_

#include <sys/types.h>

#include <memory>
#include <string>

#include "store/status.h"

namespace qcflow::testing {

class FirebirdServer {
 public:
  // Bootstraps the private root, starts /usr/sbin/firebird and waits (bounded,
  // ~20 s) until it accepts TCP connections on 127.0.0.1:port().
  static Result<std::unique_ptr<FirebirdServer>> Start();

  // Stop(): SIGTERM, then SIGKILL after 5 s. Removes the temp directory.
  ~FirebirdServer();
  FirebirdServer(const FirebirdServer&) = delete;
  FirebirdServer& operator=(const FirebirdServer&) = delete;

  const std::string& host() const { return host_; }  // "127.0.0.1"
  int port() const { return port_; }
  const std::string& user() const { return user_; }  // "SYSDBA"
  const std::string& password() const { return password_; }
  const std::string& root() const { return root_; }  // the private directory

  // Creates <root>/data/<name> through the TCP server with `charset` as the
  // database's default character set ("UTF8", "WIN1251") and returns its path.
  Result<std::string> CreateDatabase(const std::string& name, const std::string& charset);

  // Runs an isql-fb script against `database` (path from CreateDatabase) over TCP;
  // returns isql's output, or an error holding it.
  Result<std::string> RunIsql(const std::string& database, const std::string& script);

  // Stops the server (idempotent). Afterwards connections are refused.
  void Stop();

  // The server's stdout/stderr plus the tail of the shared Firebird log.
  std::string Diagnostics() const;

 private:
  FirebirdServer() = default;
  Status Bootstrap();
  Status Launch();
  Status WaitUntilListening();
  // Runs isql-fb with the private environment; script from a file in root_.
  Result<std::string> Isql(const std::string& args, const std::string& script);
  std::string EnvPrefix() const;

  std::string host_ = "127.0.0.1";
  int port_ = 0;
  std::string user_ = "SYSDBA";
  std::string password_;
  std::string root_;
  std::string binary_;  // the server executable
  pid_t pid_ = -1;
  int script_counter_ = 0;
};

}  // namespace qcflow::testing

#endif  // QCFLOW_TESTS_TESTING_FIREBIRD_SERVER_H_
