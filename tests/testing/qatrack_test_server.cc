#include "tests/testing/qatrack_test_server.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#ifndef QCFLOW_QATRACK_SERVER_PY
#error "QCFLOW_QATRACK_SERVER_PY must name tests/qatrack_server/qatrack_server.py (set by CMake)"
#endif
#ifndef QCFLOW_PYTHON3
#define QCFLOW_PYTHON3 "python3"
#endif

extern char** environ;

namespace qcflow::testing {
namespace {

using Clock = std::chrono::steady_clock;

void InitCurlOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

size_t AppendBody(char* data, size_t size, size_t n, void* user) {
  static_cast<std::string*>(user)->append(data, size * n);
  return size * n;
}

std::string DescribeExit(int wstatus) {
  if (WIFEXITED(wstatus)) return "exited with status " + std::to_string(WEXITSTATUS(wstatus));
  if (WIFSIGNALED(wstatus)) return "was killed by signal " + std::to_string(WTERMSIG(wstatus));
  return "stopped";
}

// Waits up to `limit` for `pid` to exit. Returns true (and the status) when reaped.
bool WaitFor(pid_t pid, std::chrono::milliseconds limit, int* wstatus) {
  const auto deadline = Clock::now() + limit;
  while (true) {
    pid_t r = waitpid(pid, wstatus, WNOHANG);
    if (r == pid) return true;
    if (r < 0 && errno != EINTR) return true;  // not our child any more
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

// Kills and reaps `pid`: SIGTERM, then SIGKILL after `grace`. Returns the wait status.
int KillAndReap(pid_t pid, std::chrono::milliseconds grace, bool* clean) {
  int wstatus = 0;
  kill(pid, SIGTERM);
  if (WaitFor(pid, grace, &wstatus)) {
    *clean = WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0;
    return wstatus;
  }
  kill(pid, SIGKILL);
  while (waitpid(pid, &wstatus, 0) < 0 && errno == EINTR) {
  }
  *clean = false;
  return wstatus;
}

void RemoveDir(const std::string& dir) {
  if (dir.empty()) return;
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}

// Reads a positive port number from `path`; 0 when absent or incomplete.
int ReadPort(const std::string& path) {
  std::ifstream in(path);
  int port = 0;
  if (in >> port && port > 0 && port < 65536) return port;
  return 0;
}

}  // namespace

Result<HttpReply> HttpRequest(const std::string& method, const std::string& url,
                              const std::string& body, const std::vector<std::string>& headers,
                              std::chrono::milliseconds timeout) {
  InitCurlOnce();
  CURL* curl = curl_easy_init();
  if (curl == nullptr) return Status::Internal("curl_easy_init failed");
  HttpReply reply;
  curl_slist* list = nullptr;
  for (const std::string& h : headers) list = curl_slist_append(list, h.c_str());
  if (!body.empty()) list = curl_slist_append(list, "Content-Type: application/json");
  list = curl_slist_append(list, "Expect:");  // no 100-continue round trip
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method.c_str());
  if (method == "HEAD") curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  if (!body.empty() || method == "POST") {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  }
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
  curl_easy_setopt(curl, CURLOPT_NOPROXY, "*");
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, AppendBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &reply.body);
  CURLcode rc = curl_easy_perform(curl);
  if (rc == CURLE_OK) curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &reply.status);
  curl_slist_free_all(list);
  curl_easy_cleanup(curl);
  if (rc != CURLE_OK) {
    return Status::Unavailable(method + " " + url + " failed: " + curl_easy_strerror(rc) +
                               " (curl code " + std::to_string(static_cast<int>(rc)) + ")");
  }
  return reply;
}

Result<std::unique_ptr<QatrackTestServer>> QatrackTestServer::Start(const Options& options) {
  Options opt = options;
  if (opt.python.empty()) opt.python = QCFLOW_PYTHON3;
  if (opt.script.empty()) opt.script = QCFLOW_QATRACK_SERVER_PY;
  if (access(opt.script.c_str(), R_OK) != 0) {
    return Status::FailedPrecondition("QATrack+ test server script not readable: " + opt.script);
  }

  const char* tmp = getenv("TMPDIR");
  std::string tmpl = std::string(tmp && *tmp ? tmp : "/tmp") + "/qcflow-qatrack-XXXXXX";
  if (mkdtemp(tmpl.data()) == nullptr) {
    return Status::IOError("mkdtemp " + tmpl + ": " + strerror(errno));
  }
  const std::string dir = tmpl;
  const std::string port_file = dir + "/port";

  // Everything the child needs is built before fork(): after it only exec-safe calls.
  std::vector<std::string> args = {opt.python, opt.script, "--host", "127.0.0.1", "--port", "0",
                                   "--port-file", port_file, "--token", opt.token,
                                   "--seed", opt.seed};
  if (!opt.zone.empty()) {
    args.push_back("--zone");
    args.push_back(opt.zone);
  }
  if (opt.radmachine) args.push_back("--radmachine");
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_strings;
  for (char** e = environ; *e != nullptr; ++e) {
    if (strncmp(*e, "PYTHONDONTWRITEBYTECODE=", 24) != 0) env_strings.emplace_back(*e);
  }
  env_strings.emplace_back("PYTHONDONTWRITEBYTECODE=1");
  std::vector<char*> envp;
  for (std::string& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);
  const pid_t parent = getpid();

  pid_t pid = fork();
  if (pid < 0) {
    RemoveDir(dir);
    return Status::IOError(std::string("fork: ") + strerror(errno));
  }
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent) _exit(126);
    int devnull = open("/dev/null", O_RDONLY);
    if (devnull >= 0) {
      dup2(devnull, STDIN_FILENO);
      close(devnull);
    }
    execvpe(argv[0], argv.data(), envp.data());
    _exit(127);
  }

  auto fail = [&](const std::string& why) -> Status {
    bool clean = false;
    KillAndReap(pid, std::chrono::milliseconds(2000), &clean);
    RemoveDir(dir);
    return Status::Unavailable("QATrack+ test server (" + opt.python + " " + opt.script + ") " + why);
  };

  const auto deadline = Clock::now() + opt.start_timeout;
  int port = 0;
  while ((port = ReadPort(port_file)) == 0) {
    int wstatus = 0;
    pid_t r = waitpid(pid, &wstatus, WNOHANG);
    if (r == pid) {
      RemoveDir(dir);
      std::string why = DescribeExit(wstatus);
      if (WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 127) why += " (could not execute " + opt.python + ")";
      return Status::Unavailable("QATrack+ test server " + why + " before listening; see its stderr");
    }
    if (Clock::now() >= deadline) {
      return fail("did not write its port file within " + std::to_string(opt.start_timeout.count()) + " ms");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }

  std::unique_ptr<QatrackTestServer> server(new QatrackTestServer(std::move(opt), pid, dir, port));
  Result<HttpReply> health = server->Control("GET", "health");
  if (!health.ok() || health->status != 200) {
    Status st = health.ok() ? Status::Unavailable("health check answered " + std::to_string(health->status))
                            : health.status();
    server->Stop();
    return st.WithContext("QATrack+ test server did not answer its health check");
  }
  return Result<std::unique_ptr<QatrackTestServer>>(std::move(server));
}

QatrackTestServer::~QatrackTestServer() { Stop(); }

std::string QatrackTestServer::root_url() const { return "http://127.0.0.1:" + std::to_string(port_); }

std::string QatrackTestServer::base_url() const { return root_url() + "/api"; }

std::string QatrackTestServer::auth_header() const {
  return std::string(options_.radmachine ? "RadAuthorization" : "Authorization") + ": Token " + options_.token;
}

Status QatrackTestServer::Stop() {
  if (pid_ <= 0) return Status::OK();
  bool clean = false;
  int wstatus = KillAndReap(pid_, std::chrono::milliseconds(5000), &clean);
  pid_ = -1;
  RemoveDir(dir_);
  dir_.clear();
  if (!clean) return Status::Internal("QATrack+ test server " + DescribeExit(wstatus) + " on SIGTERM");
  return Status::OK();
}

Result<HttpReply> QatrackTestServer::Control(const std::string& method, const std::string& route,
                                             const std::string& body) {
  if (pid_ <= 0) return Status::FailedPrecondition("QATrack+ test server is stopped");
  return HttpRequest(method, root_url() + "/_control/" + route, body);
}

Status QatrackTestServer::ControlOk(const std::string& method, const std::string& route,
                                    const std::string& body) {
  Result<HttpReply> r = Control(method, route, body);
  if (!r.ok()) return r.status();
  if (r->status != 200) {
    return Status::InvalidArgument("control " + method + " /_control/" + route + " answered " +
                                   std::to_string(r->status) + ": " + r->body);
  }
  return Status::OK();
}

Status QatrackTestServer::Seed(const std::string& seed_json) { return ControlOk("POST", "seed", seed_json); }

Status QatrackTestServer::SeedBuiltin(const std::string& name) {
  // Built-in names are plain identifiers; no JSON escaping needed beyond rejecting quotes.
  if (name.find_first_of("\"\\") != std::string::npos) return Status::InvalidArgument("bad seed name " + name);
  return ControlOk("POST", "seed", "{\"builtin\":\"" + name + "\"}");
}

Status QatrackTestServer::AddFault(const std::string& rule_json) { return ControlOk("POST", "faults", rule_json); }

Status QatrackTestServer::ClearFaults() { return ControlOk("DELETE", "faults", ""); }

Status QatrackTestServer::Configure(const std::string& config_json) {
  return ControlOk("POST", "config", config_json);
}

Status QatrackTestServer::Reset() { return ControlOk("POST", "reset", ""); }

Result<std::string> QatrackTestServer::Stored() {
  Result<HttpReply> r = Control("GET", "stored");
  if (!r.ok()) return r.status();
  if (r->status != 200) return Status::Internal("GET /_control/stored answered " + std::to_string(r->status));
  return std::move(r->body);
}

Result<std::string> QatrackTestServer::Requests() {
  Result<HttpReply> r = Control("GET", "requests");
  if (!r.ok()) return r.status();
  if (r->status != 200) return Status::Internal("GET /_control/requests answered " + std::to_string(r->status));
  return std::move(r->body);
}

}  // namespace qcflow::testing
