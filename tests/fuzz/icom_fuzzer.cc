// libFuzzer target: the iCom framer and decoder on arbitrary bytes, as a linac
// connection or an archive file would deliver them.
//
// Checked beyond "no crash": the frames do not depend on how the bytes are cut
// into reads (one Feed and many small Feeds give the same frames, as TCP gives
// any split), every byte fed is accounted for (in a frame, skipped or
// truncated), no frame exceeds max_message_size, and the decoder reports
// element problems with offsets within the message and returns finite numbers.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ingest/icom/framer.h"
#include "ingest/icom/decoder.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

using qcflow::fuzz::Check;
using qcflow::icom::Framer;
using qcflow::icom::FramerOptions;
using qcflow::icom::Frame;
using qcflow::icom::IcomMessage;

// Small (the seeds' messages are 4-9 KB), so oversize candidates are reached
// with inputs libFuzzer grows to.
constexpr size_t kMaxMessage = 16384;

struct Framed {
  std::vector<std::string> frames;
  std::vector<size_t> chained;
  qcflow::icom::FramerStats stats;
};

// Feeds `bytes` in pieces of the sizes `cuts` cycles through (0 = all at once),
// then ends the stream as an archive file ends.
Framed FrameAll(std::string_view bytes, std::string_view cuts) {
  Framed out;
  Framer framer(
      [&out](const Frame& f) {
        out.frames.emplace_back(f.bytes);
        out.chained.push_back(f.chained_size);
      },
      FramerOptions{kMaxMessage});
  size_t pos = 0, i = 0;
  while (pos < bytes.size()) {
    size_t n = cuts.empty() ? bytes.size() : 1 + static_cast<uint8_t>(cuts[i++ % cuts.size()]);
    n = std::min(n, bytes.size() - pos);
    framer.Feed(bytes.substr(pos, n));
    pos += n;
  }
  framer.FlushArchive();
  out.stats = framer.stats();
  return out;
}

void CheckNumber(const std::optional<double>& v) {
  Check(!v || std::isfinite(*v), "decoded number is not finite");
}

void Decode(std::string_view frame) {
  static IcomMessage message;  // reused, as the transform does
  if (!qcflow::icom::DecodeMessage(frame, &message).ok()) return;
  for (const auto& issue : message.issues) {
    // Issues about a part as a whole (odd MLC count) point at its end.
    Check(issue.offset <= frame.size(), "decode issue offset past the message");
  }
  for (const auto* v : {&message.segment, &message.total_mu, &message.delivery_mu,
                        &message.backup_delivery_mu, &message.segment_mu, &message.gantry_deg,
                        &message.collimator_deg, &message.table_column_deg,
                        &message.table_isocentric_deg, &message.table_vertical,
                        &message.table_longitudinal, &message.table_lateral}) {
    CheckNumber(*v);
  }
  for (const auto& part : message.collimation) {
    for (double leaf : part.mlc) Check(std::isfinite(leaf), "MLC position is not finite");
    for (const auto& jaws : {part.asym_x, part.asym_y}) {
      Check(!jaws || (std::isfinite((*jaws)[0]) && std::isfinite((*jaws)[1])), "jaw is not finite");
    }
  }
}

}  // namespace

// Input: one byte n, then n bytes of read sizes, then the stream.
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const size_t ncuts = std::min<size_t>(data[0], size - 1);
  const std::string_view cuts(reinterpret_cast<const char*>(data) + 1, ncuts);
  const std::string_view stream(reinterpret_cast<const char*>(data) + 1 + ncuts,
                                size - 1 - ncuts);

  const Framed whole = FrameAll(stream, {});
  const Framed pieces = FrameAll(stream, cuts.empty() ? std::string_view("\x00", 1) : cuts);
  Check(whole.frames == pieces.frames, "frames depend on how the stream is split into reads");
  Check(whole.chained == pieces.chained, "chained sizes depend on the read split");

  uint64_t framed_bytes = 0;
  for (size_t i = 0; i < whole.frames.size(); ++i) {
    Check(whole.frames[i].size() <= kMaxMessage, "frame larger than max_message_size");
    Check(whole.chained[i] <= whole.frames[i].size(), "chained_size past the frame");
    framed_bytes += whole.frames[i].size();
  }
  const auto& s = whole.stats;
  Check(s.bytes_fed == stream.size(), "bytes_fed differs from the input");
  Check(framed_bytes + s.skipped_bytes + s.truncated_bytes == s.bytes_fed,
        "bytes neither framed, skipped nor truncated");

  for (const auto& f : whole.frames) Decode(f);
  Decode(stream);  // the decoder alone, on whatever a frame could hold
  return 0;
}
