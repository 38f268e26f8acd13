// The iCom encoder: MessageBuilder writes one Elekta iCom message in the layout
// of icom_format.h (the preamble as 00 00 04 04 then four zero bytes). It is the
// single encoder used by tests, benchmarks and the simulator (sim/), so the
// framer and decoder are always checked against the bytes the simulator
// streams; encoder_test.cc round-trips it through the decoder.
#ifndef QCFLOW_INGEST_ICOM_ENCODER_H_
#define QCFLOW_INGEST_ICOM_ENCODER_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "ingest/icom/icom_format.h"

namespace qcflow::icom {

// "YYYY-MM-DDhh:mm:ss" for a UTC Unix time in seconds (the linac clock is a
// wall clock; the simulator treats it as UTC).
std::string FormatIcomTimestamp(int64_t unix_seconds);

class MessageBuilder {
 public:
  // REQUIRES: timestamp.size() == kTimestampSize (not validated: tests build
  // deliberately bad timestamps).
  MessageBuilder(std::string_view timestamp, uint8_t counter);

  // One element with an ASCII value; `vr` must be 2 characters.
  MessageBuilder& Add(uint16_t group, uint16_t element, std::string_view vr, char part,
                      std::string_view value);
  // Decimal value with `decimals` fraction digits ("12.50").
  MessageBuilder& AddNumber(uint16_t group, uint16_t element, char part, double value,
                            int decimals = 2);
  // The "no value" sentinel (-32767) for a DS element.
  MessageBuilder& AddNoValue(uint16_t group, uint16_t element, char part);
  // Collimation block: 0x00B8 DS header `kind` (MLCX, ASYMX, ASYMY) followed
  // by one 0x011C DS element per position (cm, 2 decimals).
  MessageBuilder& AddCollimation(char part, std::string_view kind,
                                 std::span<const double> positions);
  // One 0x1016 (or 0x1018 when `previous`) LO R element per interlock.
  MessageBuilder& AddInterlocks(std::span<const std::string> interlocks, bool previous = false);
  // Arbitrary bytes appended as they are (malformed-input tests).
  MessageBuilder& AddRaw(std::string_view bytes);

  const std::string& bytes() const { return out_; }
  // Returns the message and leaves the builder empty.
  std::string Finish() { return std::move(out_); }

 private:
  std::string out_;
};

}  // namespace qcflow::icom

#endif  // QCFLOW_INGEST_ICOM_ENCODER_H_
