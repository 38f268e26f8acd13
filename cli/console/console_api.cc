#include "cli/console/console_api.h"

#include <nlohmann/json.hpp>

#include "cli/console/api_json.h"
#include "cli/console/deliveries_api.h"
#include "cli/console/icom_at_api.h"
#include "cli/console/records_api.h"
#include "cli/console/sessions_api.h"

namespace qcflow::console {
namespace {

using nlohmann::json;

// A part's own fields (each a stored JSON text) as one object, instants in `zone`.
json DetailsJson(const std::map<std::string, std::string>& details, std::string_view zone) {
  json out = json::object();
  for (const auto& [key, text] : details) out[key] = StoredField(text, zone);
  return out;
}

json ComponentJson(const cli::ComponentSnapshot& c, std::string_view zone) {
  auto at = [zone](const std::string& utc) { return InstantOrNull(utc, zone); };
  return {{"name", c.name},
          {"role", c.role},
          {"kind", c.kind},
          {"state", c.state},
          {"paused", c.paused},
          {"last_run", at(c.last_run)},
          {"last_ok", at(c.last_ok)},
          {"next_run", at(c.next_run)},
          {"last_error", TextOrNull(c.last_error)},
          {"last_error_at", at(c.last_error_at)},
          {"records", NumberOrNull(c.records)},
          {"quarantined", NumberOrNull(c.quarantined)},
          {"records_last_run", NumberOrNull(c.records_last_run)},
          {"pending", NumberOrNull(c.pending)},
          {"oldest_pending", at(c.oldest_pending)},
          {"in_backoff", NumberOrNull(c.in_backoff)},
          {"dead_letters", NumberOrNull(c.dead_letters)},
          {"delivered", NumberOrNull(c.delivered)},
          {"last_success", at(c.last_success)},
          {"details", DetailsJson(c.details, zone)}};
}

// Constant time in the length of `given`, so timing tells nothing of the token.
bool SameToken(const std::string& given, const std::string& token) {
  if (token.empty()) return false;
  unsigned diff = given.size() != token.size();
  for (size_t i = 0; i < given.size(); ++i) diff |= unsigned(given[i] ^ token[i % token.size()]);
  return diff == 0;
}

HttpAnswer Status(const ConsoleBackend& b) {
  auto s = b.status();
  if (!s.ok()) return ErrorAnswer(503, "cannot read the status: " + s.status().message());
  json components = json::array();
  uint64_t pending = 0, dead = 0;
  for (const cli::ComponentSnapshot& c : s->components) {
    components.push_back(ComponentJson(c, b.zone));
    pending += c.pending.value_or(0);
    dead += c.dead_letters.value_or(0);
  }
  return JsonAnswer(200, {{"taken_at", InstantOrNull(s->taken_at, b.zone)},
                          {"zone", b.zone},
                          {"store", s->store_dir},
                          {"records", s->records},
                          {"bytes_on_disk", s->bytes_on_disk},
                          {"daemon", {{"state", "running"},
                                      {"started_at", InstantOrNull(s->daemon_started_at, b.zone)},
                                      {"version", s->version}}},
                          {"pending", pending},
                          {"dead_letters", dead},
                          {"console", {{"write_enabled", !b.token.empty()},
                                       {"show_patient_names", b.show_patient_names}}},
                          {"components", std::move(components)}});
}

HttpAnswer Components(const ConsoleBackend& b, const ParsedTarget& t) {
  const Page p = ParsePage(t);
  if (!p.error.empty()) return ErrorAnswer(400, p.error);
  auto s = b.status();
  if (!s.ok()) return ErrorAnswer(503, "cannot read the status: " + s.status().message());
  return JsonAnswer(200, PageOf(p, s->components, [&b](const cli::ComponentSnapshot& c) {
    return ComponentJson(c, b.zone);
  }));
}

HttpAnswer DeadLetters(const ConsoleBackend& b, const ParsedTarget& t) {
  const Page p = ParsePage(t);
  if (!p.error.empty()) return ErrorAnswer(400, p.error);
  const auto sink = t.query.find("sink");
  auto page = b.dead_letters(sink == t.query.end() ? "" : sink->second, p.offset, p.limit);
  if (!page.ok()) return ErrorAnswer(503, "cannot list dead letters: " + page.status().message());
  json items = json::array();
  for (const cli::DeadLetter& d : page->items) {
    items.push_back({{"sink", d.sink},
                     {"item", d.item},
                     {"attempts", d.attempts},
                     {"since", InstantOrNull(d.since, b.zone)},
                     {"reason", d.reason}});
  }
  return JsonAnswer(200, PageJson(p, page->total, std::move(items)));
}

HttpAnswer Retry(const ConsoleBackend& b, const HttpExchange& r, const ParsedTarget& t) {
  if (b.token.empty()) {
    return ErrorAnswer(403, "the console is read-only: set [console].token_file to allow retries");
  }
  constexpr std::string_view kBearer = "Bearer ";
  if (r.authorization.compare(0, kBearer.size(), kBearer) != 0 ||
      !SameToken(r.authorization.substr(kBearer.size()), b.token)) {
    return ErrorAnswer(403, "retry needs the console's write token: Authorization: Bearer <token>");
  }
  std::string sink;
  if (auto it = t.query.find("sink"); it != t.query.end()) sink = it->second;
  if (!r.body.empty()) {
    json body = json::parse(r.body, nullptr, /*allow_exceptions=*/false);
    if (!body.is_object() || (body.contains("sink") && !body["sink"].is_string())) {
      return ErrorAnswer(400, "the body must be a JSON object such as {\"sink\": \"qatrack\"} (or empty)");
    }
    if (body.contains("sink")) sink = body["sink"].get<std::string>();
  }
  auto n = b.retry(sink);
  if (!n.ok()) {
    return ErrorAnswer(n.status().IsNotFound() ? 404 : 503, "retry failed: " + n.status().message());
  }
  return JsonAnswer(200, {{"requeued", *n}, {"sink", sink.empty() ? json(nullptr) : json(sink)}});
}

HttpAnswer TrendCatalog(const ConsoleBackend& b, const ParsedTarget& t) {
  const Page p = ParsePage(t);
  if (!p.error.empty()) return ErrorAnswer(400, p.error);
  auto all = b.trend_series();
  if (!all.ok()) return ErrorAnswer(503, "cannot list the trends: " + all.status().message());
  return JsonAnswer(200, PageOf(p, *all, [&b](const TrendSeriesInfo& s) -> json {
    return {{"machine", s.machine}, {"test", s.test}, {"name", s.name},
            {"unit", s.unit}, {"kind", s.source_kind}, {"points", s.points},
            {"first", FormatRfc3339(s.first, b.zone)}, {"last", FormatRfc3339(s.last, b.zone)}};
  }));
}

HttpAnswer TrendPoints(const ConsoleBackend& b, const ParsedTarget& t) {
  Page p = ParsePage(t);
  if (!p.error.empty()) return ErrorAnswer(400, p.error);
  TrendQuery q;
  for (auto [name, field] : {std::pair{"machine", &q.machine}, std::pair{"test", &q.test}}) {
    if (auto it = t.query.find(name); it != t.query.end()) *field = it->second;
    if (field->empty()) {
      return ErrorAnswer(400, std::string("a series needs ?machine=<serial or name>&test=<test key>; "
                                          "GET /api/v1/trends lists them (missing: ") + name + ")");
    }
  }
  for (auto [name, bound] : {std::pair{"since", &q.from}, std::pair{"until", &q.until}}) {
    if (std::string e = ParseBound(t, name, b.zone, bound); !e.empty()) return ErrorAnswer(400, e);
  }
  auto series = b.trend(q);
  if (!series.ok()) return ErrorAnswer(503, "cannot read the trend: " + series.status().message());
  json doc = PageOf(p, series->points, [&b](const TrendPoint& pt) -> json {
    return {{"at", FormatRfc3339(pt.at, b.zone)},
            {"value", pt.value},
            {"reference", NumberOrNull(pt.reference)},
            {"tolerance", NumberOrNull(pt.tolerance)},
            {"evaluation", TextOrNull(pt.evaluation)},
            {"session", pt.session},
            {"amendment", pt.amendment}};
  });
  doc["machine"] = series->machine;
  doc["test"] = series->test;
  doc["name"] = series->name;
  doc["unit"] = series->unit;
  return JsonAnswer(200, std::move(doc));
}

HttpAnswer Log(const ConsoleBackend& b, const ParsedTarget& t) {
  const Page p = ParsePage(t);
  if (!p.error.empty()) return ErrorAnswer(400, p.error);
  std::string component;
  if (auto it = t.query.find("component"); it != t.query.end()) component = it->second;
  int level = 0;
  if (auto it = t.query.find("level"); it != t.query.end() && !it->second.empty()) {
    level = cli::ParseLogLevel(it->second);
    if (level < 0) return ErrorAnswer(400, "level must be one of trace, debug, info, warn, error, critical");
  }
  return JsonAnswer(200, PageOf(p, b.log_lines(component, level), [&b](const cli::LogLine& l) -> json {
    return {{"at", FormatRfc3339(l.at, b.zone)},
            {"level", cli::LogLevelName(l.level)},
            {"component", l.component},
            {"message", l.message}};
  }));
}

}  // namespace

HttpAnswer HandleApi(const ConsoleBackend& backend, const HttpExchange& request) {
  const ParsedTarget t = ParseTarget(request.target);
  using Handler = HttpAnswer (*)(const ConsoleBackend&, const HttpExchange&, const ParsedTarget&);
  struct Route {
    const char* path;
    bool post;
    Handler handle;
  };
  // The one list of endpoints: routing, 405s and the 404's hint all read it.
  static const Route kRoutes[] = {
      {"/api/v1/status", false, [](auto& b, auto&, auto&) { return Status(b); }},
      {"/api/v1/components", false, [](auto& b, auto&, auto& t) { return Components(b, t); }},
      {"/api/v1/dead-letters", false, [](auto& b, auto&, auto& t) { return DeadLetters(b, t); }},
      {"/api/v1/dead-letters/retry", true, Retry},
      {"/api/v1/trends", false, [](auto& b, auto&, auto& t) { return TrendCatalog(b, t); }},
      {"/api/v1/trends/series", false, [](auto& b, auto&, auto& t) { return TrendPoints(b, t); }},
      {"/api/v1/deliveries", false, [](auto& b, auto&, auto& t) { return Deliveries(b, t); }},
      {"/api/v1/records", false, [](auto& b, auto&, auto& t) { return Records(b, t); }},
      {"/api/v1/sessions", false, [](auto& b, auto&, auto& t) { return Sessions(b, t); }},
      {"/api/v1/icom/at", false, [](auto& b, auto&, auto& t) { return IcomAt(b, t); }},
      {"/api/v1/log", false, [](auto& b, auto&, auto& t) { return Log(b, t); }},
  };
  const bool get = request.method == "GET" || request.method == "HEAD";
  std::string all;
  for (const Route& route : kRoutes) {
    all += (all.empty() ? "" : ", ") + std::string(route.path);
    if (t.path != route.path) continue;
    if (route.post ? request.method != "POST" : !get) {
      HttpAnswer a = ErrorAnswer(405, std::string(route.path) + " takes " + (route.post ? "POST" : "GET"));
      a.headers.emplace_back("Allow", route.post ? "POST" : "GET, HEAD");
      return a;
    }
    return route.handle(backend, request, t);
  }
  return ErrorAnswer(404, "no such endpoint: " + t.path + " (see docs/api.md: " + all + ")");
}

}  // namespace qcflow::console
