// Reading stored deliveries back: what `qcflow query deliveries` and the
// console's GET /api/v1/deliveries show, through the most selective index.
#ifndef QCFLOW_PROCESS_ICOM_DELIVERY_QUERY_H_
#define QCFLOW_PROCESS_ICOM_DELIVERY_QUERY_H_

#include <cstddef>
#include <limits>
#include <string>
#include <vector>

#include "process/icom/delivery.h"
#include "store/status.h"
#include "store/time_util.h"

namespace qcflow {
class Derived;
}

namespace qcflow::icom {

struct DeliveryQuery {
  std::string linac;    // REQUIRES: non-empty (the [[source.icom]] name)
  std::string patient;  // "" = any; else only this Patient ID
  std::string field;    // "" = any; else only this Field ID
  MicrosUtc since = std::numeric_limits<MicrosUtc>::min();  // start in [since, until)
  MicrosUtc until = std::numeric_limits<MicrosUtc>::max();
  size_t limit = std::numeric_limits<size_t>::max();
};

// Closed deliveries in start order: through the by-patient index when a
// patient is given, else by-field, else by-time (a field filter with a
// patient is checked on each). A record that does not decode is the error.
Result<std::vector<Delivery>> ReadDeliveries(Derived& derived, const DeliveryQuery& query);

}  // namespace qcflow::icom

#endif  // QCFLOW_PROCESS_ICOM_DELIVERY_QUERY_H_
