// QatrackTestServer: a QATrack+ 3.1.1 REST API double for tests, run as a child process.
//
// It starts tests/qatrack_server/qatrack_server.py (Python standard library only; see
// tests/qatrack_server/README.md for the API quirks it reproduces, the control API and
// the JSON shapes), waits until it listens on a free loopback port, and stops it again.
// Tests talk to base_url() exactly as qcflow talks to a real QATrack+, and use the
// control methods below to seed data, inject faults and read back what arrived.
//
// Promises:
//   - The server listens on 127.0.0.1 only, on a port picked by the kernel.
//   - Start() returns only after the server answers its health check, or returns an
//     error within Options::start_timeout (plus a few seconds for the health check).
//   - The destructor (and Stop()) sends SIGTERM, waits up to 5 s, then SIGKILLs and reaps
//     the child, so no server outlives its QatrackTestServer. The child also gets SIGTERM
//     if the thread that called Start() dies (PR_SET_PDEATHSIG).
//   - Control answers are raw JSON text; this header pulls in no JSON library.
//   - The token is never logged by the server or by this class.
//
// Thread safety: the control methods may be called from several threads at once (each
// call uses its own curl handle); Stop() and destruction must not race with them.
#ifndef QCFLOW_TESTS_TESTING_QATRACK_TEST_SERVER_H_
#define QCFLOW_TESTS_TESTING_QATRACK_TEST_SERVER_H_

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "store/status.h"

namespace qcflow::testing {

// One HTTP answer from the server (control or API).
struct HttpReply {
  long status = 0;    // HTTP status code
  std::string body;   // raw body
};

class QatrackTestServer {
 public:
  // A valid 40-hex QATrack+ token used when Options::token is left alone.
  static constexpr const char* kDefaultToken = "0123456789abcdef0123456789abcdef01234567";

  struct Options {
    // REQUIRES: 40 lower-case hex characters (as QATrack+ tokens are).
    std::string token = kDefaultToken;
    // IANA zone the server reads upload times in. Empty: the script's default,
    // America/Toronto (QATrack+'s shipped TIME_ZONE).
    std::string zone;
    // Expect "RadAuthorization: Token <key>" (RadMachine) instead of "Authorization".
    bool radmachine = false;
    // "default" (units 1234/5678/2222x2, MPC test lists, one inactive assignment),
    // "dqa3" (a DQA3 test list as create_dqa3_testlist makes it), "empty", or a path
    // to a JSON seed file.
    std::string seed = "default";
    // Interpreter and script; empty means the ones CMake configured.
    std::string python;
    std::string script;
    // How long to wait for the server to listen.
    std::chrono::milliseconds start_timeout{10000};
  };

  // Starts a server. On failure nothing is left running and the Status says why
  // (interpreter missing, script exited, timeout).
  static Result<std::unique_ptr<QatrackTestServer>> Start(const Options& options);
  static Result<std::unique_ptr<QatrackTestServer>> Start() { return Start(Options()); }

  ~QatrackTestServer();
  QatrackTestServer(const QatrackTestServer&) = delete;
  QatrackTestServer& operator=(const QatrackTestServer&) = delete;

  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  // "http://127.0.0.1:PORT"
  std::string root_url() const;
  // "http://127.0.0.1:PORT/api": the API root to configure qcflow with.
  std::string base_url() const;
  const std::string& token() const { return options_.token; }
  // The header qcflow must send, e.g. "Authorization: Token <key>".
  std::string auth_header() const;

  // POST /_control/seed: replaces units, test lists and assignments (and drops stored
  // instances). `seed_json` is the seed object described in the README.
  Status Seed(const std::string& seed_json);
  // Loads a built-in seed ("default" or "empty").
  Status SeedBuiltin(const std::string& name);
  // POST /_control/faults: appends one rule object or a JSON array of rules, e.g.
  // {"method":"POST","path_prefix":"/api/qa/testlistinstances/","action":"status","code":503}.
  Status AddFault(const std::string& rule_json);
  // DELETE /_control/faults.
  Status ClearFaults();
  // POST /_control/config, e.g. {"user_rate":"3/min","page_size":2,"permission_denied":true}.
  Status Configure(const std::string& config_json);
  // GET /_control/stored: {"count":N,"results":[...]} with every stored test list instance.
  Result<std::string> Stored();
  // GET /_control/requests: {"count":N,"results":[...]} log of API requests (no tokens).
  Result<std::string> Requests();
  // POST /_control/reset: clears stored instances, request log, faults, throttle
  // counters and config (the seeded data set stays).
  Status Reset();
  // Any control route, e.g. Control("GET", "faults").
  Result<HttpReply> Control(const std::string& method, const std::string& route,
                            const std::string& body = "");

  // Stops the server (idempotent). OK when it exited cleanly on SIGTERM.
  Status Stop();

 private:
  QatrackTestServer(Options options, pid_t pid, std::string dir, int port)
      : options_(std::move(options)), pid_(pid), dir_(std::move(dir)), port_(port) {}

  Status ControlOk(const std::string& method, const std::string& route, const std::string& body);

  Options options_;
  pid_t pid_;
  std::string dir_;  // temp dir holding the port file
  int port_;
};

// A small libcurl helper for tests: `method` to `url` with `body` (sent as
// application/json when non-empty) and extra header lines ("Name: value").
// Never uses a proxy and never follows redirects; times out after `timeout`.
// A transport failure (refused, reset, timeout) is a non-OK Status (kUnavailable).
Result<HttpReply> HttpRequest(const std::string& method, const std::string& url,
                              const std::string& body = "",
                              const std::vector<std::string>& headers = {},
                              std::chrono::milliseconds timeout = std::chrono::milliseconds(10000));

}  // namespace qcflow::testing

#endif  // QCFLOW_TESTS_TESTING_QATRACK_TEST_SERVER_H_
