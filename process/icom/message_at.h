// The iCom message a linac sent nearest a moment: `qcflow query icom --at`
// and GET /api/v1/icom/at read it through the journal's time index.
#ifndef QCFLOW_PROCESS_ICOM_MESSAGE_AT_H_
#define QCFLOW_PROCESS_ICOM_MESSAGE_AT_H_

#include <cstdint>
#include <optional>
#include <string>

#include "store/journal.h"
#include "store/status.h"
#include "store/time_util.h"

namespace qcflow::icom {

struct IcomMessageAt {
  uint64_t seq = 0;    // the journal record holding it
  MicrosUtc time = 0;  // its event time
};

// The linac's iCom record nearest `at` (ties: the earlier; of messages
// sharing a timestamp, the first); nullopt when the linac has none. Looks
// forward with one indexed read, and backward through windows growing
// tenfold (the index reads forward only), so a busy linac costs a few index
// entries.
Result<std::optional<IcomMessageAt>> FindIcomMessageNear(Journal& journal, const std::string& linac, MicrosUtc at);

}  // namespace qcflow::icom

#endif  // QCFLOW_PROCESS_ICOM_MESSAGE_AT_H_
