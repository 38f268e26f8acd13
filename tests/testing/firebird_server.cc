#include "tests/testing/firebird_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <glob.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>
#include <vector>

namespace qcflow::testing {
namespace {

namespace fs = std::filesystem;

// QCFLOW_FIREBIRD_SERVER overrides the server binary (the fixture's own test uses
// it to check the message for a missing server).
std::string ServerBinary() {
  const char* env = ::getenv("QCFLOW_FIREBIRD_SERVER");
  return env && *env ? env : "/usr/sbin/firebird";
}
constexpr const char* kIsqlBinary = "/usr/bin/isql-fb";
constexpr const char* kSharedLog = "/var/log/firebird/firebird3.0.log";
constexpr const char* kInstallHint =
    "install the Debian packages firebird3.0-server and firebird3.0-utils "
    "(scripts/install-deps does, as root)";

std::string ReadFileOrEmpty(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string Tail(const std::string& text, size_t lines) {
  size_t pos = text.size();
  for (size_t n = 0; n <= lines && pos > 0; ++n) {
    pos = text.rfind('\n', pos - 1);
    if (pos == std::string::npos) return text;
  }
  return text.substr(pos + 1);
}

// A port the kernel just handed out on 127.0.0.1. Another process could take it
// before the server binds; Launch then fails with the server's own message.
Result<int> FreeLoopbackPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return Status::IOError("socket() failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ::close(fd);
    return Status::IOError("cannot find a free port on 127.0.0.1");
  }
  ::close(fd);
  return static_cast<int>(ntohs(addr.sin_port));
}

bool CanConnect(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  ::close(fd);
  return ok;
}

std::string RandomHex(size_t n) {
  std::random_device rd;
  std::mt19937_64 rng((uint64_t{rd()} << 32) ^ rd());
  const char* digits = "0123456789abcdef";
  std::string s;
  for (size_t i = 0; i < n; ++i) s += digits[rng() % 16];
  return s;
}

// The directory holding libfbintl.so (Debian: /usr/lib/<multiarch>/firebird/3.0/intl).
std::string FindIntlDir() {
  glob_t g{};
  std::string found;
  if (::glob("/usr/lib/*/firebird/3.0/intl/libfbintl.so", 0, nullptr, &g) == 0 &&
      g.gl_pathc > 0) {
    found = fs::path(g.gl_pathv[0]).parent_path().string();
  }
  ::globfree(&g);
  return found;
}

}  // namespace

Result<std::unique_ptr<FirebirdServer>> FirebirdServer::Start() {
  const std::string binary = ServerBinary();
  if (::access(binary.c_str(), X_OK) != 0) {
    return Status::FailedPrecondition("the Firebird 3 server " + binary + " is missing: " +
                                      kInstallHint);
  }
  if (::access(kIsqlBinary, X_OK) != 0) {
    return Status::FailedPrecondition(std::string("Firebird's isql ") + kIsqlBinary +
                                      " is missing: " + kInstallHint);
  }
  std::unique_ptr<FirebirdServer> server(new FirebirdServer());
  server->binary_ = binary;
  const char* tmp = ::getenv("TMPDIR");
  std::string tmpl = std::string(tmp && *tmp ? tmp : "/tmp") + "/qcflow-fb-XXXXXX";
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  if (::mkdtemp(buf.data()) == nullptr) {
    return Status::IOError("cannot create a temp directory from " + tmpl);
  }
  server->root_ = buf.data();
  server->password_ = "qc" + RandomHex(10);
  Result<int> port = FreeLoopbackPort();
  if (!port.ok()) return port.status();
  server->port_ = *port;
  QCFLOW_RETURN_IF_ERROR(server->Bootstrap());
  QCFLOW_RETURN_IF_ERROR(server->Launch());
  QCFLOW_RETURN_IF_ERROR(server->WaitUntilListening());
  return server;
}

FirebirdServer::~FirebirdServer() {
  Stop();
  if (!root_.empty()) {
    std::error_code ec;
    fs::remove_all(root_, ec);
  }
}

std::string FirebirdServer::EnvPrefix() const {
  return "FIREBIRD='" + root_ + "' FIREBIRD_LOCK='" + root_ + "/lock' FIREBIRD_TMP='" + root_ +
         "/tmp' ";
}

Result<std::string> FirebirdServer::Isql(const std::string& args, const std::string& script) {
  std::string path = root_ + "/script" + std::to_string(++script_counter_) + ".sql";
  {
    std::ofstream out(path, std::ios::binary);
    out << script;
    if (!out) return Status::IOError("cannot write " + path);
  }
  std::string cmd = EnvPrefix() + kIsqlBinary + " -q -b " + args + " -i '" + path + "' 2>&1";
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) return Status::IOError("cannot run " + std::string(kIsqlBinary));
  std::string output;
  char chunk[4096];
  size_t n;
  while ((n = ::fread(chunk, 1, sizeof(chunk), p)) > 0) output.append(chunk, n);
  int rc = ::pclose(p);
  if (rc != 0) {
    return Status::Internal("isql-fb failed (status " + std::to_string(rc) + "): " + output);
  }
  return output;
}

Status FirebirdServer::Bootstrap() {
  for (const char* sub : {"lock", "tmp", "data", "intl"}) {
    std::error_code ec;
    fs::create_directories(root_ + "/" + sub, ec);
    if (ec) return Status::IOError("cannot create " + root_ + "/" + sub + ": " + ec.message());
  }
  // Character sets other than NONE/ASCII/UTF8 live in fbintl, found under the
  // root directory. Firebird rejects a symlinked copy, so the two files are copied.
  std::string intl = FindIntlDir();
  if (intl.empty()) {
    return Status::FailedPrecondition(std::string("Firebird's libfbintl.so is missing: ") +
                                      kInstallHint);
  }
  for (const char* f : {"libfbintl.so", "fbintl.conf"}) {
    std::error_code ec;
    fs::copy_file(intl + "/" + f, root_ + "/intl/" + f, fs::copy_options::overwrite_existing, ec);
    if (ec) return Status::IOError("cannot copy " + intl + "/" + f + ": " + ec.message());
  }
  std::ofstream conf(root_ + "/firebird.conf");
  conf << "RemoteBindAddress = 127.0.0.1\n"
       << "RemoteServicePort = " << port_ << "\n"
       << "ServerMode = Super\n"
       << "SecurityDatabase = " << root_ << "/security3.fdb\n"
       << "AuthServer = Srp\nAuthClient = Srp\nUserManager = Srp\nWireCrypt = Enabled\n";
  std::ofstream(root_ + "/databases.conf") << "# private to the qcflow test fixture\n";
  if (!conf) return Status::IOError("cannot write " + root_ + "/firebird.conf");
  conf.close();
  // Embedded mode (no server yet): create the security database, then SYSDBA with
  // a password in it. Srp creates its user table on first use.
  Result<std::string> created =
      Isql("", "CREATE DATABASE '" + root_ + "/security3.fdb' USER 'SYSDBA';\n");
  if (!created.ok()) return created.status().WithContext("creating the security database");
  Result<std::string> user = Isql("-user SYSDBA '" + root_ + "/security3.fdb'",
                                  "CREATE USER SYSDBA PASSWORD '" + password_ +
                                      "' USING PLUGIN Srp;\nCOMMIT;\n");
  if (!user.ok()) return user.status().WithContext("creating SYSDBA");
  return Status::OK();
}

Status FirebirdServer::Launch() {
  std::string out = root_ + "/server.out";
  pid_t pid = ::fork();
  if (pid < 0) return Status::IOError("fork() failed");
  if (pid == 0) {
    ::setpgid(0, 0);
    int fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
      ::dup2(fd, 1);
      ::dup2(fd, 2);
      ::close(fd);
    }
    ::setenv("FIREBIRD", root_.c_str(), 1);
    ::setenv("FIREBIRD_LOCK", (root_ + "/lock").c_str(), 1);
    ::setenv("FIREBIRD_TMP", (root_ + "/tmp").c_str(), 1);
    ::execl(binary_.c_str(), "firebird", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  pid_ = pid;
  return Status::OK();
}

Status FirebirdServer::WaitUntilListening() {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    int wstatus = 0;
    if (::waitpid(pid_, &wstatus, WNOHANG) == pid_) {
      pid_ = -1;
      return Status::Unavailable("the Firebird server exited during start-up (status " +
                                 std::to_string(wstatus) + "):\n" + Diagnostics());
    }
    if (CanConnect(port_)) return Status::OK();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  std::string diag = Diagnostics();
  Stop();
  return Status::Unavailable("the Firebird server did not accept connections on 127.0.0.1:" +
                             std::to_string(port_) + " within 20 s:\n" + diag);
}

void FirebirdServer::Stop() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (std::chrono::steady_clock::now() < deadline) {
    if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
      pid_ = -1;
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

Result<std::string> FirebirdServer::CreateDatabase(const std::string& name,
                                                   const std::string& charset) {
  std::string path = root_ + "/data/" + name;
  std::string script = "CREATE DATABASE '" + host_ + "/" + std::to_string(port_) + ":" + path +
                       "' USER '" + user_ + "' PASSWORD '" + password_ +
                       "' PAGE_SIZE 8192 DEFAULT CHARACTER SET " + charset + ";\n";
  Result<std::string> r = Isql("", script);
  if (!r.ok()) return r.status().WithContext("creating Firebird database " + path);
  return path;
}

Result<std::string> FirebirdServer::RunIsql(const std::string& database,
                                            const std::string& script) {
  std::string target = host_ + "/" + std::to_string(port_) + ":" + database;
  // Scripts are UTF-8 text; the server transliterates to each column's charset.
  return Isql("-ch UTF8 -user " + user_ + " -password " + password_ + " '" + target + "'",
              script);
}

std::string FirebirdServer::Diagnostics() const {
  std::string s = "--- server output (" + root_ + "/server.out) ---\n" +
                  ReadFileOrEmpty(root_ + "/server.out");
  s += "\n--- tail of " + std::string(kSharedLog) + " ---\n" +
       Tail(ReadFileOrEmpty(kSharedLog), 20);
  return s;
}

}  // namespace qcflow::testing
