#include "tests/testing/postgres_server.h"

#include <arpa/inet.h>
#include <signal.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <pwd.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <chrono>
#include <random>
#include <sstream>
#include <thread>

namespace qcflow::testing {
namespace {

namespace fs = std::filesystem;

constexpr const char* kInstallHint =
    "install the Debian package postgresql-15 (scripts/install-deps does, as root)";

std::string BinDir() {
  const char* env = ::getenv("QCFLOW_POSTGRES_BINDIR");
  return env && *env ? env : "/usr/lib/postgresql/15/bin";
}

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
// before the server binds; start-up then fails with the server's own message.
Result<int> FreeLoopbackPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return Status::IOError("socket() failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ::close(fd);
    return Status::IOError("cannot find a free port on 127.0.0.1");
  }
  ::close(fd);
  return static_cast<int>(ntohs(addr.sin_port));
}

std::string RandomHex(size_t n) {
  std::random_device rd;
  std::mt19937_64 rng((uint64_t{rd()} << 32) ^ rd());
  const char* digits = "0123456789abcdef";
  std::string s;
  for (size_t i = 0; i < n; ++i) s += digits[rng() % 16];
  return s;
}

}  // namespace

Result<std::unique_ptr<PostgresServer>> PostgresServer::Start() {
  const std::string bindir = BinDir();
  for (const char* tool : {"initdb", "postgres", "pg_isready", "psql"}) {
    const std::string path = bindir + "/" + tool;
    if (::access(path.c_str(), X_OK) != 0) {
      return Status::FailedPrecondition("the PostgreSQL 15 program " + path + " is missing: " +
                                        kInstallHint);
    }
  }
  std::unique_ptr<PostgresServer> server(new PostgresServer());
  server->bindir_ = bindir;
  // As root the server's user must reach the directory: /tmp is world-traversable,
  // a TMPDIR under /root may not be.
  const char* tmp = ::getenv("TMPDIR");
  const bool root = ::geteuid() == 0;
  std::string tmpl = std::string(!root && tmp && *tmp ? tmp : "/tmp") + "/qcflow-pg-XXXXXX";
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  if (::mkdtemp(buf.data()) == nullptr) return Status::IOError("cannot create a temp directory from " + tmpl);
  server->root_ = buf.data();
  if (root) {
    const passwd* pw = ::getpwnam("postgres");
    if (pw == nullptr) pw = ::getpwnam("nobody");
    if (pw == nullptr) {
      return Status::FailedPrecondition("running as root and neither the user postgres nor nobody "
                                        "exists; PostgreSQL refuses to run as root: " + std::string(kInstallHint));
    }
    server->run_uid_ = pw->pw_uid;
    server->run_gid_ = pw->pw_gid;
    if (::chown(server->root_.c_str(), pw->pw_uid, pw->pw_gid) != 0) {
      return Status::IOError("cannot hand " + server->root_ + " to user " + pw->pw_name);
    }
  }
  server->password_ = "qc" + RandomHex(16);
  Result<int> port = FreeLoopbackPort();
  if (!port.ok()) return port.status();
  server->port_ = *port;
  QCFLOW_RETURN_IF_ERROR(server->InitDb());
  QCFLOW_RETURN_IF_ERROR(server->Launch());
  return server;
}

PostgresServer::~PostgresServer() {
  (void)Stop();
  if (!root_.empty()) {
    std::error_code ec;
    fs::remove_all(root_, ec);
  }
}

std::string PostgresServer::Conninfo(const std::string& database) const {
  return "host=" + host_ + " port=" + std::to_string(port_) + " user=" + user_ + " dbname=" + database +
         " connect_timeout=5";
}

Result<std::string> PostgresServer::Run(const std::vector<std::string>& argv) {
  const std::string out = root_ + "/cmd.out";
  pid_t pid = ::fork();
  if (pid < 0) return Status::IOError("fork() failed");
  if (pid == 0) {
    int fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
      ::dup2(fd, 1);
      ::dup2(fd, 2);
      ::close(fd);
    }
    int null = ::open("/dev/null", O_RDONLY);
    if (null >= 0) ::dup2(null, 0);
    if (run_uid_ != uid_t(-1)) {
      if (::setgroups(0, nullptr) != 0 || ::setgid(run_gid_) != 0 || ::setuid(run_uid_) != 0) {
        ::_exit(126);
      }
    }
    if (::chdir(root_.c_str()) != 0) ::_exit(126);
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  int wstatus = 0;
  if (::waitpid(pid, &wstatus, 0) != pid) return Status::IOError("waitpid() failed");
  std::string output = ReadFileOrEmpty(out);
  if (!WIFEXITED(wstatus) || WEXITSTATUS(wstatus) != 0) {
    return Status::Internal(fs::path(argv[0]).filename().string() + " failed (status " +
                            std::to_string(wstatus) + "): " + output);
  }
  while (!output.empty() && output.back() == '\n') output.pop_back();
  return output;
}

Status PostgresServer::InitDb() {
  const std::string pwfile = root_ + "/pwfile";
  {
    std::ofstream(pwfile) << password_ << "\n";
  }
  if (run_uid_ != uid_t(-1) && ::chown(pwfile.c_str(), run_uid_, run_gid_) != 0) {
    return Status::IOError("cannot hand " + pwfile + " to the server's user");
  }
  Result<std::string> init =
      Run({bindir_ + "/initdb", "-D", root_ + "/data", "-U", user_, "--pwfile=" + pwfile,
           "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8", "--no-locale",
           "--no-sync"});
  if (!init.ok()) return init.status().WithContext("initdb");
  // Loopback only, the socket in our directory; durability is not under test here.
  std::ofstream conf(root_ + "/data/postgresql.conf", std::ios::app);
  conf << "\n# qcflow test fixture\nlisten_addresses = '127.0.0.1'\nport = " << port_
       << "\nunix_socket_directories = '" << root_ << "'\nfsync = off\nfull_page_writes = off\n"
       << "synchronous_commit = off\nmax_connections = 40\nshared_buffers = 16MB\n";
  if (!conf) return Status::IOError("cannot append to " + root_ + "/data/postgresql.conf");
  return Status::OK();
}

Status PostgresServer::Launch() {
  const std::string log = root_ + "/server.log";
  const std::string data = root_ + "/data";
  const std::string binary = bindir_ + "/postgres";
  const pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid < 0) return Status::IOError("fork() failed");
  if (pid == 0) {
    int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      ::dup2(fd, 1);
      ::dup2(fd, 2);
      ::close(fd);
    }
    int null = ::open("/dev/null", O_RDONLY);
    if (null >= 0) ::dup2(null, 0);
    if (run_uid_ != uid_t(-1)) {
      if (::setgroups(0, nullptr) != 0 || ::setgid(run_gid_) != 0 || ::setuid(run_uid_) != 0) ::_exit(126);
    }
    // After setuid, which clears it: a test that crashes or is killed takes its
    // server with it (SIGINT: fast shutdown), instead of leaving one running.
    ::prctl(PR_SET_PDEATHSIG, SIGINT);
    if (::getppid() != parent) ::_exit(1);
    if (::chdir(root_.c_str()) != 0) ::_exit(126);
    ::execl(binary.c_str(), "postgres", "-D", data.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  pid_ = pid;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    int wstatus = 0;
    if (::waitpid(pid_, &wstatus, WNOHANG) == pid_) {
      pid_ = -1;
      return Status::Unavailable("PostgreSQL exited during start-up (status " + std::to_string(wstatus) +
                                 "):\n" + Diagnostics());
    }
    if (Run({bindir_ + "/pg_isready", "-q", "-h", root_, "-p", std::to_string(port_)}).ok()) return Status::OK();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  const std::string diag = Diagnostics();
  (void)Stop();
  return Status::Unavailable("PostgreSQL did not accept connections on 127.0.0.1:" + std::to_string(port_) +
                             " within 60 s:\n" + diag);
}

Status PostgresServer::Stop() {
  if (pid_ <= 0) return Status::OK();
  // Fast shutdown (clients disconnected, a clean checkpoint); SIGQUIT, then
  // SIGKILL, if it hangs.
  for (int sig : {SIGINT, SIGQUIT, SIGKILL}) {
    ::kill(pid_, sig);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(sig == SIGKILL ? 60 : 20);
    while (std::chrono::steady_clock::now() < deadline) {
      if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
        pid_ = -1;
        return sig == SIGINT ? Status::OK() : Status::Internal("PostgreSQL ignored a fast shutdown:\n" + Diagnostics());
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  return Status::Internal("PostgreSQL (pid " + std::to_string(pid_) + ") does not exit");
}

Status PostgresServer::Restart() {
  if (pid_ > 0) return Status::FailedPrecondition("the server is running");
  return Launch();
}

Status PostgresServer::CreateDatabase(const std::string& name) {
  Result<std::string> r = Psql("postgres", "CREATE DATABASE \"" + name + "\" ENCODING 'UTF8'");
  return r.ok() ? Status::OK() : r.status();
}

Result<std::string> PostgresServer::Psql(const std::string& database, const std::string& sql) {
  Result<std::string> r =
      Run({bindir_ + "/psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", root_, "-p",
           std::to_string(port_), "-U", user_, "-d", database, "-c", sql});
  if (!r.ok()) return r.status().WithContext("psql in " + database);
  return r;
}

std::string PostgresServer::Diagnostics() const {
  return "--- last command (" + root_ + "/cmd.out) ---\n" + ReadFileOrEmpty(root_ + "/cmd.out") +
         "\n--- tail of " + root_ + "/server.log ---\n" + Tail(ReadFileOrEmpty(root_ + "/server.log"), 20);
}

}  // namespace qcflow::testing
