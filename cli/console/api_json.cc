#include "cli/console/api_json.h"

#include "cli/console/console_api.h"

#include <charconv>


namespace qcflow::console {
namespace {

using nlohmann::json;

constexpr size_t kMaxLimit = 1000;

bool ParseCount(const std::string& text, size_t* out) {
  auto [end, err] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return !text.empty() && err == std::errc() && end == text.data() + text.size();
}

}  // namespace

HttpAnswer JsonAnswer(int status, json doc) {
  doc["v"] = model::kVersion;
  HttpAnswer a;
  a.status = status;
  a.body = doc.dump(-1, ' ', false, json::error_handler_t::replace);
  return a;
}

Page ParsePage(const ParsedTarget& t) {
  Page p;
  if (auto it = t.query.find("limit"); it != t.query.end()) {
    if (!ParseCount(it->second, &p.limit) || p.limit < 1 || p.limit > kMaxLimit) {
      p.error = "limit must be a whole number from 1 to " + std::to_string(kMaxLimit);
    }
  }
  if (auto it = t.query.find("offset"); it != t.query.end()) {
    if (!ParseCount(it->second, &p.offset)) p.error = "offset must be a whole number (0 or more)";
  }
  return p;
}

json PageJson(const Page& p, uint64_t total, json items) {
  const uint64_t next = p.offset + items.size();
  return {{"total", total},
          {"offset", p.offset},
          {"limit", p.limit},
          {"next_offset", next < total ? json(next) : json(nullptr)},
          {"items", std::move(items)}};
}

std::string ParseBound(const ParsedTarget& t, const char* name, std::string_view zone, MicrosUtc* out) {
  auto it = t.query.find(name);
  if (it == t.query.end() || it->second.empty()) return "";
  auto v = ParseTimeArg(it->second, zone);
  if (!v.ok()) return std::string(name) + ": " + v.status().message();
  *out = *v;
  return "";
}

HttpAnswer ErrorAnswer(int status, const std::string& message) {
  return JsonAnswer(status, {{"error", message}});
}

}  // namespace qcflow::console
