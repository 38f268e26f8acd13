// LoopbackServer: what the metrics endpoint and the console share. A listener
// on a loopback address (parsed by config::ParseLoopbackListen, as LoadConfig
// checks it), one thread running its io_context, and the set of open
// connections, which the destructor closes before joining the thread.
//
// The protocol is the caller's: each accepted socket is handed to `open`,
// which returns the Connection serving it. Included only by the servers' .cc
// files, so Boost.Asio stays out of their public headers.
#ifndef QCFLOW_CLI_RUNTIME_LOOPBACK_SERVER_H_
#define QCFLOW_CLI_RUNTIME_LOOPBACK_SERVER_H_

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <functional>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <thread>

#include "store/status.h"

namespace qcflow::cli {

class LoopbackServer {
 public:
  using Socket = boost::asio::ip::tcp::socket;

  // One client. Everything runs on the io thread.
  class Connection : public std::enable_shared_from_this<Connection> {
   public:
    virtual ~Connection() = default;
    // Begins serving; called once, right after the connection is accepted.
    virtual void Start() = 0;
    // Closes the socket; must be idempotent and end with Forget().
    virtual void Close() = 0;

   protected:
    explicit Connection(LoopbackServer* server) : server_(server) {}
    // Drops the server's reference; pending handlers keep the object alive.
    void Forget() { server_->open_.erase(shared_from_this()); }
    LoopbackServer* server() const { return server_; }

   private:
    LoopbackServer* server_;
  };
  using Open = std::function<std::shared_ptr<Connection>(LoopbackServer*, Socket)>;

  // Binds `listen` and starts the io thread. `key` names the setting in
  // errors ("[metrics].listen"), `what` what is served ("metrics").
  // InvalidArgument for a malformed or non-loopback address; Unavailable when
  // the port cannot be bound.
  static Result<std::unique_ptr<LoopbackServer>> Start(const std::string& listen, std::string_view key,
                                                       std::string_view what, Open open);

  // Stops accepting, closes every open connection and joins the thread.
  ~LoopbackServer();
  LoopbackServer(const LoopbackServer&) = delete;
  LoopbackServer& operator=(const LoopbackServer&) = delete;

  boost::asio::io_context& io() { return io_; }
  int port() const { return bound_.port(); }
  std::string address() const;  // "127.0.0.1:PORT" or "[::1]:PORT" as bound

 private:
  explicit LoopbackServer(Open open) : open_connection_(std::move(open)) {}
  void Accept();

  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_{io_};
  boost::asio::ip::tcp::endpoint bound_;
  Open open_connection_;
  std::set<std::shared_ptr<Connection>> open_;  // touched only on the io thread
  std::thread thread_;
};

}  // namespace qcflow::cli

#endif  // QCFLOW_CLI_RUNTIME_LOOPBACK_SERVER_H_
