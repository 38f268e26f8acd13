// Internal to ingest/dqa3: opening SOCI sessions for a Dqa3Connection and turning
// SOCI's exceptions into Status values. SOCI itself stays in the .cc files.
#ifndef QCFLOW_INGEST_DQA3_SESSION_H_
#define QCFLOW_INGEST_DQA3_SESSION_H_

#include <functional>
#include <string>

#include "ingest/dqa3/connection.h"
#include "store/status.h"

namespace soci {
class session;
}

namespace qcflow::dqa3 {

enum class OpenMode { kReadOnly, kCreate };  // kCreate: the simulator writing a database

// Opens `session` for `c`. A server that does not answer within the connect timeout,
// a refused login or a missing SQLite file is Unavailable; the message names the
// database (DescribeConnection) and never the password.
// REQUIRES: ValidateConnection(c).ok(); session not open.
Status OpenSession(const Dqa3Connection& c, OpenMode mode, soci::session* session);

// Runs `fn`; a SOCI or std exception becomes Unavailable("<what>: <reason>") with
// the password redacted.
Status Guard(const Dqa3Connection& c, const std::string& what, const std::function<void()>& fn);

// "service=host/port:path user=... password=... charset=..." (values with spaces quoted).
std::string FirebirdConnectString(const FirebirdConnection& f);

// OK when a TCP connection to host:port succeeds within timeout_seconds.
Status ProbeTcp(const std::string& host, int port, int timeout_seconds);

}  // namespace qcflow::dqa3

#endif  // QCFLOW_INGEST_DQA3_SESSION_H_
