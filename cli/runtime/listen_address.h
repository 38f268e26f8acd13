// [metrics].listen and [console].listen: the one parser of a loopback listen
// address, used by LoadConfig (so `qcflow validate` refuses what `qcflow run`
// would), by MetricsServer::Start and by the console server.
#ifndef QCFLOW_CLI_RUNTIME_LISTEN_ADDRESS_H_
#define QCFLOW_CLI_RUNTIME_LISTEN_ADDRESS_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "store/status.h"

namespace qcflow::config {

struct ListenAddress {
  std::string ip;      // an IP literal without brackets; "localhost" becomes "127.0.0.1"
  uint16_t port = 0;   // 1..65535
};

// Accepts "HOST:PORT" where HOST is a loopback IP literal (127.0.0.0/8, or ::1
// written "[::1]") or "localhost", and PORT is a number from 1 to 65535. No
// name lookup: "127.0.0.1.nip.io" is refused. InvalidArgument (saying what is
// accepted) for anything else; `key` names the setting in that message.
Result<ListenAddress> ParseLoopbackListen(std::string_view text,
                                          std::string_view key = "[metrics].listen");

}  // namespace qcflow::config

#endif  // QCFLOW_CLI_RUNTIME_LISTEN_ADDRESS_H_
