// ConsoleServer: the console's HTTP/1.1 listener (Boost.Beast, only in
// console_server.cc, so including this header costs nothing).
//
// One io thread; each connection carries one request (Connection: close),
// read with a size limit (64 KiB header and body) and a deadline (10 s), so a
// stuck or hostile client cannot hold it. `handle` runs on the io thread.
// Every answer carries nosniff, a same-origin Content-Security-Policy,
// frame denial and no-store caching; no cookie is ever set. Loopback only.
#ifndef QCFLOW_CLI_CONSOLE_CONSOLE_SERVER_H_
#define QCFLOW_CLI_CONSOLE_CONSOLE_SERVER_H_

#include <functional>
#include <memory>
#include <string>

#include "cli/console/http_types.h"
#include "store/status.h"

namespace qcflow::console {

class ConsoleServer {
 public:
  using Handler = std::function<HttpAnswer(const HttpExchange&)>;

  // Binds `listen` (config::ParseLoopbackListen, as LoadConfig checks
  // [console].listen) and serves. InvalidArgument for a malformed or
  // non-loopback address; Unavailable when the port is taken.
  static Result<std::unique_ptr<ConsoleServer>> Start(const std::string& listen, Handler handle);

  // Stops accepting, closes open connections and joins the thread.
  ~ConsoleServer();
  ConsoleServer(const ConsoleServer&) = delete;
  ConsoleServer& operator=(const ConsoleServer&) = delete;

  int port() const;
  std::string address() const;  // "127.0.0.1:PORT" as bound

  struct Impl;

 private:
  explicit ConsoleServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace qcflow::console

#endif  // QCFLOW_CLI_CONSOLE_CONSOLE_SERVER_H_
