#include "process/common/text_template.h"

#include <gtest/gtest.h>

namespace qcflow {
namespace {

const std::map<std::string, std::string> kMpcVars = {
    {"check_type", "Beam and Geometry Checks"}, {"serial", "1234"}};

TEST(RenderTemplate, DefaultMpcTemplate) {
  auto r = RenderTemplate("MPC: {{ check_type }}", kMpcVars);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(*r, "MPC: Beam and Geometry Checks");
}

TEST(RenderTemplate, WhitespaceInsideBracesIsOptional) {
  EXPECT_EQ(*RenderTemplate("{{check_type}}", kMpcVars), "Beam and Geometry Checks");
  EXPECT_EQ(*RenderTemplate("{{   serial\t}}", kMpcVars), "1234");
  EXPECT_EQ(*RenderTemplate("SN{{serial}}-{{ serial }}", kMpcVars), "SN1234-1234");
}

TEST(RenderTemplate, LiteralTextIsKept) {
  EXPECT_EQ(*RenderTemplate("", kMpcVars), "");
  EXPECT_EQ(*RenderTemplate("no variables", kMpcVars), "no variables");
  EXPECT_EQ(*RenderTemplate("a } b }} c { d", kMpcVars), "a } b }} c { d");
  EXPECT_EQ(*RenderTemplate("ends with {", kMpcVars), "ends with {");
  EXPECT_EQ(*RenderTemplate("{x} {{serial}}", kMpcVars), "{x} 1234");
}

TEST(RenderTemplate, ValuesAreNotReinterpreted) {
  std::map<std::string, std::string> vars = {{"a", "{{ b }}"}, {"b", "B"}};
  EXPECT_EQ(*RenderTemplate("{{a}}{{b}}", vars), "{{ b }}B");
}

TEST(RenderTemplate, UnknownVariableNamesItAndListsKnownOnes) {
  auto r = RenderTemplate("MPC: {{ check }}", kMpcVars);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(r.status().message(),
            "template 'MPC: {{ check }}': unknown variable 'check'; known variables: "
            "check_type, serial");
}

TEST(RenderTemplate, UnterminatedBraces) {
  auto r = RenderTemplate("MPC: {{ check_type", kMpcVars);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kInvalidArgument);
  EXPECT_NE(r.status().message().find("position 5 is never closed"), std::string::npos)
      << r.status().message();
  EXPECT_FALSE(RenderTemplate("{{ serial }", kMpcVars).ok());
}

TEST(RenderTemplate, RejectsExpressionsBlocksAndEmptyBraces) {
  auto filter = RenderTemplate("{{ check_type|upper }}", kMpcVars);
  ASSERT_FALSE(filter.ok());
  EXPECT_NE(filter.status().message().find("not a plain variable"), std::string::npos);
  EXPECT_FALSE(RenderTemplate("{{ 1serial }}", kMpcVars).ok());
  EXPECT_FALSE(RenderTemplate("{{ a b }}", kMpcVars).ok());
  auto empty = RenderTemplate("x{{ }}", kMpcVars);
  ASSERT_FALSE(empty.ok());
  EXPECT_NE(empty.status().message().find("empty"), std::string::npos);
  auto block = RenderTemplate("{% if x %}y{% endif %}", kMpcVars);
  ASSERT_FALSE(block.ok());
  EXPECT_NE(block.status().message().find("'{%' at position 0"), std::string::npos);
  EXPECT_FALSE(RenderTemplate("{# note #}", kMpcVars).ok());
}

TEST(CheckTemplate, AcceptsKnownRejectsUnknown) {
  const std::vector<std::string> known = {"check_type", "serial"};
  EXPECT_TRUE(CheckTemplate("MPC: {{ check_type }}", known).ok());
  EXPECT_TRUE(CheckTemplate("plain", known).ok());
  Status s = CheckTemplate("{{ serial }} {{ beam }}", known);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message(),
            "template '{{ serial }} {{ beam }}': unknown variable 'beam'; known variables: "
            "check_type, serial");
  EXPECT_FALSE(CheckTemplate("{{ serial", known).ok());
  Status none = CheckTemplate("{{ x }}", {});
  EXPECT_NE(none.message().find("known variables: (none)"), std::string::npos);
}

TEST(TemplateVariables, InOrderWithoutDuplicates) {
  auto v = TemplateVariables("{{b}} {{ a }} {{b}}");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(*v, (std::vector<std::string>{"b", "a"}));
  EXPECT_TRUE(TemplateVariables("none")->empty());
  EXPECT_FALSE(TemplateVariables("{{").ok());
}

}  // namespace
}  // namespace qcflow
