// Decodes one framed iCom message (a Framer Frame's bytes) into IcomMessage.
//
// Each element's length is validated against the buffer. A malformed element
// (implausible header, or a length running past the end) is reported as a
// DecodeIssue with its offset, and decoding resumes at the next position
// whose 12 bytes read as a plausible element header that fits in the buffer
// (a byte-by-byte search); the rest of the message is decoded from there.
// Numbers are parsed with std::from_chars (locale-independent); -32767,
// 32767, NaN and infinity mean "no value". Elements not in the spec's table are skipped.
#ifndef QCFLOW_INGEST_ICOM_DECODER_H_
#define QCFLOW_INGEST_ICOM_DECODER_H_

#include <cstdint>
#include <string_view>

#include "ingest/icom/icom_message.h"
#include "store/status.h"

namespace qcflow::icom {

// Decodes `bytes` into *out (cleared first; its buffers are reused, so
// decoding a stream into one IcomMessage does not allocate per message).
// Returns Corruption only when the 27-byte header itself is unusable (too
// short or a bad timestamp); element problems go to out->issues.
Status DecodeMessage(std::string_view bytes, IcomMessage* out);

// Counter continuity (wraps 255 -> 0): messages missing between `previous`
// and `current` (0 when consecutive; a repeat reads as 255 missing, so
// callers dedup repeats first).
inline int CounterGap(uint8_t previous, uint8_t current) {
  return static_cast<uint8_t>(current - previous - 1);
}

}  // namespace qcflow::icom

#endif  // QCFLOW_INGEST_ICOM_DECODER_H_
