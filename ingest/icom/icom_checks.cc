// `qcflow validate`: is each [[source.icom]] linac streaming iCom?
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "ingest/icom/framer.h"
#include "ingest/icom/icom_component.h"

namespace qcflow::icom {
namespace {

using component::Checklist;

using Clock = std::chrono::steady_clock;
constexpr auto kListen = std::chrono::seconds(3);        // long enough for a few messages
constexpr auto kDrain = std::chrono::milliseconds(300);  // as capture's stop

int MillisLeft(Clock::time_point until) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now()).count();
  return ms < 0 ? 0 : int(ms);
}

// Connects within `timeout`; returns the socket or -1 with *error set.
int Connect(const addrinfo* ai, std::chrono::milliseconds timeout, std::string* error) {
  int fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
  if (fd < 0) {
    *error = std::strerror(errno);
    return -1;
  }
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  if (::connect(fd, ai->ai_addr, ai->ai_addrlen) != 0 && errno != EINPROGRESS) {
    *error = std::strerror(errno);
    ::close(fd);
    return -1;
  }
  pollfd p{fd, POLLOUT, 0};
  if (::poll(&p, 1, int(timeout.count())) != 1) {
    *error = "no answer within " + std::to_string(timeout.count() / 1000.0).substr(0, 3) + " s";
    ::close(fd);
    return -1;
  }
  int err = 0;
  socklen_t len = sizeof err;
  ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
  if (err != 0) {
    *error = std::strerror(err);
    ::close(fd);
    return -1;
  }
  return fd;
}

// FIN first, then read until the peer's EOF or a deadline, so that close()
// finds no unread bytes (closing with unread bytes sends a reset).
void CloseGracefully(int fd) {
  ::shutdown(fd, SHUT_WR);
  const auto until = Clock::now() + kDrain;
  char buf[16384];
  for (;;) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, MillisLeft(until)) != 1) break;
    if (::recv(fd, buf, sizeof buf, 0) <= 0) break;
  }
  ::close(fd);
}

void CheckIcomSource(const IcomSourceSettings& source, Checklist* list) {
  const IcomCaptureConfig& c = source.capture;
  const std::string who = "linac '" + source.name + "': ";
  const std::string where = c.host + ":" + std::to_string(c.port);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (int rc = ::getaddrinfo(c.host.c_str(), std::to_string(c.port).c_str(), &hints, &found);
      rc != 0) {
    list->Fail(who + "cannot resolve host " + c.host + " (" + ::gai_strerror(rc) +
               "): check host in its [[source.icom]] and DNS.");
    return;
  }
  std::string error;
  int fd = -1;
  for (const addrinfo* ai = found; ai && fd < 0; ai = ai->ai_next) {
    fd = Connect(ai, std::min(c.connect_timeout, std::chrono::milliseconds(5000)), &error);
  }
  ::freeaddrinfo(found);
  if (fd < 0) {
    list->Fail(who + "cannot connect to " + where + " (" + error +
               "): check host and port, that the linac and its NSS are on, and the firewall "
               "between this server and the linac (qcflow run keeps retrying by itself).");
    return;
  }
  uint64_t bytes = 0;
  Framer framer([](const Frame&) {});
  const auto until = Clock::now() + kListen;
  char buf[65536];
  bool closed = false;
  while (!closed && MillisLeft(until) > 0) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, MillisLeft(until)) != 1) break;
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) {
      closed = true;
      break;
    }
    bytes += uint64_t(n);
    framer.Feed(std::string_view(buf, size_t(n)));
  }
  if (closed) {
    ::close(fd);
  } else {
    CloseGracefully(fd);
  }
  const uint64_t messages = framer.stats().messages;
  if (messages > 0) {
    list->Ok(who + where + " streams iCom (" + std::to_string(messages) + " message(s) in " +
             std::to_string(kListen.count()) + " s; connection closed cleanly)");
  } else if (bytes > 0) {
    list->Warn(who + where + " sent " + std::to_string(bytes) + " bytes in " +
               std::to_string(kListen.count()) +
               " s but no iCom message: is this the NSS's iCom "
               "port (1706)?");
  } else {
    list->Warn(who + where + " accepted the connection but " +
               (closed ? std::string("closed it at once")
                       : "sent nothing in " + std::to_string(kListen.count()) + " s") +
               "; a linac streams continuously while its NSS runs: check the port.");
  }
}

}  // namespace

void IcomComponent::Check(component::CheckContext& ctx) const { CheckIcomSource(settings_, ctx.list); }

}  // namespace qcflow::icom
