#include "cli/runtime/loopback_server.h"

#include <boost/asio/post.hpp>

#include "cli/runtime/listen_address.h"

namespace qcflow::cli {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using boost::system::error_code;

Result<std::unique_ptr<LoopbackServer>> LoopbackServer::Start(const std::string& listen, std::string_view key,
                                                              std::string_view what, Open open) {
  auto parsed = config::ParseLoopbackListen(listen, key);
  if (!parsed.ok()) return parsed.status();
  error_code ec;
  const asio::ip::address addr = asio::ip::make_address(parsed->ip, ec);
  if (ec) return Status::InvalidArgument(std::string(key) + " '" + listen + "': " + ec.message());
  std::unique_ptr<LoopbackServer> server(new LoopbackServer(std::move(open)));
  const tcp::endpoint ep(addr, parsed->port);
  tcp::acceptor& a = server->acceptor_;
  a.open(ep.protocol(), ec);
  if (!ec) a.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) a.bind(ep, ec);
  if (!ec) a.listen(asio::socket_base::max_listen_connections, ec);
  if (!ec) server->bound_ = a.local_endpoint(ec);
  if (ec) {
    return Status::Unavailable("cannot serve " + std::string(what) + " on " + listen + ": " + ec.message() +
                               " (is another program using that port? change " + std::string(key) + ")");
  }
  server->Accept();
  LoopbackServer* raw = server.get();
  server->thread_ = std::thread([raw] { raw->io_.run(); });
  return server;
}

void LoopbackServer::Accept() {
  acceptor_.async_accept([this](const error_code& ec, tcp::socket s) {
    if (ec) {
      if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;  // stopping
      Accept();  // e.g. EMFILE: skip this client, keep serving
      return;
    }
    std::shared_ptr<Connection> conn = open_connection_(this, std::move(s));
    open_.insert(conn);
    conn->Start();
    Accept();
  });
}

LoopbackServer::~LoopbackServer() {
  // Closing on the io thread: handlers finish with operation_aborted, run() returns.
  asio::post(io_, [this] {
    error_code ignored;
    acceptor_.close(ignored);
    auto open = open_;  // Close() erases from the set
    for (const auto& c : open) c->Close();
  });
  if (thread_.joinable()) thread_.join();
}

std::string LoopbackServer::address() const {
  const auto& a = bound_.address();
  return (a.is_v6() ? "[" + a.to_string() + "]" : a.to_string()) + ":" + std::to_string(port());
}

}  // namespace qcflow::cli
