// Test helper: fills a journal with iCom records from the simulator's
// LinacGenerator, shaped as capture writes them (kind icom, source_id = linac,
// event_time = the message timestamp read as UTC, payload = the raw bytes),
// for transform, query and bench tests that need known truth.
#ifndef QCFLOW_TESTS_TESTING_ICOM_JOURNAL_H_
#define QCFLOW_TESTS_TESTING_ICOM_JOURNAL_H_

#include <string>

#include "ingest/icom/sim/linac_generator.h"
#include "store/record.h"
#include "store/status.h"

namespace qcflow {
class Journal;
}

namespace qcflow::testing {

// One iCom record for `bytes` (a whole message; its timestamp is read as UTC).
// The dedup key is "linac|timestamp|counter|size|<first 16 hex of the bytes' hash>".
Record IcomTestRecord(const std::string& linac, std::string bytes);

// Appends config.messages generated messages, one record per Next() (REQUIRES:
// messages > 0; a truncated message is recorded short, garbage stays at the end
// of its message's record, as the framer keeps unchained bytes), in batches;
// returns the generator's truth.
Result<icom::GeneratorTruth> AppendGeneratedIcom(Journal* journal, const std::string& linac,
                                                 const icom::LinacGeneratorConfig& config);

}  // namespace qcflow::testing

#endif  // QCFLOW_TESTS_TESTING_ICOM_JOURNAL_H_
