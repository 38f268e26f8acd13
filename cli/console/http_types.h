// The console's view of one HTTP exchange, so the API and the pages are plain
// functions (tested without a socket) and Boost.Beast stays in console_server.cc.
#ifndef QCFLOW_CLI_CONSOLE_HTTP_TYPES_H_
#define QCFLOW_CLI_CONSOLE_HTTP_TYPES_H_

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace qcflow::console {

struct HttpExchange {
  std::string method;         // "GET", "POST", ...
  std::string target;         // "/api/v1/dead-letters?limit=10"
  std::string authorization;  // the Authorization header, "" when absent
  std::string body;
};

struct HttpAnswer {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra ones
};

// "/a/b?x=1&y=%20z" -> path "/a/b", query {x: "1", y: " z"} (percent and '+'
// decoded; the last of a repeated key wins).
struct ParsedTarget {
  std::string path;
  std::map<std::string, std::string> query;
};
ParsedTarget ParseTarget(std::string_view target);

}  // namespace qcflow::console

#endif  // QCFLOW_CLI_CONSOLE_HTTP_TYPES_H_
