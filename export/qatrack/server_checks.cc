#include "export/qatrack/server_checks.h"

#include <nlohmann/json.hpp>
#include <set>

#include "export/qatrack/outcome.h"

namespace qcflow::qatrack {
namespace {

using nlohmann::json;
using Kind = Outcome::Kind;

constexpr int kAttempts = 3;     // 307s from an appliance are retried this often
constexpr int kMaxPages = 100;   // a list longer than this is not a lookup any more
constexpr int kMaxDepth = 10;    // sublists of sublists...

std::string StrField(const json& obj, const char* field) {
  auto it = obj.find(field);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : std::string();
}

json Parse(const std::string& text) { return json::parse(text, nullptr, /*allow_exceptions=*/false); }

}  // namespace

ServerChecks::ServerChecks(HttpClient* http, std::string api_url, Sleep sleep)
    : http_(http), api_url_(std::move(api_url)), display_url_(SafeUrl(api_url_)), sleep_(std::move(sleep)) {}

Status ServerChecks::Failure(const HttpResponse& r, const std::string& what) const {
  Outcome o = ClassifyLookup(r.status, r.body, r.error);
  std::string msg = "QATrack+ at " + display_url_ + ", " + what + ": " + o.message +
                    (r.error_message.empty() ? "" : " (" + r.error_message + ")");
  if (o.kind == Kind::kPauseAuth) return Status::InvalidArgument(msg);
  if (o.kind == Kind::kTransient || o.kind == Kind::kThrottled || o.kind == Kind::kRetrySoon) {
    return Status::Unavailable(msg);
  }
  return Status::FailedPrecondition(msg);
}

Result<HttpResponse> ServerChecks::Send(const std::string& url, const std::string* post_body,
                                        const std::string& what) {
  HttpResponse r;
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    r = post_body ? http_->PostJson(url, *post_body) : http_->Get(url);
    if (r.error != TransportError::kNone || r.status != 307) return r;
    sleep_(std::chrono::seconds(1));
  }
  return Status::Unavailable("QATrack+ at " + display_url_ + ", " + what + ": keeps answering 307 (a "
                             "network appliance between qcflow and the server?)");
}

Status ServerChecks::CheckToken() {
  const std::string what = "checking the token (GET units/units/)";
  auto r = Send(api_url_ + "/units/units/?limit=1", nullptr, what);
  if (!r.ok()) return r.status();
  if (r->error == TransportError::kNone && r->status == 200) return Status::OK();
  return Failure(*r, what);
}

Status ServerChecks::CheckUploadPermission() {
  const std::string what = "checking the permission to upload (POST testlistinstances/ with {})";
  const std::string empty = "{}";
  auto r = Send(api_url_ + "/qa/testlistinstances/", &empty, what);
  if (!r.ok()) return r.status();
  if (r->error == TransportError::kNone && r->status == 400) {
    json j = Parse(r->body);
    if (j.is_object() && (j.contains("work_started") || j.contains("tests"))) return Status::OK();
  }
  if (r->error == TransportError::kNone && r->status == 403) {
    return Status::FailedPrecondition("QATrack+ at " + display_url_ + " does not let the token's user upload "
                                      "(HTTP 403 on POST testlistinstances/): give that user the permission "
                                      "'qa | test list instance | Can add test list instance' (e.g. via a "
                                      "group), or use the token of a user who has it");
  }
  if (r->error == TransportError::kNone && r->status == 201) {
    return Status::Internal("QATrack+ at " + display_url_ + " stored an empty upload; report this");
  }
  return Failure(*r, what);
}

Result<std::string> ServerChecks::GetObject(const std::string& url, const std::string& what) {
  auto r = Send(WithTrailingSlash(url), nullptr, what);
  if (!r.ok()) return r.status();
  if (r->error != TransportError::kNone || r->status != 200) return Failure(*r, what);
  return r->body;
}

Result<std::vector<std::string>> ServerChecks::List(const std::string& route, const std::string& what) {
  std::vector<std::string> out;
  std::string url = api_url_ + "/" + route;
  for (int page = 0; page < kMaxPages && !url.empty(); ++page) {
    auto body = GetObject(url, what);
    if (!body.ok()) return body.status();
    json j = Parse(*body);
    if (!j.is_object() || !j["results"].is_array()) {
      return Status::FailedPrecondition("QATrack+ at " + display_url_ + ", " + what +
                                        ": the answer is not a QATrack+ list; is url the API root?");
    }
    for (const json& item : j["results"]) out.push_back(item.dump());
    url = j["next"].is_string() ? j["next"].get<std::string>() : std::string();
  }
  return out;
}

Result<std::vector<ServerChecks::Unit>> ServerChecks::UnitsWith(const std::string& field,
                                                                 const std::string& value) {
  const std::string what = "looking up units with " + field + " '" + value + "'";
  auto items = List("units/units/?" + field + "=" + UrlEncode(value), what);
  if (!items.ok()) return items.status();
  std::vector<Unit> out;
  for (const std::string& text : *items) {
    json u = Parse(text);
    if (!u.is_object() || !u["number"].is_number_integer()) continue;
    Unit unit;
    unit.number = u["number"].get<long>();
    unit.name = StrField(u, "name");
    unit.serial_number = StrField(u, "serial_number");
    unit.active = !u["active"].is_boolean() || u["active"].get<bool>();
    const std::string echoed = field == "number" ? std::to_string(unit.number)
                               : field == "name" ? unit.name
                                                 : unit.serial_number;
    if (echoed == value) out.push_back(std::move(unit));  // an ignored filter returns every unit
  }
  return out;
}

Result<ServerChecks::Assignments> ServerChecks::AssignmentsOf(long unit_number, const std::string& test_list) {
  const std::string what = "looking up assignments of test list '" + test_list + "' to unit " +
                           std::to_string(unit_number);
  auto items = List("qa/unittestcollections/?unit__number=" + std::to_string(unit_number) +
                        "&name=" + UrlEncode(test_list),
                    what);
  if (!items.ok()) return items.status();
  Assignments a;
  for (const std::string& text : *items) {
    json c = Parse(text);
    if (!c.is_object() || StrField(c, "name") != test_list) continue;
    (c["active"].is_boolean() && !c["active"].get<bool>() ? a.inactive : a.active) += 1;
  }
  return a;
}

Result<std::optional<std::map<std::string, std::string>>> ServerChecks::TestListTests(const std::string& name) {
  const std::string what = "looking up test lists named '" + name + "'";
  auto items = List("qa/testlists/?name=" + UrlEncode(name), what);
  if (!items.ok()) return items.status();
  std::vector<json> lists;
  for (const std::string& text : *items) {
    json tl = Parse(text);
    if (tl.is_object() && StrField(tl, "name") == name) lists.push_back(std::move(tl));
  }
  if (lists.empty()) return std::optional<std::map<std::string, std::string>>();
  if (lists.size() > 1) {
    return Status::FailedPrecondition("QATrack+ at " + display_url_ + " has " + std::to_string(lists.size()) +
                                      " test lists named '" + name + "' (exactly one is needed; rename the others)");
  }
  // The upload expects the tests of the list and of all its sublists.
  std::map<std::string, std::string> tests;
  std::set<std::string> seen_lists;
  std::vector<std::pair<json, int>> todo = {{lists.front(), 0}};
  while (!todo.empty()) {
    auto [tl, depth] = std::move(todo.back());
    todo.pop_back();
    for (const json& url : tl["tests"].is_array() ? tl["tests"] : json::array()) {
      if (!url.is_string()) continue;
      auto body = GetObject(url.get<std::string>(), what + " (its tests)");
      if (!body.ok()) return body.status();
      json t = Parse(*body);
      if (t.is_object() && !StrField(t, "slug").empty()) tests[StrField(t, "slug")] = StrField(t, "type");
    }
    for (const json& url : tl["test_lists"].is_array() ? tl["test_lists"] : json::array()) {
      if (!url.is_string() || depth >= kMaxDepth || !seen_lists.insert(url.get<std::string>()).second) continue;
      auto body = GetObject(url.get<std::string>(), what + " (its sublists)");
      if (!body.ok()) return body.status();
      todo.emplace_back(Parse(*body), depth + 1);
    }
  }
  return std::optional<std::map<std::string, std::string>>(std::move(tests));
}

}  // namespace qcflow::qatrack
