// Pairs a TRF delivery (one Elekta TRF log) with the iCom delivery that the
// live stream recorded for the same beam: same linac, overlapping in time.
// Neither source names the other (a log holds no patient or plan identity, the
// stream no log file), so time is the key; field names are not compared
// because the TCS and the iCom stream spell them differently.
//
// Rule: each interval is [start, end]; the iCom one is widened by `tolerance`
// on both sides (the TCS clock, which dates the log, and the capture clock,
// which dates the stream, may differ). Candidates are the linac's iCom
// deliveries that overlap the log's interval; the one with the longest overlap
// wins, ties going to the nearer start. No candidate: no match.
#ifndef QCFLOW_PROCESS_TRF_ICOM_MATCH_H_
#define QCFLOW_PROCESS_TRF_ICOM_MATCH_H_

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "process/icom/delivery.h"
#include "process/trf/trf_delivery.h"
#include "store/status.h"

namespace qcflow {
class Derived;
}

namespace qcflow::trf {

struct IcomMatchOptions {
  std::string icom_linac;  // the iCom source's linac name; "" = the TRF delivery's own
  std::chrono::seconds tolerance{120};
  // How long before the log's start an iCom delivery may have begun and still
  // be read as a candidate (bounds the index scan).
  std::chrono::seconds lead{3600};
};

struct IcomMatch {
  icom::Delivery delivery;
  double overlap_s = 0;           // of the log's interval and the widened iCom one
  double start_difference_s = 0;  // iCom start minus log start
  double mu_difference = 0;       // log MU minus iCom MU
};

// The best of `candidates` for `log` by the rule above; nullopt when none
// overlaps or the log has no start.
std::optional<IcomMatch> ChooseIcomDelivery(const TrfDelivery& log,
                                            const std::vector<icom::Delivery>& candidates,
                                            std::chrono::seconds tolerance);

// Reads the candidates of `log` from the iCom deliveries index of `derived`
// and chooses among them. OK with nullopt when there is none (a store without
// iCom capture included); an undecodable delivery is Corruption.
Result<std::optional<IcomMatch>> FindIcomDelivery(Derived& derived, const TrfDelivery& log,
                                                  const IcomMatchOptions& options);

}  // namespace qcflow::trf

#endif  // QCFLOW_PROCESS_TRF_ICOM_MATCH_H_
