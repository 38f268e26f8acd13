#include "process/component/metric_families.h"

#include <cstdint>
#include <cstdio>

namespace qcflow::component {

std::string PromLabel(const std::string& value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

std::string PromLabelPair(const char* key, const std::string& value) {
  return std::string(key) + "=\"" + PromLabel(value) + "\"";
}

MetricFamilies::FamilyText* MetricFamilies::Find(const std::string& name) {
  for (FamilyText& f : families_) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

void MetricFamilies::Family(const std::string& name, const char* type, const char* help) {
  if (Find(name)) return;
  families_.push_back({name, "# HELP " + name + " " + help + "\n# TYPE " + name + " " + type + "\n", ""});
}

void MetricFamilies::Sample(const std::string& name, const std::string& labels, double value) {
  FamilyText* f = Find(name);
  if (!f) return;  // REQUIRES violated: dropping beats printing an undeclared family
  std::string& out = f->samples;
  out += name;
  if (!labels.empty()) out += "{" + labels + "}";
  char buf[40];
  if (value == double(int64_t(value))) {
    std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(value));
  } else {
    std::snprintf(buf, sizeof buf, "%.6f", value);
  }
  out += " ";
  out += buf;
  out += "\n";
}

std::string MetricFamilies::Render() const {
  std::string out;
  for (const FamilyText& f : families_) out += f.header + f.samples;
  return out;
}

}  // namespace qcflow::component
