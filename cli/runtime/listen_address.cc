#include "cli/runtime/listen_address.h"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>

namespace qcflow::config {

Result<ListenAddress> ParseLoopbackListen(std::string_view text, std::string_view key) {
  const std::string usage = std::string(key) + " '" + std::string(text) +
                            "' must be a loopback address and port such as 127.0.0.1:9187, "
                            "[::1]:9187 or localhost:9187 (an IP address or localhost, no host "
                            "names; port 1 to 65535); put a reverse proxy in front to expose it";
  const size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) return Status::InvalidArgument(usage);
  std::string_view host = text.substr(0, colon), port_text = text.substr(colon + 1);
  int port = 0;
  auto [end, err] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (port_text.empty() || err != std::errc() || end != port_text.data() + port_text.size() ||
      port < 1 || port > 65535) {
    return Status::InvalidArgument(usage);
  }
  ListenAddress out;
  out.port = uint16_t(port);
  if (host == "localhost") {
    out.ip = "127.0.0.1";
    return out;
  }
  unsigned char bytes[16];
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    out.ip = std::string(host.substr(1, host.size() - 2));
    static const unsigned char kLoopback6[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    if (inet_pton(AF_INET6, out.ip.c_str(), bytes) != 1 ||
        !std::equal(bytes, bytes + 16, kLoopback6)) {
      return Status::InvalidArgument(usage);
    }
    return out;
  }
  out.ip = std::string(host);
  if (inet_pton(AF_INET, out.ip.c_str(), bytes) != 1 || bytes[0] != 127) {
    return Status::InvalidArgument(usage);
  }
  return out;
}

}  // namespace qcflow::config
