// MetricFamilies: Prometheus text (format 0.0.4) assembled from many
// components. Each part adds the samples of the families it knows; the text
// keeps every family's samples together under one "# HELP" / "# TYPE" (as the
// format requires), in the order the families were first declared.
#ifndef QCFLOW_PROCESS_COMPONENT_METRIC_FAMILIES_H_
#define QCFLOW_PROCESS_COMPONENT_METRIC_FAMILIES_H_

#include <string>
#include <vector>

namespace qcflow::component {

// Escapes a Prometheus label value (backslash, double quote, newline).
std::string PromLabel(const std::string& value);

// key="escaped value", for MetricFamilies::Sample.
std::string PromLabelPair(const char* key, const std::string& value);

class MetricFamilies {
 public:
  // Declares a family; declaring one again (another part of the same kind)
  // keeps the first declaration.
  void Family(const std::string& name, const char* type, const char* help);
  // `labels`: "" or PromLabelPair(...)[,...]. Whole numbers print without a
  // fraction. REQUIRES: Family(name, ...) was called.
  void Sample(const std::string& name, const std::string& labels, double value);
  // Every family, in declaration order, with its samples.
  std::string Render() const;

 private:
  struct FamilyText {
    std::string name, header, samples;
  };
  FamilyText* Find(const std::string& name);
  std::vector<FamilyText> families_;
};

}  // namespace qcflow::component

#endif  // QCFLOW_PROCESS_COMPONENT_METRIC_FAMILIES_H_
