#include "export/quaac/quaac_archive.h"

#include <gtest/gtest.h>

#include <map>

#include "export/quaac/attachment_testing.h"
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
  ASSERT_TRUE((*doc)->Append(mpc, archive::NoSources()).ok());
  EXPECT_TRUE((*doc)->Holds(mpc));
  auto text = (*doc)->Text();
  ASSERT_TRUE(text.ok());
  EXPECT_TRUE(CheckQuaacJson(*text).empty());

  auto again = Format().open(*text);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_TRUE((*again)->Holds(mpc));
  EXPECT_FALSE((*again)->Holds(dqa3));
  ASSERT_TRUE((*again)->Append(dqa3, archive::NoSources()).ok());
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
  ASSERT_TRUE((*doc)->Append(s, archive::NoSources()).ok());
  EXPECT_TRUE((*doc)->Holds(s));
  auto text = (*doc)->Text();
  ASSERT_TRUE(text.ok());
  EXPECT_TRUE(CheckQuaacJson(*text).empty()) << *text;
  EXPECT_NE(text->find("101.5"), std::string::npos) << "the delivered MU";
  EXPECT_EQ(text->find(d.patient_id), std::string::npos);
  EXPECT_EQ(text->find("DOE"), std::string::npos);
}

// A journal of three records, counting its reads.
struct FakeJournal {
  std::map<uint64_t, std::string> records{{7, "Name [Unit],Value\nA [mm],0.1\n"},
                                          {9, "Name [Unit],Value\nB [%],-0.2\n"},
                                          {11, "{\"row\": 1}"}};
  int reads = 0;
  archive::SourceReader Reader() {
    return [this](uint64_t seq) -> Result<std::string> {
      ++reads;
      auto it = records.find(seq);
      if (it == records.end()) return Status::NotFound("record " + std::to_string(seq) + " is gone");
      return it->second;
    };
  }
};

archive::ArchiveFormat Attaching() {
  return QuaacArchiveFormat({.site_user = {"QA team", "qa@clinic.org"}, .attach_source = true});
}

TEST(QuaacArchiveTest, AttachSourcePutsEachSourceRecordOnEveryDatapointOfItsSession) {
  QcSession mpc = qcflow::testing::SampleMpcSession();
  mpc.source_seqs = {7, 9};
  mpc.source_files = {"run-1/Results.csv", "run-2/Results.csv"};
  QcSession dqa3 = qcflow::testing::SampleDqa3Session();
  dqa3.source_seqs = {11};
  dqa3.source_files.clear();
  FakeJournal journal;
  auto doc = Attaching().open(std::nullopt);
  ASSERT_TRUE(doc.ok());
  ASSERT_TRUE((*doc)->Append(mpc, journal.Reader()).ok());
  ASSERT_TRUE((*doc)->Append(dqa3, journal.Reader()).ok());
  EXPECT_EQ(journal.reads, 3);
  auto text = (*doc)->Text();
  ASSERT_TRUE(text.ok());
  EXPECT_TRUE(CheckQuaacJson(*text).empty()) << "hashes of the attachments as the reference computes them";
  auto read = ReadQuaacJson(*text);
  ASSERT_TRUE(read.ok());
  ASSERT_EQ(read->attachments.size(), 3u);
  std::map<std::string, std::string> bytes_by_name;
  for (const Attachment& a : read->attachments) bytes_by_name[a.name] = qcflow::testing::AttachmentBytes(a);
  EXPECT_EQ(bytes_by_name["run-1/Results.csv"], journal.records[7]);
  EXPECT_EQ(bytes_by_name["run-2/Results.csv"], journal.records[9]);
  EXPECT_EQ(bytes_by_name["dqa3-record-11.json"], journal.records[11]);
  for (const DataPoint& dp : read->datapoints) {
    const bool of_mpc = dp.parameters.at(std::string(kSessionParameter)) == mpc.user_key;
    EXPECT_EQ(dp.attachments.size(), of_mpc ? 2u : 1u) << dp.name;
    for (size_t a : dp.attachments) {
      ASSERT_LT(a, read->attachments.size());
      EXPECT_EQ(read->attachments[a].name.ends_with("Results.csv"), of_mpc) << dp.name;
    }
  }
}

TEST(QuaacArchiveTest, AttachSourceRefusesASessionWhoseRecordCannotBeReadAndKeepsTheDocument) {
  QcSession mpc = qcflow::testing::SampleMpcSession();
  mpc.source_seqs = {7, 8};
  FakeJournal journal;
  auto doc = Attaching().open(std::nullopt);
  ASSERT_TRUE(doc.ok());
  Status s = (*doc)->Append(mpc, journal.Reader());
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("record 8"), std::string::npos) << s.message();
  EXPECT_FALSE((*doc)->Holds(mpc));
  auto read = ReadQuaacJson(*(*doc)->Text());
  ASSERT_TRUE(read.ok());
  EXPECT_TRUE(read->datapoints.empty());
  EXPECT_TRUE(read->attachments.empty());
}

TEST(QuaacArchiveTest, WithoutAttachSourceOrForAnIcomDeliveryNoRecordIsRead) {
  QcSession mpc = qcflow::testing::SampleMpcSession();
  mpc.source_seqs = {7};
  const QcSession delivery = icom::DeliverySession(qcflow::testing::SampleClosedDelivery(), "UTC");
  ASSERT_FALSE(delivery.source_seqs.empty());
  FakeJournal journal;
  auto plain = Format().open(std::nullopt);
  ASSERT_TRUE(plain.ok());
  ASSERT_TRUE((*plain)->Append(mpc, journal.Reader()).ok());
  auto attaching = Attaching().open(std::nullopt);
  ASSERT_TRUE(attaching.ok());
  ASSERT_TRUE((*attaching)->Append(delivery, journal.Reader()).ok());
  EXPECT_EQ(journal.reads, 0);
  EXPECT_TRUE(ReadQuaacJson(*(*attaching)->Text())->attachments.empty());
}

}  // namespace
}  // namespace qcflow::quaac
