#include "process/component/metric_families.h"

#include <gtest/gtest.h>

#include <string>

namespace qcflow::component {
namespace {

TEST(MetricFamilies, SamplesOfOneFamilyStayTogetherUnderOneHeader) {
  MetricFamilies m;
  // Two parts of the same kind, interleaved with another family.
  m.Family("qcflow_a", "counter", "A things.");
  m.Sample("qcflow_a", PromLabelPair("source", "tb1"), 1);
  m.Family("qcflow_b", "gauge", "B things.");
  m.Sample("qcflow_b", "", 2.5);
  m.Family("qcflow_a", "counter", "A, declared again.");
  m.Sample("qcflow_a", PromLabelPair("source", "tb2"), 3);
  EXPECT_EQ(m.Render(),
            "# HELP qcflow_a A things.\n"
            "# TYPE qcflow_a counter\n"
            "qcflow_a{source=\"tb1\"} 1\n"
            "qcflow_a{source=\"tb2\"} 3\n"
            "# HELP qcflow_b B things.\n"
            "# TYPE qcflow_b gauge\n"
            "qcflow_b 2.500000\n");
}

TEST(MetricFamilies, LabelValuesAreEscaped) {
  EXPECT_EQ(PromLabel("a\\b\"c\nd"), "a\\\\b\\\"c\\nd");
  EXPECT_EQ(PromLabelPair("linac", "TB \"1\""), "linac=\"TB \\\"1\\\"\"");
}

TEST(MetricFamilies, ASampleOfAnUndeclaredFamilyIsDropped) {
  MetricFamilies m;
  m.Sample("qcflow_nobody", "", 1);
  EXPECT_EQ(m.Render(), "");
}

TEST(MetricFamilies, LargeCountsPrintWhole) {
  MetricFamilies m;
  m.Family("qcflow_bytes", "counter", "Bytes.");
  m.Sample("qcflow_bytes", "", 12345678901.0);
  EXPECT_NE(m.Render().find("qcflow_bytes 12345678901\n"), std::string::npos) << m.Render();
}

}  // namespace
}  // namespace qcflow::component
