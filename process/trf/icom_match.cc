#include "process/trf/icom_match.h"

#include <algorithm>
#include <cmath>

#include "process/icom/icom_transform.h"
#include "store/derived.h"

namespace qcflow::trf {
namespace {

constexpr double kMicrosPerSecond = 1e6;

MicrosUtc LogEnd(const TrfDelivery& log) {
  return *log.start + static_cast<MicrosUtc>(std::llround(log.duration_s * kMicrosPerSecond));
}

}  // namespace

std::optional<IcomMatch> ChooseIcomDelivery(const TrfDelivery& log,
                                            const std::vector<icom::Delivery>& candidates,
                                            std::chrono::seconds tolerance) {
  if (!log.start) return std::nullopt;
  const MicrosUtc start = *log.start, end = LogEnd(log);
  const MicrosUtc tol = std::chrono::duration_cast<std::chrono::microseconds>(tolerance).count();
  std::optional<IcomMatch> best;
  for (const icom::Delivery& d : candidates) {
    const MicrosUtc overlap = std::min(end, d.end + tol) - std::max(start, d.start - tol);
    if (overlap < 0) continue;
    IcomMatch m{d, overlap / kMicrosPerSecond, (d.start - start) / kMicrosPerSecond, log.mu - d.mu};
    const bool better = !best || m.overlap_s > best->overlap_s ||
                        (m.overlap_s == best->overlap_s &&
                         std::abs(m.start_difference_s) < std::abs(best->start_difference_s));
    if (better) best = std::move(m);
  }
  return best;
}

Result<std::optional<IcomMatch>> FindIcomDelivery(Derived& derived, const TrfDelivery& log,
                                                  const IcomMatchOptions& options) {
  if (!log.start) return std::optional<IcomMatch>();
  const auto micros = [](std::chrono::seconds s) {
    return std::chrono::duration_cast<std::chrono::microseconds>(s).count();
  };
  const std::string& linac = options.icom_linac.empty() ? log.linac : options.icom_linac;
  // Deliveries are indexed by start: one that overlaps began at most `lead`
  // before the log and no later than its end (+ tolerance).
  const icom::IndexRange r =
      icom::DeliveryIndexRange(linac, std::nullopt, *log.start - micros(options.lead),
                               LogEnd(log) + micros(options.tolerance) + 1);
  std::vector<icom::Delivery> candidates;
  Status bad;
  QCFLOW_RETURN_IF_ERROR(derived.ScanIndexed(icom::kDeliveryByTime, r.from, r.until,
                                             [&](std::string_view v) {
    auto d = icom::DecodeDelivery(v);
    if (!d.ok()) {
      bad = d.status().WithContext("iCom delivery of linac " + linac);
      return false;
    }
    candidates.push_back(std::move(*d));
    return true;
  }));
  QCFLOW_RETURN_IF_ERROR(bad);
  return ChooseIcomDelivery(log, candidates, options.tolerance);
}

}  // namespace qcflow::trf
