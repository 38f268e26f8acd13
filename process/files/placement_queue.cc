#include "process/files/placement_queue.h"

#include <nlohmann/json.hpp>

namespace qcflow::files {

std::string PlacementPrefix(std::string_view source) { return std::string(source) + "/"; }

std::string PlacementKey(std::string_view source, std::string_view user_key) {
  return PlacementPrefix(source) + std::string(user_key);
}

std::string EncodePending(const PendingPlacement& p) {
  return nlohmann::json{{"user_key", p.user_key}, {"dir", p.dir},   {"path", p.path},
                        {"size", p.size},         {"hash", p.hash}, {"sinks", p.sinks}}
      .dump();
}

Result<PendingPlacement> DecodePending(std::string_view value) {
  auto j = nlohmann::json::parse(value, nullptr, false);
  PendingPlacement p;
  try {
    if (!j.is_object()) throw std::runtime_error("not an object");
    p.user_key = j.at("user_key").get<std::string>();
    p.dir = j.at("dir").get<std::string>();
    p.path = j.at("path").get<std::string>();
    p.size = j.at("size").get<uint64_t>();
    p.hash = j.at("hash").get<uint64_t>();
    p.sinks = j.at("sinks").get<std::vector<std::string>>();
  } catch (const std::exception& e) {
    return Status::Corruption(std::string("a file waiting to be placed is garbled: ") + e.what());
  }
  return p;
}

std::string EncodePlaced(const PlacedFile& p) {
  return nlohmann::json{{"action", p.action}, {"from", p.from}, {"to", p.to},
                        {"result", p.result}, {"when", p.when}}
      .dump();
}

Result<PlacedFile> DecodePlaced(std::string_view value) {
  auto j = nlohmann::json::parse(value, nullptr, false);
  PlacedFile p;
  try {
    if (!j.is_object()) throw std::runtime_error("not an object");
    for (auto [field, out] : {std::pair{"action", &p.action}, std::pair{"from", &p.from},
                              std::pair{"to", &p.to}, std::pair{"result", &p.result},
                              std::pair{"when", &p.when}}) {
      *out = j.at(field).get<std::string>();
    }
  } catch (const std::exception& e) {
    return Status::Corruption(std::string("a placed-file record is garbled: ") + e.what());
  }
  return p;
}

}  // namespace qcflow::files
