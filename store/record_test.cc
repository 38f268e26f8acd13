#include "store/record.h"

#include <gtest/gtest.h>

namespace qcflow {
namespace {

Record Sample() {
  Record r;
  r.kind = Kind::kMpc;
  r.flags = kFlagQuarantined;
  r.source_id = "tds:/mnt/VA_Transfer/TDS";
  r.event_time = -12345;  // before 1970 must survive too
  r.event_time_text = "2020-11-06-09-59-21";
  r.capture_time = 1'700'000'000'000'000;
  r.dedup_key = std::string("run\0folder", 10);
  r.meta = R"({"path":"x/Results.csv"})";
  r.payload = std::string(5000, 'a') + std::string("\0\xff", 2);
  return r;
}

TEST(Envelope, RoundTripsEveryField) {
  std::string bytes;
  EncodeEnvelope(Sample(), &bytes);
  auto v = DecodeEnvelope(bytes);
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  Record r = v->ToRecord();
  Record s = Sample();
  EXPECT_EQ(r.kind, s.kind);
  EXPECT_TRUE(r.quarantined());
  EXPECT_EQ(r.source_id, s.source_id);
  EXPECT_EQ(r.event_time, s.event_time);
  EXPECT_EQ(r.event_time_text, s.event_time_text);
  EXPECT_EQ(r.capture_time, s.capture_time);
  EXPECT_EQ(r.dedup_key, s.dedup_key);
  EXPECT_EQ(r.meta, s.meta);
  EXPECT_EQ(r.payload, s.payload);
}

TEST(Envelope, EveryTruncationIsCorruptionNotGarbage) {
  std::string bytes;
  Record s = Sample();
  s.payload = "short";
  EncodeEnvelope(s, &bytes);
  for (size_t n = 0; n < bytes.size(); ++n) {
    auto v = DecodeEnvelope(std::string_view(bytes.data(), n));
    ASSERT_FALSE(v.ok()) << "prefix of " << n << " bytes decoded";
    EXPECT_EQ(v.status().code(), Status::Code::kCorruption);
  }
  EXPECT_FALSE(DecodeEnvelope(bytes + "x").ok()) << "trailing bytes must be rejected";
}

TEST(Envelope, OtherVersionIsIncompatible) {
  std::string bytes;
  EncodeEnvelope(Sample(), &bytes);
  bytes[0] = char(kEnvelopeVersion + 1);
  auto v = DecodeEnvelope(bytes);
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.status().code(), Status::Code::kIncompatible);
  EXPECT_NE(v.status().message().find("version"), std::string::npos);
}

TEST(Envelope, UnknownKindIsIncompatible) {
  std::string bytes;
  EncodeEnvelope(Sample(), &bytes);
  bytes[1] = char(9);  // between the built-in and the registered codes
  EXPECT_EQ(DecodeEnvelope(bytes).status().code(), Status::Code::kIncompatible);
  bytes[1] = char(0);
  EXPECT_EQ(DecodeEnvelope(bytes).status().code(), Status::Code::kIncompatible);
}

TEST(Envelope, ARegisteredKindsCodeDecodes) {
  Record r = Sample();
  r.kind = Kind(kFirstRegisteredKind + 3);
  std::string bytes;
  EncodeEnvelope(r, &bytes);
  auto v = DecodeEnvelope(bytes);
  ASSERT_TRUE(v.ok()) << v.status().message();
  EXPECT_EQ(uint8_t(v->kind), kFirstRegisteredKind + 3);
}

TEST(Kind, NamesRoundTrip) {
  for (Kind k : {Kind::kIcom, Kind::kMpc, Kind::kDqa3, Kind::kFile, Kind::kEvent}) {
    EXPECT_EQ(ParseKind(KindName(k)), k);
  }
  EXPECT_FALSE(ParseKind("linac").has_value());
}

}  // namespace
}  // namespace qcflow
