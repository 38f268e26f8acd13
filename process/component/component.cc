#include "process/component/component.h"

#include <algorithm>

namespace qcflow::component {

Result<std::unique_ptr<Part>> Component::Build(PartEnv&) const {
  return Status::Internal("[[" + common_.section + "]] '" + name() + "' has no runtime part");
}

const ComponentKind* Registry::Find(std::string_view section) const {
  for (const ComponentKind* k : kinds_) {
    if (k->section == section) return k;
  }
  return nullptr;
}

std::vector<std::string> Registry::Names(Role role) const {
  std::vector<std::string> out;
  for (const ComponentKind* k : kinds_) {
    if (k->role == role) out.push_back(SplitSection(k->section).second);
  }
  return out;
}

std::pair<std::string, std::string> SplitSection(std::string_view section) {
  const size_t dot = section.find('.');
  if (dot == std::string_view::npos) return {std::string(section), ""};
  return {std::string(section.substr(0, dot)), std::string(section.substr(dot + 1))};
}

std::vector<ExpectedUpload> CheckContext::UploadsRoutedTo(const std::string& sink) const {
  std::vector<ExpectedUpload> out;
  for (const Component* c : components) {
    if (c->role() != Role::kSource) continue;
    if (std::find(c->sinks().begin(), c->sinks().end(), sink) == c->sinks().end()) continue;
    auto it = uploads.find(c->name());
    if (it != uploads.end()) out.insert(out.end(), it->second.begin(), it->second.end());
  }
  return out;
}

}  // namespace qcflow::component
