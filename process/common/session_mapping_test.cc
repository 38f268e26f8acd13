#include "process/common/session_mapping.h"

#include <gtest/gtest.h>

namespace qcflow {
namespace {

// A DQA3 session as built, with the inputs its unit and test list came from.
QcSession Dqa3Session() {
  QcSession s;
  s.user_key = "QCPump/DQA3/7/2024-05-02 07:30:00/42";
  s.unit_name = "frozen at build time";
  s.test_list_name = "Daily QA3 Results: 6 MV";
  s.machine_names = {"Bunker 2/Versa HD", "Versa HD", "7"};
  s.test_list_vars = {{"beam_name", "6 MV"}, {"machine_name", "Versa HD"}};
  return s;
}

TEST(SessionMapping, UnitRefSaysWhetherItIsANameOrANumber) {
  EXPECT_EQ(UnitRef::Numbered(12).Describe(), "number 12");
  EXPECT_EQ(UnitRef::Named("12").Describe(), "name '12'");
}

TEST(SessionMapping, FindUnitTriesTheNamesInOrder) {
  UnitMap units = {{"Versa HD", UnitRef::Named("by machine name")}, {"7", UnitRef::Numbered(3)}};
  EXPECT_EQ(FindUnit(units, {"Bunker 2/Versa HD", "Versa HD", "7"}), UnitRef::Named("by machine name"));
  EXPECT_EQ(FindUnit(units, {"Bunker 2/Other", "Other", "7"}), UnitRef::Numbered(3));
  EXPECT_EQ(FindUnit(units, {"x"}), std::nullopt);
}

TEST(SessionMapping, TheCurrentUnitsMapAndTemplateDecide) {
  SessionMapping m;
  m.source = "dqa3";
  m.maps_units = true;
  m.units = {{"Bunker 2/Versa HD", UnitRef::Numbered(12)}};
  m.test_list_template = "DQA3 {{ machine_name }}: {{ beam_name }}";
  QcSession s = Dqa3Session();
  ASSERT_TRUE(ApplySessionMapping(m, &s).ok());
  EXPECT_EQ(s.unit_number, 12);
  EXPECT_EQ(s.unit_name, "");
  EXPECT_EQ(s.test_list_name, "DQA3 Versa HD: 6 MV");
  EXPECT_EQ(s.user_key, Dqa3Session().user_key) << "the identity never changes";

  m.units = {{"7", UnitRef::Named("Versa")}};
  ASSERT_TRUE(ApplySessionMapping(m, &s).ok());
  EXPECT_EQ(s.unit_number, std::nullopt);
  EXPECT_EQ(s.unit_name, "Versa");
}

TEST(SessionMapping, AMachineLeftOutOfTheMapOrAnUnknownVariableSaysWhatToFix) {
  SessionMapping m;
  m.source = "dqa3";
  m.maps_units = true;
  QcSession s = Dqa3Session();
  Status st = ApplySessionMapping(m, &s);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("machine 'Bunker 2/Versa HD' is not in the source's units map"),
            std::string::npos) << st.message();
  EXPECT_NE(st.message().find("qcflow replay --dead-letters"), std::string::npos);

  m.maps_units = false;
  m.test_list_template = "{{ energy }}";
  st = ApplySessionMapping(m, &s);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("energy"), std::string::npos) << st.message();
}

TEST(SessionMapping, Version1SessionsKeepWhatTheyWereBuiltWith) {
  SessionMapping m;
  m.maps_units = true;  // nothing maps: the session carries no machine names
  m.test_list_template = "Other {{ beam_name }}";
  QcSession s = Dqa3Session();
  s.machine_names.clear();
  s.test_list_vars.clear();
  ASSERT_TRUE(ApplySessionMapping(m, &s).ok());
  EXPECT_EQ(s.unit_name, "frozen at build time");
  EXPECT_EQ(s.test_list_name, "Daily QA3 Results: 6 MV");
}

}  // namespace
}  // namespace qcflow
