#include "cli/console/console_server.h"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "cli/runtime/loopback_server.h"

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

// `server` is last: it is destroyed (joining the io thread) while `handle` exists.
struct ConsoleServer::Impl {
  Handler handle;
  std::unique_ptr<cli::LoopbackServer> server;
};

namespace {

// One request: read it with Beast, answer with the console's headers, close.
class ConsoleConnection : public cli::LoopbackServer::Connection {
 public:
  ConsoleConnection(cli::LoopbackServer* server, tcp::socket s, const ConsoleServer::Handler* handle)
      : Connection(server), handle(handle), stream(std::move(s)) {}

  void Start() override {
    parser.header_limit(kMaxRequestBytes);
    parser.body_limit(kMaxRequestBytes);
    stream.expires_after(kDeadline);
    auto self = std::static_pointer_cast<ConsoleConnection>(shared_from_this());
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
    Answer((*handle)(x), req.method() == http::verb::head);
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
    auto self = std::static_pointer_cast<ConsoleConnection>(shared_from_this());
    http::async_write(stream, res, [self](const error_code&, size_t) { self->Close(); });
  }

  void Close() override {
    if (closed) return;
    closed = true;
    error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream.socket().close(ignored);
    Forget();
  }

  const ConsoleServer::Handler* handle;
  beast::tcp_stream stream;
  beast::flat_buffer buf;
  http::request_parser<http::string_body> parser;
  http::response<http::string_body> res;
  bool closed = false;
};

}  // namespace

Result<std::unique_ptr<ConsoleServer>> ConsoleServer::Start(const std::string& listen, Handler handle) {
  auto impl = std::make_unique<Impl>();
  impl->handle = std::move(handle);
  const Handler* h = &impl->handle;
  auto server = cli::LoopbackServer::Start(listen, "[console].listen", "the console",
                                           [h](cli::LoopbackServer* s, tcp::socket sock) {
                                             return std::make_shared<ConsoleConnection>(s, std::move(sock), h);
                                           });
  if (!server.ok()) return server.status();
  impl->server = std::move(*server);
  return std::unique_ptr<ConsoleServer>(new ConsoleServer(std::move(impl)));
}

ConsoleServer::ConsoleServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

ConsoleServer::~ConsoleServer() = default;

int ConsoleServer::port() const { return impl_->server->port(); }

std::string ConsoleServer::address() const { return impl_->server->address(); }

}  // namespace qcflow::console
