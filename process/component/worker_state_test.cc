#include "process/component/worker_state.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace qcflow::component {
namespace {

TEST(WorkerState, CommonFieldsRoundTripAndUnknownFieldsAreTolerated) {
  SourceState s;
  s.kind = "mpc";
  s.state = "unavailable";
  s.last_error = "TDS directory /x is not readable";
  s.sessions_emitted = 7;
  auto back = DecodeSourceState("tb", EncodeSourceState(s));
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back->name, "tb");
  EXPECT_EQ(back->kind, "mpc");
  EXPECT_EQ(back->state, "unavailable");
  EXPECT_EQ(back->last_error, s.last_error);
  EXPECT_EQ(back->sessions_emitted, 7u);
  auto newer = DecodeSinkState("q", R"({"paused":true,"something_new":[1]})");
  ASSERT_TRUE(newer.ok());
  EXPECT_TRUE(newer->paused);
  EXPECT_FALSE(DecodeSinkState("q", "[1]").ok());
  EXPECT_FALSE(DecodeSourceState("tb", "not json").ok());
}

TEST(WorkerState, AKindsExtraFieldsRoundTripAtTheTopLevel) {
  SourceState s;
  s.kind = "dqa3";
  s.extra.Set("race_flagged", uint64_t(3));
  s.extra.Set("connected", true);
  s.extra.Set("schema", "DQA3 \"6.1\"");
  s.extra.Set("unmapped", std::vector<std::string>{"M1", "M2"});
  const std::string json = EncodeSourceState(s);
  EXPECT_NE(json.find("\"race_flagged\":3"), std::string::npos) << json;  // beside the common ones
  auto back = DecodeSourceState("db", json);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->extra.Number("race_flagged"), 3u);
  EXPECT_TRUE(back->extra.Flag("connected"));
  EXPECT_EQ(back->extra.Text("schema"), "DQA3 \"6.1\"");
  EXPECT_EQ(back->extra.List("unmapped"), (std::vector<std::string>{"M1", "M2"}));
  // Common fields are not duplicated into extra.
  EXPECT_EQ(back->extra.values().count("state"), 0u);
  EXPECT_EQ(back->extra.values().count("kind"), 0u);
}

TEST(WorkerState, ExtraOfAnotherTypeOrAbsentReadsAsEmpty) {
  SourceState s;
  s.extra.Set("messages", std::string("many"));
  auto back = DecodeSourceState("x", EncodeSourceState(s));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->extra.Number("messages"), 0u);
  EXPECT_EQ(back->extra.Text("absent"), "");
  EXPECT_TRUE(back->extra.List("messages").empty());
  EXPECT_FALSE(back->extra.Flag("messages"));
}

TEST(WorkerState, ACommonFieldWinsOverAnExtraOfTheSameName) {
  SourceState s;
  s.state = "ok";
  s.extra.Set("state", "shadowed");
  auto back = DecodeSourceState("x", EncodeSourceState(s));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->state, "ok");
}

TEST(WorkerState, ARecordWrittenBeforeExtrasExistedStillReads) {
  // The shape qcflow wrote before kinds had their own fields (an iCom record).
  auto old = DecodeSourceState(
      "TB1", R"({"kind":"icom","state":"ok","last_run":"2026-11-01T08:00:00Z","messages":12,)"
             R"("bytes":3400,"last_message":"2026-11-01T07:59:58Z"})");
  ASSERT_TRUE(old.ok());
  EXPECT_EQ(old->kind, "icom");
  EXPECT_EQ(old->extra.Number("messages"), 12u);
  EXPECT_EQ(old->extra.Number("bytes"), 3400u);
  EXPECT_EQ(old->extra.Text("last_message"), "2026-11-01T07:59:58Z");
}

TEST(WorkerState, ProcessStateRoundTrips) {
  ProcessState p;
  p.pid = 4242;
  p.started_at = "2026-12-01T00:00:00Z";
  p.version = "1.2.3";
  p.display_zone = "Europe/Berlin";
  auto back = DecodeProcessState(EncodeProcessState(p));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->pid, 4242);
  EXPECT_EQ(back->started_at, p.started_at);
  EXPECT_EQ(back->stopped_at, "");
  EXPECT_EQ(back->version, "1.2.3");
  EXPECT_EQ(back->display_zone, "Europe/Berlin");
  auto old = DecodeProcessState(R"({"pid":1,"started_at":"2026-12-01T00:00:00Z","version":"1.0"})");
  ASSERT_TRUE(old.ok());  // recorded before display_zone existed
  EXPECT_EQ(old->display_zone, "");
}

}  // namespace
}  // namespace qcflow::component
