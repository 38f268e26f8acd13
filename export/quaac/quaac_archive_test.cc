#include "export/quaac/quaac_archive.h"

#include <gtest/gtest.h>

#include "export/quaac/quaac_reader.h"
#include "process/common/sample_sessions_testing.h"
#include "process/icom/delivery_session.h"
#include "process/icom/delivery_session_testing.h"

namespace qcflow::quaac {
namespace {

archive::ArchiveFormat Format() { return QuaacArchiveFormat({.site_user = {"QA team", "qa@clinic.org"}}); }

TEST(QuaacArchiveTest, AWrittenDocumentReadBackHoldsItsSessionsAndNoOther) {
  const QcSession mpc = qcflow::testing::SampleMpcSession();
  const QcSession dqa3 = qcflow::testing::SampleDqa3Session();
  auto doc = Format().open(std::nullopt);
  ASSERT_TRUE(doc.ok());
  EXPECT_FALSE((*doc)->Holds(mpc));
  ASSERT_TRUE((*doc)->Append(mpc).ok());
  EXPECT_TRUE((*doc)->Holds(mpc));
  auto text = (*doc)->Text();
  ASSERT_TRUE(text.ok());
  EXPECT_TRUE(CheckQuaacJson(*text).empty());

  auto again = Format().open(*text);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_TRUE((*again)->Holds(mpc));
  EXPECT_FALSE((*again)->Holds(dqa3));
  ASSERT_TRUE((*again)->Append(dqa3).ok());
  auto both = ReadQuaacJson(*(*again)->Text());
  ASSERT_TRUE(both.ok());
  size_t of_mpc = 0, of_dqa3 = 0;
  for (const DataPoint& dp : both->datapoints) {
    const std::string& s = dp.parameters.at(std::string(kSessionParameter));
    of_mpc += s == mpc.user_key;
    of_dqa3 += s == dqa3.user_key;
  }
  EXPECT_EQ(of_mpc, 2u);  // two measured tests; the skipped one is no datapoint
  EXPECT_GT(of_dqa3, 0u);
}

TEST(QuaacArchiveTest, ADocumentThatIsNotValidQuaacIsRefused) {
  EXPECT_FALSE(Format().open(std::string_view("{\"version\": \"1.0\"}")).ok());
  EXPECT_FALSE(Format().open(std::string_view("not json")).ok());
}

TEST(QuaacArchiveTest, AnIcomDeliveryIsAValidDocumentWithoutThePatient) {
  const icom::Delivery d = qcflow::testing::SampleClosedDelivery();
  const QcSession s = icom::DeliverySession(d, "Europe/Berlin");
  ASSERT_TRUE(ValidateQcSession(s).ok()) << ValidateQcSession(s).ToString();
  auto doc = Format().open(std::nullopt);
  ASSERT_TRUE(doc.ok());
  ASSERT_TRUE((*doc)->Append(s).ok());
  EXPECT_TRUE((*doc)->Holds(s));
  auto text = (*doc)->Text();
  ASSERT_TRUE(text.ok());
  EXPECT_TRUE(CheckQuaacJson(*text).empty()) << *text;
  EXPECT_NE(text->find("101.5"), std::string::npos) << "the delivered MU";
  EXPECT_EQ(text->find(d.patient_id), std::string::npos);
  EXPECT_EQ(text->find("DOE"), std::string::npos);
}

}  // namespace
}  // namespace qcflow::quaac
