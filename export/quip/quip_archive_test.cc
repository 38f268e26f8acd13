#include "export/quip/quip_archive.h"

#include <gtest/gtest.h>

#include "export/quip/quip_reader.h"
#include "process/common/sample_sessions_testing.h"
#include "process/icom/delivery_session.h"
#include "process/icom/delivery_session_testing.h"

namespace qcflow::quip {
namespace {

TEST(QuipArchiveTest, AWrittenDocumentReadBackHoldsExactlyTheSessionsWritten) {
  const QcSession dqa3 = qcflow::testing::SampleDqa3Session();
  QcSession later = dqa3;
  later.user_key += "-later";
  later.work_started += 60 * kMicrosPerSecond;  // another test: another time
  QcSession changed = dqa3;
  changed.user_key += "-changed";
  for (TestResult& t : changed.tests) {
    if (t.key == "dose") *t.number += 0.5;
  }
  auto doc = QuipArchiveFormat().open(std::nullopt);
  ASSERT_TRUE(doc.ok());
  ASSERT_TRUE((*doc)->Append(dqa3, archive::NoSources()).ok());
  auto text = (*doc)->Text();
  ASSERT_TRUE(text.ok());
  ASSERT_TRUE(ReadQuipJson(*text).ok());

  auto again = QuipArchiveFormat().open(*text);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_TRUE((*again)->Holds(dqa3));
  EXPECT_FALSE((*again)->Holds(later));
  EXPECT_FALSE((*again)->Holds(changed));
  ASSERT_TRUE((*again)->Append(later, archive::NoSources()).ok());
  auto both = ReadQuipJson(*(*again)->Text());
  ASSERT_TRUE(both.ok());
  ASSERT_EQ(both->machines.size(), 1u);  // same machine and configuration: one entry
  EXPECT_EQ(both->machines[0].tests.size(), 2u);
}

TEST(QuipArchiveTest, ADocumentThatIsNotValidQuipIsRefused) {
  EXPECT_FALSE(QuipArchiveFormat().open(std::string_view("{\"machines\": [{}]}")).ok());
  EXPECT_FALSE(QuipArchiveFormat().open(std::string_view("[")).ok());
}

TEST(QuipArchiveTest, AnIcomDeliveryIsAValidDocumentWithoutThePatient) {
  const icom::Delivery d = qcflow::testing::SampleClosedDelivery();
  const QcSession s = icom::DeliverySession(d, "Europe/Berlin");
  ASSERT_TRUE(ValidateQcSession(s).ok()) << ValidateQcSession(s).ToString();
  auto doc = QuipArchiveFormat().open(std::nullopt);
  ASSERT_TRUE(doc.ok());
  ASSERT_TRUE((*doc)->Append(s, archive::NoSources()).ok());
  EXPECT_TRUE((*doc)->Holds(s));
  auto text = (*doc)->Text();
  ASSERT_TRUE(text.ok());
  ASSERT_TRUE(ReadQuipJson(*text).ok()) << *text;
  EXPECT_NE(text->find("101.5"), std::string::npos) << "the delivered MU";
  EXPECT_EQ(text->find(d.patient_id), std::string::npos);
  EXPECT_EQ(text->find("DOE"), std::string::npos);
}

}  // namespace
}  // namespace qcflow::quip
