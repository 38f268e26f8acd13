// A zone's offset from UTC at an instant, and its ISO 8601 / RFC 2822 text:
// what archive formats write after a local time ("+01:00", "-0700").
#ifndef QCFLOW_PROCESS_COMMON_UTC_OFFSET_H_
#define QCFLOW_PROCESS_COMMON_UTC_OFFSET_H_

#include <string>
#include <string_view>

#include "store/status.h"
#include "store/time_util.h"

namespace qcflow {

// The offset of `zone` (IANA name; "" or "UTC" for UTC) at instant `t`, in
// minutes east of UTC (Berlin in summer: 120). InvalidArgument for an unknown zone.
Result<int> UtcOffsetMinutes(MicrosUtc t, std::string_view zone);

// "+HH:MM" (colon) or "+HHMM": "-07:00" / "-0700" for -420.
std::string FormatUtcOffset(int minutes, bool colon);

}  // namespace qcflow

#endif  // QCFLOW_PROCESS_COMMON_UTC_OFFSET_H_
