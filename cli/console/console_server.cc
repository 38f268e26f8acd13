#include "cli/console/console_server.h"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <set>
#include <thread>

#include "cli/runtime/listen_address.h"

namespace qcflow::console {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using boost::system::error_code;

namespace {
constexpr size_t kMaxRequestBytes = 64 * 1024;
constexpr auto kDeadline = std::chrono::seconds(10);
}  // namespace

struct ConsoleServer::Impl {
  struct Conn : std::enable_shared_from_this<Conn> {
    Conn(Impl* impl, tcp::socket s) : impl(impl), stream(std::move(s)) {}

    void Start() {
      parser.header_limit(kMaxRequestBytes);
      parser.body_limit(kMaxRequestBytes);
      stream.expires_after(kDeadline);
      auto self = shared_from_this();
      http::async_read(stream, buf, parser, [self](const error_code& ec, size_t) { self->OnRead(ec); });
    }

    void OnRead(const error_code& ec) {
      if (closed) return;
      if (ec) {  // includes a request over the limit and the deadline
        if (ec == http::error::header_limit || ec == http::error::body_limit) {
          Answer(HttpAnswer{413, "application/json", R"({"v":1,"error":"request too large"})", {}}, false);
          return;
        }
        Close();
        return;
      }
      const auto& req = parser.get();
      HttpExchange x;
      x.method = std::string(req.method_string());
      x.target = std::string(req.target());
      if (auto it = req.find(http::field::authorization); it != req.end()) x.authorization = std::string(it->value());
      x.body = req.body();
      Answer(impl->handle(x), req.method() == http::verb::head);
    }

    void Answer(const HttpAnswer& a, bool head) {
      res.result(static_cast<unsigned>(a.status));
      res.version(11);
      res.set(http::field::content_type, a.content_type);
      res.set(http::field::cache_control, "no-store");
      res.set("X-Content-Type-Options", "nosniff");
      res.set("X-Frame-Options", "DENY");
      res.set("Content-Security-Policy",
              "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'none'");
      res.set("Referrer-Policy", "no-referrer");
      for (const auto& [k, v] : a.headers) res.set(k, v);
      res.keep_alive(false);
      res.body() = head ? std::string() : a.body;
      res.prepare_payload();
      if (head) res.content_length(a.body.size());
      auto self = shared_from_this();
      http::async_write(stream, res, [self](const error_code&, size_t) { self->Close(); });
    }

    void Close() {
      if (closed) return;
      closed = true;
      error_code ignored;
      stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
      stream.socket().close(ignored);
      impl->conns.erase(shared_from_this());
    }

    Impl* impl;
    beast::tcp_stream stream;
    beast::flat_buffer buf;
    http::request_parser<http::string_body> parser;
    http::response<http::string_body> res;
    bool closed = false;
  };

  void Accept() {
    acceptor.async_accept([this](const error_code& ec, tcp::socket s) {
      if (ec) {
        if (ec == asio::error::operation_aborted || !acceptor.is_open()) return;  // stopping
        Accept();  // e.g. EMFILE: skip this client, keep serving
        return;
      }
      auto conn = std::make_shared<Conn>(this, std::move(s));
      conns.insert(conn);
      conn->Start();
      Accept();
    });
  }

  asio::io_context io;
  tcp::acceptor acceptor{io};
  tcp::endpoint bound;
  Handler handle;
  std::set<std::shared_ptr<Conn>> conns;  // touched only on the io thread
  std::thread thread;
};

Result<std::unique_ptr<ConsoleServer>> ConsoleServer::Start(const std::string& listen, Handler handle) {
  auto parsed = config::ParseLoopbackListen(listen, "[console].listen");
  if (!parsed.ok()) return parsed.status();
  error_code ec;
  const asio::ip::address addr = asio::ip::make_address(parsed->ip, ec);
  if (ec) return Status::InvalidArgument("[console].listen '" + listen + "': " + ec.message());
  auto impl = std::make_unique<Impl>();
  impl->handle = std::move(handle);
  const tcp::endpoint ep(addr, parsed->port);
  impl->acceptor.open(ep.protocol(), ec);
  if (!ec) impl->acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) impl->acceptor.bind(ep, ec);
  if (!ec) impl->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (!ec) impl->bound = impl->acceptor.local_endpoint(ec);
  if (ec) {
    return Status::Unavailable("cannot serve the console on " + listen + ": " + ec.message() +
                               " (is another program using that port? change [console].listen)");
  }
  impl->Accept();
  Impl* raw = impl.get();
  impl->thread = std::thread([raw] { raw->io.run(); });
  return std::unique_ptr<ConsoleServer>(new ConsoleServer(std::move(impl)));
}

ConsoleServer::ConsoleServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

ConsoleServer::~ConsoleServer() {
  Impl* impl = impl_.get();
  asio::post(impl->io, [impl] {
    error_code ignored;
    impl->acceptor.close(ignored);
    auto open = impl->conns;  // Close() erases from the set
    for (const auto& c : open) c->Close();
  });
  if (impl->thread.joinable()) impl->thread.join();
}

int ConsoleServer::port() const { return impl_->bound.port(); }

std::string ConsoleServer::address() const {
  const auto& a = impl_->bound.address();
  return (a.is_v6() ? "[" + a.to_string() + "]" : a.to_string()) + ":" + std::to_string(port());
}

}  // namespace qcflow::console
