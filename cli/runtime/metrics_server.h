// MetricsServer: a minimal HTTP/1.1 endpoint for Prometheus scrapes and
// health probes.
//
// GET /metrics answers 200 with whatever `render` returns (Prometheus text
// format 0.0.4). GET /healthz answers 200 "ok" while the process serves at
// all (liveness). GET /readyz answers 200 "ready" when `not_ready` returns ""
// and 503 with its reason otherwise ("starting: ...", "stopping: ..."). Any
// other path is 404, any other method 405. One request per
// connection (Connection: close). Requests are read with a size limit (8 KiB)
// and a deadline (5 s), so a stuck or hostile client cannot hold the server.
// Loopback addresses only: Start refuses anything else.
//
// Boost.Asio stays inside metrics_server.cc; one thread runs the io_context.
// `render` and `not_ready` run on that thread and must be thread-safe with respect to the
// rest of the program.
#ifndef QCFLOW_CLI_RUNTIME_METRICS_SERVER_H_
#define QCFLOW_CLI_RUNTIME_METRICS_SERVER_H_

#include <functional>
#include <memory>
#include <string>

#include "store/status.h"

namespace qcflow::cli {

class MetricsServer {
 public:
  using Render = std::function<std::string()>;
  // "" when ready, else why not (one line, for people and probes).
  using Readiness = std::function<std::string()>;

  // Binds `listen` ("127.0.0.1:9187", "[::1]:9187", "localhost:9187"; parsed
  // by config::ParseLoopbackListen, as LoadConfig does) and starts serving.
  // InvalidArgument for a malformed or non-loopback address; Unavailable when
  // the port is taken. Without `not_ready`, /readyz is always ready.
  static Result<std::unique_ptr<MetricsServer>> Start(const std::string& listen, Render render,
                                                      Readiness not_ready = nullptr);

  // Stops accepting, closes every open connection and joins the thread.
  ~MetricsServer();
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

  // The bound port (useful with port 0).
  int port() const;
  // "127.0.0.1:PORT" as bound.
  std::string address() const;

  struct Impl;

 private:
  explicit MetricsServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace qcflow::cli

#endif  // QCFLOW_CLI_RUNTIME_METRICS_SERVER_H_
